package samsaprom

import (
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/samsa-go/samsa"
)

// stateCollector reads the producer's own counters and gauges at scrape
// time: the record counts it keeps per topic, its memory and the work it
// holds.
type stateCollector struct {
	p atomic.Pointer[samsa.Producer]

	fromMetrics []pulled
	bufRecords  *prometheus.Desc
	bufBytes    *prometheus.Desc
	partitions  bool
}

// pulled is one series read from Producer.Metrics: the samsa metric
// (group and Java name) and the Prometheus series it becomes.
type pulled struct {
	group, java string
	desc        *prometheus.Desc
	kind        prometheus.ValueType
	scale       float64
	topic       bool // labelled by topic (from producer-topic-metrics)
}

// pulledSeries lists the producer metrics exported as they are: counters
// kept per topic and gauges of the producer's state. The rest of the
// producer's metrics are averages, maxima, rates and percentiles over a
// window, which Prometheus derives from the counters and histograms
// (see the package documentation).
var pulledSeries = []struct {
	group, java, name, help string
	kind                    prometheus.ValueType
	scale                   float64
}{
	{"producer-topic-metrics", "record-send-total", "record_send_total", "Records sent in produce requests, retries included (Java's record-send-total).", prometheus.CounterValue, 1},
	{"producer-topic-metrics", "record-error-total", "record_error_total", "Records that failed (Java's record-error-total).", prometheus.CounterValue, 1},
	{"producer-topic-metrics", "record-retry-total", "record_retry_total", "Records sent again after a retriable error (Java's record-retry-total).", prometheus.CounterValue, 1},
	{"producer-topic-metrics", "byte-total", "bytes_total", "Bytes of record batches acknowledged, as sent (compressed) (Java's byte-total).", prometheus.CounterValue, 1},
	{"producer-topic-metrics", "buffered-records", "buffered_records", "Records produced that have no outcome yet.", prometheus.GaugeValue, 1},
	{"producer-topic-metrics", "buffered-bytes", "buffered_bytes", "Encoded bytes (before compression) of the records that have no outcome yet.", prometheus.GaugeValue, 1},
	{"producer-metrics", "batch-split-total", "batch_split_total", "Batches split because a broker refused them as too large (Java's batch-split-total).", prometheus.CounterValue, 1},
	{"producer-metrics", "buffer-total-bytes", "buffer_total_bytes", "The buffer.memory budget.", prometheus.GaugeValue, 1},
	{"producer-metrics", "buffer-available-bytes", "buffer_available_bytes", "Bytes of buffer.memory not in use.", prometheus.GaugeValue, 1},
	{"producer-metrics", "bufferpool-wait-time-ns-total", "bufferpool_wait_seconds_total", "Time Produce calls spent waiting for buffer memory.", prometheus.CounterValue, 1e-9},
	{"producer-metrics", "waiting-threads", "waiting_goroutines", "Produce calls waiting for buffer memory now.", prometheus.GaugeValue, 1},
	{"producer-metrics", "requests-in-flight", "requests_in_flight", "Produce requests awaiting their responses.", prometheus.GaugeValue, 1},
	{"producer-metrics", "connection-count", "connections", "Open connections to brokers.", prometheus.GaugeValue, 1},
	{"producer-metrics", "spool-used-bytes", "spool_used_bytes", "Bytes the spool holds on disk or has promised to batches (with a spool).", prometheus.GaugeValue, 1},
	{"producer-metrics", "spool-max-bytes", "spool_max_bytes", "The spool.max.bytes budget (with a spool).", prometheus.GaugeValue, 1},
}

func newStateCollector(cfg config) *stateCollector {
	s := &stateCollector{partitions: cfg.partitions}
	for _, ps := range pulledSeries {
		topic := ps.group == "producer-topic-metrics"
		var labels []string
		if topic {
			labels = []string{"topic"}
		}
		s.fromMetrics = append(s.fromMetrics, pulled{
			group: ps.group, java: ps.java, kind: ps.kind, scale: ps.scale, topic: topic,
			desc: prometheus.NewDesc(prometheus.BuildFQName(cfg.namespace, subsystem, ps.name), ps.help, labels, nil),
		})
	}
	s.bufRecords = prometheus.NewDesc(prometheus.BuildFQName(cfg.namespace, subsystem, "partition_buffered_records"),
		"Records produced to the partition that have no outcome yet.", []string{"topic", "partition"}, nil)
	s.bufBytes = prometheus.NewDesc(prometheus.BuildFQName(cfg.namespace, subsystem, "partition_buffered_bytes"),
		"Encoded bytes (before compression) of the partition's records that have no outcome yet.", []string{"topic", "partition"}, nil)
	return s
}

func (s *stateCollector) setProducer(p *samsa.Producer) { s.p.Store(p) }

// Describe implements prometheus.Collector.
func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, ps := range s.fromMetrics {
		ch <- ps.desc
	}
	if s.partitions {
		ch <- s.bufRecords
		ch <- s.bufBytes
	}
}

// Collect implements prometheus.Collector.
func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	p := s.p.Load()
	if p == nil {
		return
	}
	ms := p.Metrics()
	for _, ps := range s.fromMetrics {
		for _, m := range ms {
			if m.Group != ps.group || m.Name != ps.java {
				continue
			}
			if ps.topic {
				ch <- prometheus.MustNewConstMetric(ps.desc, ps.kind, m.Value*ps.scale, m.Tags["topic"])
			} else {
				ch <- prometheus.MustNewConstMetric(ps.desc, ps.kind, m.Value*ps.scale)
			}
		}
	}
	if !s.partitions {
		return
	}
	for _, pb := range p.BufferedPartitions() {
		part := strconv.Itoa(int(pb.Partition))
		ch <- prometheus.MustNewConstMetric(s.bufRecords, prometheus.GaugeValue, float64(pb.Records), pb.Topic, part)
		ch <- prometheus.MustNewConstMetric(s.bufBytes, prometheus.GaugeValue, float64(pb.Bytes), pb.Topic, part)
	}
}
