package sender

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/histogram"
)

// Counter is a monotonic total with a running maximum, updated with
// atomics at batch or request granularity, never per record.
type Counter struct {
	Count atomic.Int64 // events
	Sum   atomic.Int64 // sum of values
	Max   atomic.Int64 // largest value
}

// Add records one event of value v.
func (c *Counter) Add(v int64) {
	c.Count.Add(1)
	c.Sum.Add(v)
	for {
		m := c.Max.Load()
		if v <= m || c.Max.CompareAndSwap(m, v) {
			return
		}
	}
}

// AddN records n events whose values sum to sum, the largest being max.
func (c *Counter) AddN(n, sum, max int64) {
	c.Count.Add(n)
	c.Sum.Add(sum)
	for {
		m := c.Max.Load()
		if max <= m || c.Max.CompareAndSwap(m, max) {
			return
		}
	}
}

// Group holds the counters kept overall, per topic and per broker.
type Group struct {
	Records     atomic.Int64 // records acknowledged
	Bytes       atomic.Int64 // encoded batch bytes acknowledged
	Errors      atomic.Int64 // records failed
	Retries     atomic.Int64 // records retried
	Batches     Counter      // Sum/Max: batch size on the wire
	RawBytes    atomic.Int64 // uncompressed record bytes of sent batches
	WireBytes   atomic.Int64 // wire bytes of the same batches
	RecordsSent atomic.Int64 // records in sent batches (attempts)
	Requests    Counter      // Sum/Max: request bytes
	Latency     Counter      // Sum/Max: request latency in nanoseconds
	QueueTime   Counter      // Sum/Max: nanoseconds from batch creation to first send
	Throttle    Counter      // Sum/Max: throttle time in milliseconds
	// LatencyHist and QueueHist hold the distributions of Latency and
	// QueueTime, for percentiles: kept overall, and LatencyHist per
	// broker (nil elsewhere).
	LatencyHist *histogram.H
	QueueHist   *histogram.H
	Splits      atomic.Int64 // batches split after the broker found them too large
}

// Stats are the sender's counters.
type Stats struct {
	Total    Group
	mu       lockorder.Mutex[lockorder.Leaf]
	topics   map[string]*Group
	brokers  map[int32]*Group
	topicsC  atomic.Pointer[map[string]*Group]
	brokersC atomic.Pointer[map[int32]*Group]
}

func (st *Stats) init() {
	st.Total.LatencyHist, st.Total.QueueHist = new(histogram.H), new(histogram.H)
	st.topics = map[string]*Group{}
	st.brokers = map[int32]*Group{}
	st.topicsC.Store(&map[string]*Group{})
	st.brokersC.Store(&map[int32]*Group{})
}

// Topic returns the counters of a topic.
func (st *Stats) Topic(name string) *Group {
	if g := (*st.topicsC.Load())[name]; g != nil {
		return g
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.topics[name]
	if g == nil {
		g = new(Group)
		st.topics[name] = g
		next := make(map[string]*Group, len(st.topics))
		for k, v := range st.topics {
			next[k] = v
		}
		st.topicsC.Store(&next)
	}
	return g
}

// Broker returns the counters of a broker.
func (st *Stats) Broker(id int32) *Group {
	if g := (*st.brokersC.Load())[id]; g != nil {
		return g
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.brokers[id]
	if g == nil {
		g = &Group{LatencyHist: new(histogram.H)}
		st.brokers[id] = g
		next := make(map[int32]*Group, len(st.brokers))
		for k, v := range st.brokers {
			next[k] = v
		}
		st.brokersC.Store(&next)
	}
	return g
}

// Topics returns the per-topic counters.
func (st *Stats) Topics() map[string]*Group { return *st.topicsC.Load() }

// Brokers returns the per-broker counters.
func (st *Stats) Brokers() map[int32]*Group { return *st.brokersC.Load() }

func (st *Stats) requestSent(broker int32, bytes, batches int) {
	st.Total.Requests.Add(int64(bytes))
	st.Broker(broker).Requests.Add(int64(bytes))
}

func (st *Stats) requestDone(broker int32, latency time.Duration) {
	st.Total.Latency.Add(int64(latency))
	st.Total.LatencyHist.Record(int64(latency))
	g := st.Broker(broker)
	g.Latency.Add(int64(latency))
	g.LatencyHist.Record(int64(latency))
}

func (st *Stats) throttled(broker int32, ms int32) {
	st.Total.Throttle.Add(int64(ms))
	st.Broker(broker).Throttle.Add(int64(ms))
}

// sentTally sums what the counters record of the batches of one topic
// going into one request, so that they are updated once a request, not
// once a batch: with records spread over a thousand partitions a request
// carries hundreds of batches, and each update is an atomic write to a
// line the goroutine completing batches also writes.
type sentTally struct {
	batches, records, raw, wire, maxWire int64
	queued, queueSum, maxQueue           int64
}

// add counts b, which goes into a request, and sets its QueueTime on its
// first attempt (recorded in the queue time histogram at once).
func (t *sentTally) add(st *Stats, b *accumulator.Batch) {
	n := int64(len(b.Wire))
	t.batches++
	t.records += int64(b.Records())
	t.raw += int64(b.RawSize)
	t.wire += n
	t.maxWire = max(t.maxWire, n)
	if b.Attempts == 1 {
		b.QueueTime = time.Since(b.Created)
		q := int64(b.QueueTime)
		st.Total.QueueHist.Record(q)
		t.queued++
		t.queueSum += q
		t.maxQueue = max(t.maxQueue, q)
	}
}

// addSent applies a tally of sent batches to g.
func (g *Group) addSent(t *sentTally) {
	g.RecordsSent.Add(t.records)
	g.Batches.AddN(t.batches, t.wire, t.maxWire)
	g.RawBytes.Add(t.raw)
	g.WireBytes.Add(t.wire)
	if t.queued > 0 {
		g.QueueTime.AddN(t.queued, t.queueSum, t.maxQueue)
	}
}

// batchesSent applies the tally of a request's batches of one topic to
// the topic's counters and the totals.
func (st *Stats) batchesSent(topic string, t *sentTally) {
	st.Total.addSent(t)
	st.Topic(topic).addSent(t)
}

func (st *Stats) batchDone(b *accumulator.Batch) {
	n := int64(b.Records())
	st.Total.Records.Add(n)
	st.Total.Bytes.Add(int64(len(b.Wire)))
	t := st.Topic(b.P.Topic.Name)
	t.Records.Add(n)
	t.Bytes.Add(int64(len(b.Wire)))
}

func (st *Stats) recordErrors(b *accumulator.Batch, _ error) {
	n := int64(b.Records())
	st.Total.Errors.Add(n)
	st.Topic(b.P.Topic.Name).Errors.Add(n)
}

func (st *Stats) retried(b *accumulator.Batch) {
	n := int64(b.Records())
	st.Total.Retries.Add(n)
	st.Topic(b.P.Topic.Name).Retries.Add(n)
}

func (st *Stats) split(*accumulator.Batch) { st.Total.Splits.Add(1) }
