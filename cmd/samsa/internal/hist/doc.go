// Package hist is a log-linear histogram of non-negative integers, such as
// latencies in microseconds, in the manner of HdrHistogram: values below
// 2^bits are counted exactly, larger ones in 2^(bits-1) buckets per power of
// two, so a reported value is within 2^-bits of the true one. Recording a
// value does not allocate. A Histogram is not safe for concurrent use.
package hist
