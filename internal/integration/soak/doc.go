// Package soak tests the producer through its public API against a real
// three-node Apache Kafka cluster (replication factor 3,
// min.insync.replicas 2) for a sustained period: idempotent producers
// under load while a random broker is killed with kill -9 and restarted
// every 15 seconds, and outages of the whole cluster. Every record's
// callback outcome is reconciled with what a read_committed consumer
// reads back.
//
// The soak runs for DefaultSoak in CI; set SAMSA_SOAK to a duration (or
// run scripts/soak [duration]) for a longer one.
package soak
