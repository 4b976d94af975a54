// Package rdmock tests the producer's basic produce path against
// librdkafka's mock cluster, an independently written Kafka-protocol
// broker. Records of every shape are produced, their acknowledgements
// checked and the records read back.
//
// The cluster runs in ./mockcluster, a small launcher that is a Go module
// of its own (it needs confluent-kafka-go, which links librdkafka with
// cgo; samsa's go.mod stays free of it). The test builds it with go
// build, which needs cgo and a C compiler (apt-get install gcc
// libc6-dev) and, the first time, the Go module proxy. Without a C
// compiler, or when the build fails, the test is skipped and
// internal/prereq reports it; with SAMSA_REQUIRE_KAFKA=1, as CI sets, it
// fails instead.
package rdmock
