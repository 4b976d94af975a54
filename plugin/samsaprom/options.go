package samsaprom

import "github.com/prometheus/client_golang/prometheus"

// Opt configures Metrics.
type Opt func(*config)

type config struct {
	registerer     prometheus.Registerer
	namespace      string
	latencyBuckets []float64
	sizeBuckets    []float64
	partitions     bool
}

func defaultConfig() config {
	return config{
		registerer:     prometheus.DefaultRegisterer,
		namespace:      "samsa",
		latencyBuckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms .. 16 s
		sizeBuckets:    prometheus.ExponentialBuckets(64, 2, 17),     // 64 B .. 4 MiB
		partitions:     true,
	}
}

// Registerer sets where the metrics register when the producer starts;
// default prometheus.DefaultRegisterer. Nil leaves registering to the
// caller (whose series then carry no client_id label).
func Registerer(r prometheus.Registerer) Opt { return func(c *config) { c.registerer = r } }

// Namespace sets the first part of every series name; default "samsa"
// (samsa_producer_...).
func Namespace(ns string) Opt { return func(c *config) { c.namespace = ns } }

// LatencyBuckets sets the bucket bounds, in seconds, of the latency
// histograms (request latency, record queue time, throttle time, connect
// duration); default 0.5 ms doubling to 16 s.
func LatencyBuckets(b []float64) Opt { return func(c *config) { c.latencyBuckets = b } }

// SizeBuckets sets the bucket bounds, in bytes, of the batch size
// histogram; default 64 B doubling to 4 MiB.
func SizeBuckets(b []float64) Opt { return func(c *config) { c.sizeBuckets = b } }

// WithoutPartitionGauges drops the per-partition buffered records and
// bytes gauges (the per-topic ones stay), for producers writing to very
// many partitions.
func WithoutPartitionGauges() Opt { return func(c *config) { c.partitions = false } }
