// Command samsa is samsa's command line: it produces records from files or
// standard input (samsa produce), measures a producer's throughput and
// latency the way Kafka's kafka-producer-perf-test does (samsa perf), and,
// when no bootstrap server is given, runs both against an in-process
// Kafka-compatible broker so that it works on a fresh machine.
//
// See docs/cli.md for the reference, or run samsa help.
package main
