package sender

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/itest/fakecluster"
	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness is a Sender on a kfake cluster whose Produce responses a test
// scripts: the sender's decisions (retry, split, fail, ask the producer
// what to do) are checked by the outcome each record gets, not by how the
// sinks drain, so these tests hold across a redesign of the draining.
type harness struct {
	t   *testing.T
	kc  *kfake.Cluster
	cl  *cluster.Cluster
	acc *accumulator.Accumulator
	s   *Sender
	ids *fakeIDs // nil unless idempotent

	mu       sync.Mutex
	outcomes map[string]error // record value -> outcome
	offsets  map[string]int64
	done     chan struct{}
	want     int
}

// harnessOpts configures a harness.
type harnessOpts struct {
	acks       int16
	idempotent bool
	retries    int
	delivery   time.Duration
	maxRequest int
	batchSize  int
	linger     time.Duration // 1 ms when 0
	codec      compress.Codec
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	kc, cl := fakecluster.New(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "t"))
	if o.delivery == 0 {
		o.delivery = 20 * time.Second
	}
	if o.linger == 0 {
		o.linger = time.Millisecond
	}
	if o.retries == 0 {
		o.retries = 1 << 30
	}
	if o.maxRequest == 0 {
		o.maxRequest = 1 << 20
	}
	if o.batchSize == 0 {
		o.batchSize = 16384
	}
	if o.acks == 0 && o.idempotent {
		o.acks = -1
	}
	h := &harness{t: t, kc: kc, cl: cl, outcomes: map[string]error{}, offsets: map[string]int64{}, done: make(chan struct{})}
	comp, err := compress.NewCompressor(o.codec, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.acc = accumulator.New(accumulator.Config{
		BatchSize: o.batchSize, Linger: o.linger, BufferMemory: 8 << 20, DeliveryTimeout: o.delivery,
		MaxBlock: time.Second, Compressor: comp, Codec: o.codec,
		Wake: func(p *accumulator.Partition) { h.s.Wake(p) }, Deliver: h.deliver,
		WakeAt: func(p *accumulator.Partition, due time.Time) { h.s.WakeAt(p, due) },
	})
	cfg := Config{
		Acks: o.acks, RequestTimeout: 5 * time.Second, MaxRequestSize: o.maxRequest, MaxInFlight: 5,
		Retries: o.retries, RetryBackoff: cluster.Backoff{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond},
		DeliveryTimeout: o.delivery,
	}
	if o.idempotent {
		h.ids = &fakeIDs{ps: accumulator.ProducerState{ID: 7, Epoch: 0}, verdict: VerdictRetry}
		cfg.Producer = h.ids
	}
	h.s = New(cfg, h.acc, cl)
	cl.OnUpdate(h.s.OnMetadata)
	h.s.Start()
	t.Cleanup(func() {
		h.acc.Abort(ErrClosed, true)
		h.s.Close()
		h.acc.Close()
	})
	return h
}

// deliver records each record's outcome (the accumulator's Deliver hook).
func (h *harness) deliver(b *accumulator.Batch) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, e := range b.Entries() {
		v := e.CB.(string)
		h.outcomes[v] = b.Err
		if b.Err == nil {
			h.offsets[v] = -1 // acks=0: no offset
			if b.BaseOffset >= 0 {
				h.offsets[v] = b.BaseOffset + int64(i)
			}
		}
	}
	if len(h.outcomes) == h.want {
		close(h.done)
	}
}

// produce appends values to partition id of topic t, waiting for the
// topic's metadata first.
func (h *harness) produce(id int32, values ...string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.appendTo(id, values...)
	if err := h.acc.Flush(ctx); err != nil {
		h.t.Fatal(err)
	}
}

// appendTo appends records with the given values to partition id of
// topic t, without flushing: they go out as their linger and batch size
// make them.
func (h *harness) appendTo(id int32, values ...string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.cl.Use("t")
	mt, err := h.cl.WaitTopic(ctx, "t")
	if err != nil {
		h.t.Fatal(err)
	}
	tp := h.acc.AddTopic("t")
	h.s.ApplyTopic(tp, mt, h.cl.Snapshot())
	h.mu.Lock()
	h.want += len(values)
	h.mu.Unlock()
	p := tp.Partitions()[id]
	for _, v := range values {
		if err := h.acc.Append(ctx, p, &accumulator.Record{Value: []byte(v), CB: v}, false); err != nil {
			h.t.Fatal(err)
		}
	}
}

// wait waits for every produced record's outcome and returns them.
func (h *harness) wait() map[string]error {
	h.t.Helper()
	select {
	case <-h.done:
	case <-time.After(30 * time.Second):
		h.t.Fatalf("outcomes of %d of %d records after 30 s", len(h.outcomes), h.want)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]error, len(h.outcomes))
	for k, v := range h.outcomes {
		out[k] = v
	}
	return out
}

// script answers the next n Produce requests with code for every
// partition (n < 0: all of them). It returns how many it answered.
func (h *harness) script(n int32, code kerr.Code) *atomic.Int32 {
	var hits atomic.Int32
	h.kc.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		h.kc.KeepControl()
		if n >= 0 && hits.Load() >= n {
			return nil, nil, false
		}
		hits.Add(1)
		return respond.Error(req, int16(code)), nil, true
	})
	return &hits
}

// fakeIDs is a scripted idempotent producer: it returns verdict for every
// sequence error and counts what the sender asked of it.
type fakeIDs struct {
	mu      sync.Mutex
	ps      accumulator.ProducerState
	verdict Verdict
	handled []kerr.Code
	bumps   []string
}

func (f *fakeIDs) Current() (accumulator.ProducerState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ps, true
}

func (f *fakeIDs) Ready() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

func (f *fakeIDs) HandleError(_ *accumulator.Batch, code int16) Verdict {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handled = append(f.handled, kerr.Code(code))
	return f.verdict
}

func (f *fakeIDs) RequestBump(reason string) {
	f.mu.Lock()
	f.bumps = append(f.bumps, reason)
	f.mu.Unlock()
}

func (f *fakeIDs) Sendable(*accumulator.Partition) bool { return true }
func (f *fakeIDs) Aborting() bool                       { return false }
func (f *fakeIDs) MaxProduceVersion() int16             { return MaxProduceVersion }

// asked returns the codes HandleError got and the bump reasons.
func (f *fakeIDs) asked() ([]kerr.Code, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]kerr.Code(nil), f.handled...), append([]string(nil), f.bumps...)
}

// brokerCode returns the Kafka code of a record's outcome, or 0.
func brokerCode(err error) kerr.Code {
	var be *BrokerError
	if errors.As(err, &be) {
		return kerr.Code(be.Code)
	}
	return 0
}

// sentBatch is one record batch of a Produce request: its partition and
// size in bytes.
type sentBatch struct {
	part int32
	size int
}

// recordRequests records the batches of every Produce request the
// harness's broker gets (kfake still answers them) and returns a function
// giving those recorded so far, a request per element.
func (h *harness) recordRequests() func() [][]sentBatch {
	var mu sync.Mutex
	var reqs [][]sentBatch
	h.kc.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		h.kc.KeepControl()
		var batches []sentBatch
		for _, tp := range req.(*kmsg.ProduceRequest).Topics {
			for _, p := range tp.Partitions {
				batches = append(batches, sentBatch{part: p.Partition, size: len(p.Records)})
			}
		}
		mu.Lock()
		reqs = append(reqs, batches)
		mu.Unlock()
		return nil, nil, false
	})
	return func() [][]sentBatch {
		mu.Lock()
		defer mu.Unlock()
		return append([][]sentBatch(nil), reqs...)
	}
}
