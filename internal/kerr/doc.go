// Package kerr is the table of Kafka protocol error codes: every code of
// org.apache.kafka.common.protocol.Errors in Kafka 4.3.1 (-1 through 133),
// plus the codes newer brokers define after it (134 through 136), with the
// Java client's notion of whether each one is retriable.
//
// Retriable is true exactly when the Java client's exception class for
// the code extends org.apache.kafka.common.errors.RetriableException,
// directly or through InvalidMetadataException or RefreshRetriableException.
// That is the Java client's classification, not a promise that retrying
// helps in every request: the producer still decides per request (for
// example, an idempotent producer treats OUT_OF_ORDER_SEQUENCE_NUMBER
// specially although it is not retriable here).
//
// The descriptions are samsa's own one-line summaries.
//
// This table is the one source of the codes: the public package
// github.com/samsa-go/samsa/kerr is generated from it (go generate ./kerr,
// by cmd/gencodes), and its Code methods look codes up here.
package kerr
