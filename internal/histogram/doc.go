// Package histogram is a lock-free log-linear histogram of durations, for
// the producer's latency percentiles: recording is one atomic add, and
// quantiles are read from a snapshot, or from the difference of two
// snapshots for a window.
package histogram
