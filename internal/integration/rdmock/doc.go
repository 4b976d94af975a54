// Package rdmock tests the producer's basic produce path against
// librdkafka's mock cluster, an independently written Kafka-protocol
// broker, started through the brokers launcher of the test environment
// (a separate Go module, not part of this repository; see
// /work/shared/brokers/README.md). Records of every shape are produced,
// their acknowledgements checked and the records read back.
//
// The launcher's directory is $SAMSA_BROKERS_DIR, else
// /work/shared/brokers. Building it needs cgo and a C compiler. When the
// launcher or its prerequisites are missing the test is skipped, saying
// what is missing: the launcher is not in this repository, so
// SAMSA_REQUIRE_KAFKA=1 cannot make it available. When the launcher is
// there but does not build or start under SAMSA_REQUIRE_KAFKA=1, the test
// fails.
package rdmock
