// Package prereq skips tests whose prerequisites are missing (Java and
// Maven for real Kafka, a C compiler for librdkafka's mock cluster), and
// makes the skips impossible to miss.
//
// go test prints nothing but "ok" for a package whose tests passed, even
// when they all skipped: without -v a user without Java sees the
// integration packages green although no integration test ran. Run, called
// from a package's TestMain (kafkatest.Main and kafkatest.Run call it),
// prints one line per package after its tests when any of them was
// skipped by Skip:
//
//	samsa: internal/integration/txn: SKIPPED 2 integration tests (TestTransactionsV1, TestTransactionsV2): kafkatest: java not found ...; set SAMSA_REQUIRE_KAFKA=1 to make this a failure
//
// The go command discards a passing test binary's output, so the line
// goes to the go command's own standard output when the test binary can
// reach it (Linux: the parent's descriptor, through pidfd_getfd when
// allowed, else the pipe or terminal it names), and to the binary's
// standard output always (seen with -v, -json, or when the package
// fails). A run that skipped is also kept out of go test's cache, so the
// line is printed again on the next run instead of "ok (cached)".
//
// With SAMSA_REQUIRE_KAFKA=1, as CI sets, Skip fails the test instead:
// nothing that needs a prerequisite may skip.
package prereq
