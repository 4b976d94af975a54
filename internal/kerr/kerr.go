package kerr

// Info describes one Kafka error code.
type Info struct {
	// Code is the protocol error code.
	Code int16
	// Name is the Java enum name, such as "NOT_LEADER_OR_FOLLOWER".
	Name string
	// Retriable reports whether the Java client's exception for the code
	// is a RetriableException.
	Retriable bool
	// Description is a one-line explanation of the error.
	Description string
}

// MinCode and MaxCode bound the codes in the table; every code between
// them is defined.
const (
	MinCode int16 = -1
	MaxCode int16 = 136
)

// Lookup returns the Info for code, and false when the code is not one
// Kafka defines (as far as this table knows).
func Lookup(code int16) (Info, bool) {
	if code < MinCode || code > MaxCode {
		return Info{}, false
	}
	return table[int(code)-int(MinCode)], true
}

// All returns every entry, ordered by code. The slice is a copy.
func All() []Info {
	out := make([]Info, len(table))
	copy(out, table)
	return out
}

// table holds the codes MinCode..MaxCode in order, with no gaps.
var table = []Info{
	{-1, "UNKNOWN_SERVER_ERROR", false, "the broker hit an unexpected failure while handling the request"},
	{0, "NONE", false, "no error"},
	{1, "OFFSET_OUT_OF_RANGE", false, "the offset asked for lies outside the partition's retained offsets"},
	{2, "CORRUPT_MESSAGE", true, "a record failed its CRC check, had an invalid size, or was otherwise malformed"},
	{3, "UNKNOWN_TOPIC_OR_PARTITION", true, "the broker does not host this topic or partition"},
	{4, "INVALID_FETCH_SIZE", false, "the fetch size in the request is not valid"},
	{5, "LEADER_NOT_AVAILABLE", true, "the partition has no leader at the moment, usually during an election"},
	{6, "NOT_LEADER_OR_FOLLOWER", true, "the broker is not the partition's leader (or not one of its replicas); metadata is stale"},
	{7, "REQUEST_TIMED_OUT", true, "the broker gave up on the request before it completed"},
	{8, "BROKER_NOT_AVAILABLE", false, "the broker is not available"},
	{9, "REPLICA_NOT_AVAILABLE", true, "a replica of the partition is not available"},
	{10, "MESSAGE_TOO_LARGE", false, "a record batch is larger than the broker or topic allows"},
	{11, "STALE_CONTROLLER_EPOCH", false, "the request came from a controller that has since been replaced"},
	{12, "OFFSET_METADATA_TOO_LARGE", false, "the metadata attached to an offset commit is too long"},
	{13, "NETWORK_EXCEPTION", true, "the connection broke before a response arrived"},
	{14, "COORDINATOR_LOAD_IN_PROGRESS", true, "the coordinator is still loading its state"},
	{15, "COORDINATOR_NOT_AVAILABLE", true, "no coordinator is available right now"},
	{16, "NOT_COORDINATOR", true, "the broker is not the coordinator for this group or transactional ID"},
	{17, "INVALID_TOPIC_EXCEPTION", false, "the topic name is not valid, or the topic is internal and cannot be written"},
	{18, "RECORD_LIST_TOO_LARGE", false, "the record batch exceeds the segment size the topic is configured with"},
	{19, "NOT_ENOUGH_REPLICAS", true, "fewer in-sync replicas than min.insync.replicas; the write was refused"},
	{20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true, "the write reached the leader's log but too few in-sync replicas remained to acknowledge it"},
	{21, "INVALID_REQUIRED_ACKS", false, "the acks value in the produce request is not one the broker accepts"},
	{22, "ILLEGAL_GENERATION", false, "the group generation in the request is not the current one"},
	{23, "INCONSISTENT_GROUP_PROTOCOL", false, "the member's protocol type or protocols do not match the group's"},
	{24, "INVALID_GROUP_ID", false, "the group ID is empty or otherwise not valid"},
	{25, "UNKNOWN_MEMBER_ID", false, "the coordinator does not know this group member"},
	{26, "INVALID_SESSION_TIMEOUT", false, "the session timeout is outside the range the broker allows"},
	{27, "REBALANCE_IN_PROGRESS", false, "the group is rebalancing"},
	{28, "INVALID_COMMIT_OFFSET_SIZE", false, "the offset commit was refused because of its size"},
	{29, "TOPIC_AUTHORIZATION_FAILED", false, "the client is not authorized to access the topic"},
	{30, "GROUP_AUTHORIZATION_FAILED", false, "the client is not authorized to access the group"},
	{31, "CLUSTER_AUTHORIZATION_FAILED", false, "the client is not authorized for this cluster-level operation"},
	{32, "INVALID_TIMESTAMP", false, "a record's timestamp is outside the range the topic accepts"},
	{33, "UNSUPPORTED_SASL_MECHANISM", false, "the broker does not offer the requested SASL mechanism"},
	{34, "ILLEGAL_SASL_STATE", false, "a SASL request arrived at a point in the handshake where it is not allowed"},
	{35, "UNSUPPORTED_VERSION", false, "the broker does not support this version of the API"},
	{36, "TOPIC_ALREADY_EXISTS", false, "a topic with this name exists already"},
	{37, "INVALID_PARTITIONS", false, "the partition count is not valid"},
	{38, "INVALID_REPLICATION_FACTOR", false, "the replication factor is not valid"},
	{39, "INVALID_REPLICA_ASSIGNMENT", false, "the replica assignment is not valid"},
	{40, "INVALID_CONFIG", false, "a configuration value in the request is not valid"},
	{41, "NOT_CONTROLLER", true, "the broker is not the active controller"},
	{42, "INVALID_REQUEST", false, "the broker could not make sense of the request; its log has details"},
	{43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false, "the topic's message format version cannot serve this request"},
	{44, "POLICY_VIOLATION", false, "the request breaks a policy configured on the broker"},
	{45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, "the broker saw a producer sequence number out of order"},
	{46, "DUPLICATE_SEQUENCE_NUMBER", false, "the broker saw a producer sequence number it had already written"},
	{47, "INVALID_PRODUCER_EPOCH", false, "the producer's epoch is stale: another producer took over the transactional ID, or the transaction timed out"},
	{48, "INVALID_TXN_STATE", false, "the transactional operation is not allowed in the transaction's current state"},
	{49, "INVALID_PRODUCER_ID_MAPPING", false, "the producer ID is not the one assigned to this transactional ID"},
	{50, "INVALID_TRANSACTION_TIMEOUT", false, "transaction.timeout.ms exceeds the broker's transaction.max.timeout.ms"},
	{51, "CONCURRENT_TRANSACTIONS", true, "another operation on the same transaction is still in progress"},
	{52, "TRANSACTION_COORDINATOR_FENCED", false, "the transaction coordinator that sent this is no longer the current one"},
	{53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false, "the client is not authorized to use the transactional ID"},
	{54, "SECURITY_DISABLED", false, "security features are turned off on the broker"},
	{55, "OPERATION_NOT_ATTEMPTED", false, "the broker skipped this operation because another one in the same batch failed"},
	{56, "KAFKA_STORAGE_ERROR", true, "the broker hit a disk error while accessing the log"},
	{57, "LOG_DIR_NOT_FOUND", false, "the log directory named in the request does not exist"},
	{58, "SASL_AUTHENTICATION_FAILED", false, "SASL authentication failed, for example because of wrong credentials"},
	{59, "UNKNOWN_PRODUCER_ID", false, "the broker has no state for this producer ID, for example because it expired"},
	{60, "REASSIGNMENT_IN_PROGRESS", false, "a partition reassignment is already in progress"},
	{61, "DELEGATION_TOKEN_AUTH_DISABLED", false, "delegation token authentication is turned off"},
	{62, "DELEGATION_TOKEN_NOT_FOUND", false, "no such delegation token exists"},
	{63, "DELEGATION_TOKEN_OWNER_MISMATCH", false, "the principal does not own the delegation token"},
	{64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false, "delegation token requests are not allowed over this channel or with token authentication"},
	{65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false, "the client is not authorized for this delegation token operation"},
	{66, "DELEGATION_TOKEN_EXPIRED", false, "the delegation token has expired"},
	{67, "INVALID_PRINCIPAL_TYPE", false, "the principal type is not supported"},
	{68, "NON_EMPTY_GROUP", false, "the group still has members"},
	{69, "GROUP_ID_NOT_FOUND", false, "no such group exists"},
	{70, "FETCH_SESSION_ID_NOT_FOUND", true, "the broker has no fetch session with this ID"},
	{71, "INVALID_FETCH_SESSION_EPOCH", true, "the fetch session epoch is not the expected one"},
	{72, "LISTENER_NOT_FOUND", true, "the partition's leader has no endpoint on the listener the client connected through"},
	{73, "TOPIC_DELETION_DISABLED", false, "topic deletion is turned off on the cluster"},
	{74, "FENCED_LEADER_EPOCH", true, "the request's leader epoch is older than the broker's"},
	{75, "UNKNOWN_LEADER_EPOCH", true, "the request's leader epoch is newer than the broker knows of"},
	{76, "UNSUPPORTED_COMPRESSION_TYPE", false, "the broker cannot serve this request for the compression codec used"},
	{77, "STALE_BROKER_EPOCH", false, "the broker epoch in the request is out of date"},
	{78, "OFFSET_NOT_AVAILABLE", true, "the leader's high watermark has not caught up to this offset yet"},
	{79, "MEMBER_ID_REQUIRED", false, "the group member must rejoin using the member ID it was assigned"},
	{80, "PREFERRED_LEADER_NOT_AVAILABLE", true, "the preferred leader is not available to be elected"},
	{81, "GROUP_MAX_SIZE_REACHED", false, "the group already has the maximum number of members"},
	{82, "FENCED_INSTANCE_ID", false, "another member with the same group.instance.id replaced this one"},
	{83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true, "no replica eligible to lead the partition is available"},
	{84, "ELECTION_NOT_NEEDED", true, "the leader election was not needed"},
	{85, "NO_REASSIGNMENT_IN_PROGRESS", false, "there is no partition reassignment in progress"},
	{86, "GROUP_SUBSCRIBED_TO_TOPIC", false, "the group is still subscribed to the topic, so its offsets cannot be deleted"},
	{87, "INVALID_RECORD", false, "the broker rejected a record as invalid, for example a null key on a compacted topic"},
	{88, "UNSTABLE_OFFSET_COMMIT", true, "the partition has offset commits still pending in open transactions"},
	{89, "THROTTLING_QUOTA_EXCEEDED", true, "the request would exceed a throttling quota"},
	{90, "PRODUCER_FENCED", false, "a newer producer with the same transactional ID fenced this one"},
	{91, "RESOURCE_NOT_FOUND", false, "the resource named in the request does not exist"},
	{92, "DUPLICATE_RESOURCE", false, "the request names the same resource more than once"},
	{93, "UNACCEPTABLE_CREDENTIAL", false, "the credential does not meet the broker's requirements"},
	{94, "INCONSISTENT_VOTER_SET", false, "the KRaft voter sets of sender and receiver disagree"},
	{95, "INVALID_UPDATE_VERSION", false, "the update version in the request is not valid"},
	{96, "FEATURE_UPDATE_FAILED", false, "the controller could not apply the feature update"},
	{97, "PRINCIPAL_DESERIALIZATION_FAILURE", false, "the forwarded request's principal could not be deserialized"},
	{98, "SNAPSHOT_NOT_FOUND", false, "the requested KRaft snapshot does not exist"},
	{99, "POSITION_OUT_OF_RANGE", false, "the requested position is outside the snapshot's bounds"},
	{100, "UNKNOWN_TOPIC_ID", true, "the broker does not host a topic with this topic ID"},
	{101, "DUPLICATE_BROKER_REGISTRATION", false, "a broker with this ID is registered already"},
	{102, "BROKER_ID_NOT_REGISTERED", false, "no broker with this ID is registered"},
	{103, "INCONSISTENT_TOPIC_ID", true, "the topic ID in the request does not match the broker's for that topic"},
	{104, "INCONSISTENT_CLUSTER_ID", false, "the cluster ID in the request does not match the cluster's"},
	{105, "TRANSACTIONAL_ID_NOT_FOUND", false, "no transaction state exists for this transactional ID"},
	{106, "FETCH_SESSION_TOPIC_ID_ERROR", true, "the fetch session's topic IDs are inconsistent with the request"},
	{107, "INELIGIBLE_REPLICA", false, "the replica cannot be added to the ISR"},
	{108, "NEW_LEADER_ELECTED", false, "the ISR change was not applied because a new leader was elected"},
	{109, "OFFSET_MOVED_TO_TIERED_STORAGE", false, "the offset has moved to tiered storage"},
	{110, "FENCED_MEMBER_EPOCH", false, "the member epoch is fenced; the member must rejoin with epoch zero"},
	{111, "UNRELEASED_INSTANCE_ID", false, "the static member's instance ID has not been released by its previous holder"},
	{112, "UNSUPPORTED_ASSIGNOR", false, "the group does not support the requested assignor"},
	{113, "STALE_MEMBER_EPOCH", false, "the member epoch is stale; the member should retry with its current epoch"},
	{114, "MISMATCHED_ENDPOINT_TYPE", false, "the request was sent to the wrong kind of endpoint (broker or controller)"},
	{115, "UNSUPPORTED_ENDPOINT_TYPE", false, "this endpoint type does not support the request"},
	{116, "UNKNOWN_CONTROLLER_ID", false, "no controller with this ID is known"},
	{117, "UNKNOWN_SUBSCRIPTION_ID", false, "the client telemetry subscription ID is not known or has expired"},
	{118, "TELEMETRY_TOO_LARGE", false, "the pushed client telemetry is larger than the broker accepts"},
	{119, "INVALID_REGISTRATION", false, "the controller judged the broker registration invalid"},
	{120, "TRANSACTION_ABORTABLE", false, "the transaction failed on the broker; aborting it lets the producer go on with this transactional ID"},
	{121, "INVALID_RECORD_STATE", false, "the record is not in a state that allows this acknowledgement"},
	{122, "SHARE_SESSION_NOT_FOUND", true, "the broker has no such share session"},
	{123, "INVALID_SHARE_SESSION_EPOCH", true, "the share session epoch is not the expected one"},
	{124, "FENCED_STATE_EPOCH", false, "the share-group state epoch does not match, so the share coordinator refused the request"},
	{125, "INVALID_VOTER_KEY", false, "the KRaft voter key does not match the receiving replica's"},
	{126, "DUPLICATE_VOTER", false, "the voter is already a member of the voter set"},
	{127, "VOTER_NOT_FOUND", false, "the voter is not a member of the voter set"},
	{128, "INVALID_REGULAR_EXPRESSION", false, "the regular expression in the request does not compile"},
	{129, "REBOOTSTRAP_REQUIRED", false, "the client's metadata is too stale; it must bootstrap again"},
	{130, "STREAMS_INVALID_TOPOLOGY", false, "the Streams topology in the request is not valid"},
	{131, "STREAMS_INVALID_TOPOLOGY_EPOCH", false, "the Streams topology epoch is not valid"},
	{132, "STREAMS_TOPOLOGY_FENCED", false, "the Streams topology epoch is out of date"},
	{133, "SHARE_SESSION_LIMIT_REACHED", true, "the broker has no room for another share session"},
	// Codes added after Kafka 4.3.
	{134, "GROUP_DELETION_FAILED", false, "the group could not be deleted; the broker's message says why"},
	{135, "STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED", false, "the broker could not apply the Streams topology description update"},
	{136, "CONTROLLER_ID_NOT_REGISTERED", false, "no controller with this ID is registered"},
}
