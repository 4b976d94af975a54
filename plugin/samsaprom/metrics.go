package samsaprom

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/samsa-go/samsa"
)

// Metrics exports one producer's metrics to Prometheus. It is a samsa
// hook: put it in Config.Hooks of the producer it measures. When the
// producer starts, Metrics registers itself with the Registerer (every
// series labelled client_id with the producer's client.id); when the
// producer has closed, it unregisters. A Metrics measures one producer:
// make one per producer, as the producers' client ids tell the series
// apart.
type Metrics struct {
	cfg config

	// Event series, fed by the hooks.
	batchBytes      *prometheus.HistogramVec
	batchRecords    *prometheus.HistogramVec
	compression     *prometheus.HistogramVec
	queueTime       *prometheus.HistogramVec
	requests        *prometheus.CounterVec
	requestErrors   *prometheus.CounterVec
	requestLatency  *prometheus.HistogramVec
	requestBytes    *prometheus.CounterVec
	responseBytes   *prometheus.CounterVec
	throttle        *prometheus.HistogramVec
	connCreations   *prometheus.CounterVec
	connCloses      *prometheus.CounterVec
	connErrors      *prometheus.CounterVec
	connectDuration *prometheus.HistogramVec

	state *stateCollector // series read from the producer at scrape time

	mu     sync.Mutex
	reg    prometheus.Registerer // wrapped with the client_id label once registered
	regErr error
}

var _ interface {
	samsa.BatchHook
	samsa.RequestHook
	samsa.ConnHook
	samsa.ProducerHook
	prometheus.Collector
} = (*Metrics)(nil)

// New returns Metrics for one producer, configured by opts.
func New(opts ...Opt) *Metrics {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	m := &Metrics{cfg: cfg}
	hist := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: cfg.namespace, Subsystem: subsystem, Name: name, Help: help, Buckets: buckets,
		}, labels)
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: cfg.namespace, Subsystem: subsystem, Name: name, Help: help,
		}, labels)
	}
	m.batchBytes = hist("batch_size_bytes", "Size of each record batch as sent (compressed, header included), at its outcome.", cfg.sizeBuckets, "topic")
	m.batchRecords = hist("batch_records", "Records in each record batch, at its outcome.", prometheus.ExponentialBuckets(1, 2, 16), "topic")
	m.compression = hist("compression_ratio", "Compressed over uncompressed size of each record batch (1: uncompressed).", compressionBuckets, "topic")
	m.queueTime = hist("record_queue_time_seconds", "Time each batch waited from its first record to its first send.", cfg.latencyBuckets, "topic")
	m.requests = counter("requests_total", "Requests sent to brokers, by API, that ended (with a response or an error).", "broker", "api")
	m.requestErrors = counter("request_errors_total", "Requests that ended without a response (connection failure, timeout).", "broker", "api")
	m.requestLatency = hist("request_latency_seconds", "Time from writing each request to reading its response.", cfg.latencyBuckets, "broker", "api")
	m.requestBytes = counter("request_bytes_total", "Bytes of requests written to brokers.", "broker")
	m.responseBytes = counter("response_bytes_total", "Bytes of responses read from brokers.", "broker")
	m.throttle = hist("throttle_time_seconds", "Throttle time brokers asked for in their responses (quotas).", cfg.latencyBuckets, "broker")
	m.connCreations = counter("connection_creations_total", "Connections established to brokers.", "broker")
	m.connCloses = counter("connection_closes_total", "Established connections to brokers that ended.", "broker")
	m.connErrors = counter("connection_errors_total", "Dials to brokers that failed, and connections that ended with an error.", "broker")
	m.connectDuration = hist("connect_duration_seconds", "Time to establish each connection (TCP, TLS, version negotiation, SASL).", cfg.latencyBuckets, "broker")
	m.state = newStateCollector(cfg)
	return m
}

const subsystem = "producer"

// compressionBuckets bound compression ratios: 1 is an uncompressed batch.
var compressionBuckets = []float64{0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.batchBytes, m.batchRecords, m.compression, m.queueTime, m.requests, m.requestErrors, m.requestLatency,
		m.requestBytes, m.responseBytes, m.throttle, m.connCreations, m.connCloses, m.connErrors, m.connectDuration,
		m.state,
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

// Err returns the error of registering with the Registerer when the
// producer started (such as a duplicate client id), or nil.
func (m *Metrics) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.regErr
}

// OnNewProducer implements samsa.ProducerHook: it registers the metrics,
// labelled with the producer's client id.
func (m *Metrics) OnNewProducer(p *samsa.Producer) {
	m.state.setProducer(p)
	if m.cfg.registerer == nil {
		return
	}
	reg := prometheus.WrapRegistererWith(prometheus.Labels{"client_id": p.ClientID()}, m.cfg.registerer)
	err := reg.Register(m)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.regErr = err
	if err == nil {
		m.reg = reg
	}
}

// OnProducerClosed implements samsa.ProducerHook: it unregisters the
// metrics.
func (m *Metrics) OnProducerClosed(*samsa.Producer) {
	m.mu.Lock()
	reg := m.reg
	m.reg = nil
	m.mu.Unlock()
	if reg != nil {
		reg.Unregister(m)
	}
	m.state.setProducer(nil)
}

// OnBatch implements samsa.BatchHook.
func (m *Metrics) OnBatch(b *samsa.BatchEvent) {
	if b.Attempts == 0 {
		return // never sent: no size, queue time or compression to speak of
	}
	m.batchBytes.WithLabelValues(b.Topic).Observe(float64(b.CompressedBytes))
	m.batchRecords.WithLabelValues(b.Topic).Observe(float64(b.Records))
	m.compression.WithLabelValues(b.Topic).Observe(b.CompressionRatio())
	m.queueTime.WithLabelValues(b.Topic).Observe(b.QueueTime.Seconds())
}

// OnRequest implements samsa.RequestHook.
func (m *Metrics) OnRequest(r *samsa.RequestEvent) {
	broker := brokerLabel(r.Broker)
	api := r.APIName()
	m.requests.WithLabelValues(broker, api).Inc()
	m.requestBytes.WithLabelValues(broker).Add(float64(r.BytesWritten))
	if r.Err != nil {
		m.requestErrors.WithLabelValues(broker, api).Inc()
		return
	}
	m.requestLatency.WithLabelValues(broker, api).Observe(r.Latency.Seconds())
	m.responseBytes.WithLabelValues(broker).Add(float64(r.BytesRead))
	if r.Throttle > 0 {
		m.throttle.WithLabelValues(broker).Observe(r.Throttle.Seconds())
	}
}

// OnConnect implements samsa.ConnHook.
func (m *Metrics) OnConnect(c *samsa.ConnEvent) {
	broker := brokerLabel(c.Broker)
	if c.Err != nil {
		m.connErrors.WithLabelValues(broker).Inc()
		return
	}
	m.connCreations.WithLabelValues(broker).Inc()
	m.connectDuration.WithLabelValues(broker).Observe(c.Duration.Seconds())
}

// OnDisconnect implements samsa.ConnHook.
func (m *Metrics) OnDisconnect(c *samsa.ConnEvent) {
	broker := brokerLabel(c.Broker)
	m.connCloses.WithLabelValues(broker).Inc()
	if c.Err != nil {
		m.connErrors.WithLabelValues(broker).Inc()
	}
}

// brokerLabel is a broker id as a label value; bootstrap addresses, which
// have negative ids until metadata names them, are "bootstrap".
func brokerLabel(id int32) string {
	if id < 0 {
		return "bootstrap"
	}
	return strconv.Itoa(int(id))
}
