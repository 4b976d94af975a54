// Package javacheck lets Go tests exchange bytes with Kafka's own Java
// client classes, to prove byte compatibility with them.
//
// Run compiles the Java sources of a test package's testdata directory
// against the kafka-clients jar and its runtime dependencies (zstd-jni,
// lz4-java, snappy-java, slf4j), which it fetches from Maven Central with
// mvn into a cache outside the repository, and runs a main class with the
// given standard input, returning its standard output.
//
// The cache lives in $SAMSA_JAVACHECK_CACHE, or else
// <user cache dir>/samsa/javacheck (usually ~/.cache/samsa/javacheck).
// Test binaries of several packages run in parallel, so each cache entry
// is built under an exclusive file lock and marked complete last.
//
// When java, javac or mvn is missing, tests calling Require or Run are
// skipped with instructions, unless the environment variable
// SAMSA_REQUIRE_KAFKA=1 is set, in which case they fail.
package javacheck
