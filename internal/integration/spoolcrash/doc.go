// Package spoolcrash proves the producer's spool (issue 19) against
// crashes and outages: a child process producing through a spool is
// killed with SIGKILL at random points, many times, and restarted on the
// same spool directory; then every partition is read back and each
// record checked: none that the child saw spooled may be missing, none
// may be there twice unless the spool reported it as a possible
// duplicate, and the order per partition must be the order of
// production. It runs against kfake (fast, in every test run) and a real
// three-node Apache Kafka cluster; TestSpoolCrashVariantsKfake repeats it
// with spool.fsync=always and os, and without idempotence (where every
// duplicate must be one the spool reported). TestSpoolOutage kills every
// broker of the three-node cluster while a producer with a spool and a
// 2 MiB buffer.memory keeps producing: nothing may be lost or duplicated,
// and the heap stays bounded while the spool holds many times more.
//
// SAMSA_SPOOL_KILLS sets the number of kills per crash test (default 12
// against Kafka, 20 and 8 against kfake); SAMSA_SPOOL_OUTAGE the outage
// (default 20s in CI; the proof is SAMSA_SPOOL_OUTAGE=2m, about
// three and a half minutes in all). SAMSA_SPOOL_BOOTSTRAP runs the
// crash test against a running three-node cluster instead of starting
// one (kafka-up -nodes 3), to iterate on it.
package spoolcrash
