// Package compat is the broker-version compatibility suite: the tests
// named TestCompat... run against whichever Apache Kafka version
// $SAMSA_KAFKA_VERSION selects (internal/kafkatest starts a three-node
// cluster of it: KRaft from 3.5, ZooKeeper before), so that
//
//	SAMSA_KAFKA_VERSION=2.8.2 go test -run Compat ./internal/integration/compat
//
// checks one version, and cmd/compat-matrix runs every version of the
// matrix and prints the table the README shows.
//
// The suite covers what differs between broker versions: every record
// shape and codec read back, idempotent produce across leader changes,
// transactions with SendOffsetsToTransaction, MESSAGE_TOO_LARGE splits,
// client quotas (throttling), and the protocol versions the producer
// negotiates down to on each broker (Produce, transactions v1 or v2,
// KIP-951 leader hints). The requests the producer writes are recorded
// on the wire, so each fallback is checked against what was sent, not
// against what the producer says it did.
package compat
