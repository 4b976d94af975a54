package samsa

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"sort"
	"strconv"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/histogram"
	"github.com/samsa-go/samsa/internal/sender"
)

// Metric is one producer metric, named as the Java client names it.
type Metric struct {
	// Group is "producer-metrics", "producer-topic-metrics" or
	// "producer-node-metrics".
	Group string
	// Name is the Java client's metric name, such as "record-send-rate".
	Name string
	// Tags qualify the metric: always "client-id", plus "topic" or
	// "node-id" for topic and broker metrics.
	Tags map[string]string
	// Value is the metric's value. Rates are per second; averages and
	// percentiles (-p50, -p99, -p999: the median, 99th and 99.9th
	// percentile, within 6.25%) are taken over the last 30 to 60 seconds
	// (since start, early on); maxima and totals cover the producer's
	// life. Times are in milliseconds unless the name says otherwise.
	Value float64
}

// Metrics is a snapshot of a producer's metrics.
type Metrics []Metric

// Value returns the value of the metric with the given group and name
// whose tags include the given key/value pairs.
func (ms Metrics) Value(group, name string, tags ...string) (float64, bool) {
	for _, m := range ms {
		if m.Group != group || m.Name != name {
			continue
		}
		match := true
		for i := 0; i+1 < len(tags); i += 2 {
			if m.Tags[tags[i]] != tags[i+1] {
				match = false
			}
		}
		if match {
			return m.Value, true
		}
	}
	return 0, false
}

// metricsWindow is how long a baseline for rates and averages lasts
// before the next one replaces it.
const metricsWindow = 30 * time.Second

// metricsState keeps the baseline of windowed rates and averages.
type metricsState struct {
	mu        lockorder.Mutex[lockorder.Leaf]
	base      map[string]float64 // counter totals at baseAt
	baseHists map[string]*histogram.Snapshot
	baseAt    time.Time
	cur       map[string]float64 // newer totals, the next baseline
	curHists  map[string]*histogram.Snapshot
	curAt     time.Time
}

// calc says how a metric's value derives from counter totals over the
// window: a rate of num, the ratio of num to den, or (hist set) the
// quantile q of the histogram num; scaled.
type calc struct {
	num, den string
	scale    float64
	rate     bool
	hist     bool
	q        float64
}

// metricsBuilder collects metrics and the counter totals they derive
// from, for one Metrics call.
type metricsBuilder struct {
	out    Metrics
	calcs  map[int]calc // by index into out
	totals map[string]float64
	hists  map[string]*histogram.Snapshot
}

// percentiles snapshots h under key and emits name-p50, -p99 and -p999,
// scaled from nanoseconds.
func (b *metricsBuilder) percentiles(group, name, key string, tags map[string]string, h *histogram.H, scale float64) {
	s := new(histogram.Snapshot)
	h.Snapshot(s)
	b.hists[key] = s
	for _, p := range [...]struct {
		suffix string
		q      float64
	}{{"-p50", 0.5}, {"-p99", 0.99}, {"-p999", 0.999}} {
		b.derived(group, name+p.suffix, tags, calc{num: key, hist: true, q: p.q, scale: scale})
	}
}

func (b *metricsBuilder) value(group, name string, tags map[string]string, v float64) {
	b.out = append(b.out, Metric{Group: group, Name: name, Tags: tags, Value: v})
}

func (b *metricsBuilder) derived(group, name string, tags map[string]string, c calc) {
	b.calcs[len(b.out)] = c
	b.value(group, name, tags, 0)
}

// total records a counter total under key and emits it as name-total and
// its rate as name-rate.
func (b *metricsBuilder) total(group, name, key string, tags map[string]string, v float64) {
	b.totals[key] = v
	b.value(group, name+"-total", tags, v)
	b.derived(group, name+"-rate", tags, calc{num: key, rate: true})
}

// counter records a Sum/Count pair under key and emits its average.
func (b *metricsBuilder) average(group, name, key string, tags map[string]string, c *sender.Counter, scale float64) {
	b.totals[key+".sum"], b.totals[key+".n"] = float64(c.Sum.Load()), float64(c.Count.Load())
	b.derived(group, name, tags, calc{num: key + ".sum", den: key + ".n", scale: scale})
}

// Metrics returns the producer's metrics. It is cheap enough to call every
// few seconds; the counters behind it are kept per batch and per request,
// not per record.
func (p *Producer) Metrics() Metrics {
	b := &metricsBuilder{calcs: map[int]calc{}, totals: map[string]float64{}, hists: map[string]*histogram.Snapshot{}}
	client := p.cfg.ClientID
	st := &p.snd.Stats
	overall := map[string]string{"client-id": client}
	b.recordMetrics("producer-metrics", "all", &st.Total, overall)
	b.batchMetrics("all", &st.Total, overall)
	b.requestMetrics("producer-metrics", "all", &st.Total, overall)
	for name, g := range st.Topics() {
		b.recordMetrics("producer-topic-metrics", "topic:"+name, g, map[string]string{"client-id": client, "topic": name})
	}
	for id, g := range st.Brokers() {
		tags := map[string]string{"client-id": client, "node-id": "node-" + strconv.Itoa(int(id))}
		b.requestMetrics("producer-node-metrics", "node:"+strconv.Itoa(int(id)), g, tags)
	}
	p.bufferedMetrics(b, client, overall)
	pool := p.acc.Pool()
	b.value("producer-metrics", "buffer-total-bytes", overall, float64(pool.Total()))
	b.value("producer-metrics", "buffer-available-bytes", overall, float64(pool.Available()))
	b.value("producer-metrics", "bufferpool-wait-time-ns-total", overall, float64(pool.WaitTime()))
	b.value("producer-metrics", "waiting-threads", overall, float64(pool.Waiting()))
	b.value("producer-metrics", "requests-in-flight", overall, float64(p.snd.InFlightRequests()))
	conns := 0
	for _, br := range p.cl.Brokers() {
		conns += br.OpenConns()
	}
	b.value("producer-metrics", "connection-count", overall, float64(conns))
	if p.spool != nil {
		b.value("producer-metrics", "spool-used-bytes", overall, float64(p.spool.Used()))
		b.value("producer-metrics", "spool-max-bytes", overall, float64(p.cfg.Spool.MaxBytes))
	}
	p.resolve(time.Now(), b)
	sort.SliceStable(b.out, func(i, j int) bool {
		if b.out[i].Group != b.out[j].Group {
			return b.out[i].Group < b.out[j].Group
		}
		return b.out[i].Name < b.out[j].Name
	})
	return b.out
}

// bufferedMetrics emits the records and bytes without an outcome yet,
// overall and per topic.
func (p *Producer) bufferedMetrics(b *metricsBuilder, client string, overall map[string]string) {
	// Only partitions with batches hold records: the accumulator lists
	// them, so a topic of thousands of idle partitions costs nothing here.
	type sums struct{ records, bytes int64 }
	byTopic := map[*accumulator.Topic]*sums{}
	seen := map[*accumulator.Partition]struct{}{}
	for _, pt := range p.acc.ActivePartitions(nil) {
		if _, dup := seen[pt]; dup {
			continue
		}
		seen[pt] = struct{}{}
		r, n := pt.Buffered()
		s := byTopic[pt.Topic]
		if s == nil {
			s = &sums{}
			byTopic[pt.Topic] = s
		}
		s.records, s.bytes = s.records+r, s.bytes+n
	}
	var records, bytes int64
	for name, t := range p.acc.Topics() {
		var tr, tb int64
		if s := byTopic[t]; s != nil {
			tr, tb = s.records, s.bytes
		}
		tags := map[string]string{"client-id": client, "topic": name}
		b.value("producer-topic-metrics", "buffered-records", tags, float64(tr))
		b.value("producer-topic-metrics", "buffered-bytes", tags, float64(tb))
		records, bytes = records+tr, bytes+tb
	}
	b.value("producer-metrics", "buffered-records", overall, float64(records))
	b.value("producer-metrics", "buffered-bytes", overall, float64(bytes))
}

// recordMetrics emits the record counts kept overall and per topic.
func (b *metricsBuilder) recordMetrics(group, key string, g *sender.Group, tags map[string]string) {
	b.total(group, "record-send", key+".sent", tags, float64(g.RecordsSent.Load()))
	b.total(group, "record-error", key+".errors", tags, float64(g.Errors.Load()))
	b.total(group, "record-retry", key+".retries", tags, float64(g.Retries.Load()))
	b.total(group, "byte", key+".bytes", tags, float64(g.Bytes.Load()))
	b.totals[key+".wire"], b.totals[key+".raw"] = float64(g.WireBytes.Load()), float64(g.RawBytes.Load())
	b.derived(group, "compression-rate", tags, calc{num: key + ".wire", den: key + ".raw", scale: 1})
}

// batchMetrics emits batch and queueing metrics, kept overall.
func (b *metricsBuilder) batchMetrics(key string, g *sender.Group, tags map[string]string) {
	const group = "producer-metrics"
	b.average(group, "batch-size-avg", key+".batch", tags, &g.Batches, 1)
	b.value(group, "batch-size-max", tags, float64(g.Batches.Max.Load()))
	b.totals[key+".requests"] = float64(g.Requests.Count.Load())
	b.derived(group, "records-per-request-avg", tags, calc{num: key + ".sent", den: key + ".requests", scale: 1})
	b.average(group, "record-queue-time-avg", key+".queue", tags, &g.QueueTime, 1e-6)
	b.value(group, "record-queue-time-max", tags, float64(g.QueueTime.Max.Load())/1e6)
	b.percentiles(group, "record-queue-time", key+".queue", tags, g.QueueHist, 1e-6)
	b.average(group, "produce-throttle-time-avg", key+".throttle", tags, &g.Throttle, 1)
	b.value(group, "produce-throttle-time-max", tags, float64(g.Throttle.Max.Load()))
	b.total(group, "batch-split", key+".splits", tags, float64(g.Splits.Load()))
}

// requestMetrics emits request metrics, overall or for one broker.
func (b *metricsBuilder) requestMetrics(group, key string, g *sender.Group, tags map[string]string) {
	b.total(group, "request", key+".req", tags, float64(g.Requests.Count.Load()))
	b.total(group, "outgoing-byte", key+".reqbytes", tags, float64(g.Requests.Sum.Load()))
	b.average(group, "request-latency-avg", key+".latency", tags, &g.Latency, 1e-6)
	b.value(group, "request-latency-max", tags, float64(g.Latency.Max.Load())/1e6)
	if g.LatencyHist != nil {
		b.percentiles(group, "request-latency", key+".latency", tags, g.LatencyHist, 1e-6)
	}
}

// resolve computes rates and averages against the baseline, and moves the
// baseline every metricsWindow.
func (p *Producer) resolve(now time.Time, b *metricsBuilder) {
	ms := &p.metrics
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.cur == nil {
		ms.base, ms.baseAt = map[string]float64{}, p.started
		ms.cur, ms.curHists, ms.curAt = b.totals, b.hists, now
	}
	secs := now.Sub(ms.baseAt).Seconds()
	for i, c := range b.calcs {
		dn := b.totals[c.num] - ms.base[c.num]
		v := 0.0
		if c.hist {
			b.out[i].Value = histogram.Quantiles(b.hists[c.num], ms.baseHists[c.num], c.q)[0] * c.scale
			continue
		}
		if c.rate {
			if secs > 0 {
				v = dn / secs
			}
		} else if dd := b.totals[c.den] - ms.base[c.den]; dd > 0 {
			v = dn / dd * c.scale
		}
		b.out[i].Value = v
	}
	if now.Sub(ms.curAt) >= metricsWindow {
		ms.base, ms.baseHists, ms.baseAt = ms.cur, ms.curHists, ms.curAt
		ms.cur, ms.curHists, ms.curAt = b.totals, b.hists, now
	}
}
