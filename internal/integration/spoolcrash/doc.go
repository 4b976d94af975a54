// Package spoolcrash proves the producer's spool (issue 19) against
// crashes and outages: a child process producing through a spool is
// killed with SIGKILL at random points, many times, and restarted on the
// same spool directory; then every partition is read back and each
// record checked: none that the child saw spooled may be missing, none
// may be there twice unless the spool reported it as a possible
// duplicate, and the order per partition must be the order of
// production. It runs against kfake (fast, in every test run) and a real
// three-node Apache Kafka cluster.
//
// SAMSA_SPOOL_KILLS sets the number of kills per crash test (default
// 12 against Kafka, 20 against kfake).
package spoolcrash
