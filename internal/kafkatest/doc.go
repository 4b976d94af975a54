// Package kafkatest runs real Apache Kafka clusters on loopback for
// integration tests, from plain `go test`.
//
// # What it does
//
// Start fetches Kafka's jars from Maven Central with Maven (once per
// version; they are cached outside the repository in $SAMSA_KAFKA_CACHE,
// else $XDG_CACHE_HOME/samsa/kafka, else ~/.cache/samsa/kafka, under a
// file lock so that parallel test binaries fetch once), formats KRaft
// storage with kafka.tools.StorageTool (--standalone for one node,
// --initial-controllers for more; SCRAM users with --add-scram), and
// starts 1 or more combined broker+controller JVMs (kafka.Kafka) on free
// 127.0.0.1 ports. It returns once every node answers ApiVersions and
// Metadata listing every node; a node that does not within
// Options.ReadyTimeout fails the start with the tail of its log.
//
// Every node has a PLAINTEXT listener (also used between brokers) and,
// with Options.Security, SSL, MTLS (client certificate required),
// SASL_PLAINTEXT and SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; see
// PlainUser, Scram256User, Scram512User), and two TLS listeners with bad
// certificates, SSL_WRONGHOST and SSL_EXPIRED, for client verification
// tests. The certificates come from a throwaway CA made per cluster.
//
// The brokers run small JVMs tuned for a fast start (DefaultJVMFlags), with
// a class-data sharing archive of Kafka's classes that a one-time training
// run builds next to the cached jars (Prepare; SAMSA_KAFKA_CDS=0 turns it
// off). On two cores one node is ready about 1.1 s after its JVM launches
// (Start takes about 1.6 s in all), three nodes in about 5 s.
//
// The JVMs cannot outlive the test process: each runs under a small shell
// watchdog whose standard input is a pipe from the test process; when the
// pipe closes (Close, or the test process dying in any way, SIGKILL
// included) the watchdog kills the JVM with SIGKILL.
//
// # In a test package
//
// One cluster per test package, started on first use and shared by the
// package's tests:
//
//	func TestMain(m *testing.M) {
//		kafkatest.Main(m, kafkatest.Options{Nodes: 3})
//	}
//
//	func TestSomething(t *testing.T) {
//		c := kafkatest.Shared(t)
//		topic := c.NewTopic(t, 3, 3)
//		// connect to c.Bootstrap(kafkatest.PLAINTEXT) ...
//	}
//
// Without Java or Maven the tests that need Kafka are skipped, saying what
// to install, and Main prints one line for the package that says how many
// were skipped and why, visible without -v (internal/prereq); with
// SAMSA_REQUIRE_KAFKA=1 (as CI sets) they fail instead.
// SAMSA_KAFKA_VERSION selects another Kafka version for a whole run;
// DefaultVersion is the default.
//
// # Versions
//
// Any version from Oldest (2.8) on runs; LayoutOf says how. Kafka 3.9 and
// newer run KRaft with a dynamic quorum as described above; 3.5 to 3.8 run
// KRaft with a static quorum (controller.quorum.voters); 2.8 to 3.4 run in
// ZooKeeper mode, with a ZooKeeper server started from the ZooKeeper jar
// that Kafka depends on (fetched from Maven Central with it) on a loopback
// port. KRaft before 3.3 was an early-access preview, and before 3.5 its
// storage tool cannot create SCRAM users (KIP-900), so those versions use
// ZooKeeper. In ZooKeeper mode Options.Security is refused: those
// versions need encrypted PEM keys for their TLS listeners.
//
// For manual use, scripts/kafka-up starts the same cluster and prints its
// listeners.
package kafkatest
