package kerr

import (
	"regexp"
	"testing"
)

// TestKnownCodes checks codes, names and retriable flags read by hand from
// Kafka's Errors.java and the exception classes' superclasses
// (RetriableException, InvalidMetadataException, RefreshRetriableException).
func TestKnownCodes(t *testing.T) {
	cases := []struct {
		code      int16
		name      string
		retriable bool
	}{
		{-1, "UNKNOWN_SERVER_ERROR", false},
		{0, "NONE", false},
		{1, "OFFSET_OUT_OF_RANGE", false},
		{2, "CORRUPT_MESSAGE", true},
		{3, "UNKNOWN_TOPIC_OR_PARTITION", true},
		{5, "LEADER_NOT_AVAILABLE", true},
		{6, "NOT_LEADER_OR_FOLLOWER", true},
		{7, "REQUEST_TIMED_OUT", true},
		{8, "BROKER_NOT_AVAILABLE", false},
		{9, "REPLICA_NOT_AVAILABLE", true},
		{10, "MESSAGE_TOO_LARGE", false},
		{13, "NETWORK_EXCEPTION", true},
		{15, "COORDINATOR_NOT_AVAILABLE", true},
		{16, "NOT_COORDINATOR", true},
		{17, "INVALID_TOPIC_EXCEPTION", false},
		{18, "RECORD_LIST_TOO_LARGE", false},
		{19, "NOT_ENOUGH_REPLICAS", true},
		{20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true},
		{21, "INVALID_REQUIRED_ACKS", false},
		{29, "TOPIC_AUTHORIZATION_FAILED", false},
		{31, "CLUSTER_AUTHORIZATION_FAILED", false},
		{32, "INVALID_TIMESTAMP", false},
		{35, "UNSUPPORTED_VERSION", false},
		{40, "INVALID_CONFIG", false},
		{41, "NOT_CONTROLLER", true},
		{42, "INVALID_REQUEST", false},
		{45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false},
		{46, "DUPLICATE_SEQUENCE_NUMBER", false},
		{47, "INVALID_PRODUCER_EPOCH", false},
		{48, "INVALID_TXN_STATE", false},
		{49, "INVALID_PRODUCER_ID_MAPPING", false},
		{50, "INVALID_TRANSACTION_TIMEOUT", false},
		{51, "CONCURRENT_TRANSACTIONS", true},
		{53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false},
		{56, "KAFKA_STORAGE_ERROR", true},
		{58, "SASL_AUTHENTICATION_FAILED", false},
		{59, "UNKNOWN_PRODUCER_ID", false},
		{72, "LISTENER_NOT_FOUND", true},
		{74, "FENCED_LEADER_EPOCH", true},
		{75, "UNKNOWN_LEADER_EPOCH", true},
		{76, "UNSUPPORTED_COMPRESSION_TYPE", false},
		{87, "INVALID_RECORD", false},
		{89, "THROTTLING_QUOTA_EXCEEDED", true},
		{90, "PRODUCER_FENCED", false},
		{99, "POSITION_OUT_OF_RANGE", false},
		{100, "UNKNOWN_TOPIC_ID", true},
		{103, "INCONSISTENT_TOPIC_ID", true},
		{106, "FETCH_SESSION_TOPIC_ID_ERROR", true},
		{120, "TRANSACTION_ABORTABLE", false},
		{122, "SHARE_SESSION_NOT_FOUND", true},
		{123, "INVALID_SHARE_SESSION_EPOCH", true},
		{128, "INVALID_REGULAR_EXPRESSION", false},
		{129, "REBOOTSTRAP_REQUIRED", false},
		{133, "SHARE_SESSION_LIMIT_REACHED", true},
		{134, "GROUP_DELETION_FAILED", false},
	}
	for _, c := range cases {
		info, ok := Lookup(c.code)
		if !ok {
			t.Errorf("Lookup(%d): not found", c.code)
			continue
		}
		if info.Code != c.code || info.Name != c.name || info.Retriable != c.retriable {
			t.Errorf("Lookup(%d) = {%d %s retriable=%v}; want {%d %s retriable=%v}",
				c.code, info.Code, info.Name, info.Retriable, c.code, c.name, c.retriable)
		}
	}
}

func TestTableDenseAndUnique(t *testing.T) {
	all := All()
	if want := int(MaxCode) - int(MinCode) + 1; len(all) != want {
		t.Fatalf("table has %d entries; want %d (codes %d..%d)", len(all), want, MinCode, MaxCode)
	}
	names := map[string]int16{}
	nameRE := regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)
	for i, info := range all {
		if want := MinCode + int16(i); info.Code != want {
			t.Errorf("entry %d has code %d; want %d (codes must be dense and ordered)", i, info.Code, want)
		}
		if prev, dup := names[info.Name]; dup {
			t.Errorf("name %s used by codes %d and %d", info.Name, prev, info.Code)
		}
		names[info.Name] = info.Code
		if !nameRE.MatchString(info.Name) {
			t.Errorf("code %d: name %q is not an upper-case enum name", info.Code, info.Name)
		}
		if info.Description == "" {
			t.Errorf("code %d (%s) has no description", info.Code, info.Name)
		}
	}
}

func TestLookupOutOfRange(t *testing.T) {
	for _, code := range []int16{MinCode - 1, MaxCode + 1, -32768, 32767} {
		if info, ok := Lookup(code); ok {
			t.Errorf("Lookup(%d) = %+v, true; want false", code, info)
		}
	}
}

func TestAllIsACopy(t *testing.T) {
	a := All()
	a[1].Name = "CHANGED"
	if info, _ := Lookup(0); info.Name != "NONE" {
		t.Fatalf("modifying All's result changed the table: %q", info.Name)
	}
}
