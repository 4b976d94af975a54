package accumulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/recordbatch"
)

// harness is an accumulator with hooks that record what they see.
type harness struct {
	acc *Accumulator
	t   *Topic

	mu        sync.Mutex
	delivered []*delivery
	wakes     map[int32]int
}

// delivery is what the Deliver hook saw of one batch.
type delivery struct {
	partition int32
	cbs       []any
	err       error
	offset    int64
}

func newHarness(t *testing.T, parts int, mod func(*Config)) *harness {
	t.Helper()
	h := &harness{wakes: map[int32]int{}}
	cfg := Config{
		BatchSize: 1024, Linger: time.Hour, BufferMemory: 1 << 20,
		DeliveryTimeout: 1000 * time.Hour, MaxBlock: 10 * time.Second,
		Wake: func(p *Partition) {
			h.mu.Lock()
			h.wakes[p.ID]++
			h.mu.Unlock()
		},
		Deliver: func(b *Batch) {
			d := &delivery{partition: b.P.ID, err: b.Err, offset: b.BaseOffset}
			for _, e := range b.Entries() {
				d.cbs = append(d.cbs, e.CB)
			}
			h.mu.Lock()
			h.delivered = append(h.delivered, d)
			h.mu.Unlock()
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	h.acc = New(cfg)
	h.t = h.acc.AddTopic("t")
	avail := make([]int32, parts)
	for i := range avail {
		avail[i] = int32(i)
	}
	h.t.SetPartitions(parts, avail)
	return h
}

func (h *harness) part(i int) *Partition { return h.t.Partitions()[i] }

// appendN appends n records with values "<prefix>-<i>" and the callback
// tag "<prefix>-<i>" to partition i.
func (h *harness) appendN(t *testing.T, i int, prefix string, n, size int) {
	t.Helper()
	for j := range n {
		v := fmt.Sprintf("%s-%d", prefix, j)
		v += string(bytes.Repeat([]byte{'.'}, max(0, size-len(v))))
		r := &Record{Timestamp: 1000 + int64(j), Key: []byte("k"), Value: []byte(v), CB: fmt.Sprintf("%s-%d", prefix, j)}
		if err := h.acc.Append(context.Background(), h.part(i), r, false); err != nil {
			t.Fatalf("append %s-%d: %v", prefix, j, err)
		}
	}
}

// decode returns the values of a drained batch, checking its header.
func decode(t *testing.T, b *Batch) []string {
	t.Helper()
	b.WriteHeader()
	hdr, recs, err := recordbatch.Decode(b.Wire, 1<<30)
	if err != nil {
		t.Fatalf("decoding a drained batch: %v", err)
	}
	if int(hdr.NumRecords) != b.Records() || int(hdr.LastOffsetDelta) != b.Records()-1 {
		t.Fatalf("header counts %d records (last delta %d), the batch %d", hdr.NumRecords, hdr.LastOffsetDelta, b.Records())
	}
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = strings.TrimRight(string(r.Value), ".")
	}
	return out
}

func TestAppendDrainAfterLinger(t *testing.T) {
	h := newHarness(t, 1, func(c *Config) { c.Linger = 50 * time.Millisecond })
	h.appendN(t, 0, "r", 5, 10)
	p := h.part(0)
	now := time.Now()
	res := p.Drain(now, 0, NoProducer, false)
	if res.Batch != nil {
		t.Fatal("drained a batch before its linger passed")
	}
	if res.WakeAt.IsZero() || res.WakeAt.Before(now) || res.WakeAt.After(now.Add(50*time.Millisecond)) {
		t.Fatalf("WakeAt %v, want within linger of %v", res.WakeAt, now)
	}
	res = p.Drain(res.WakeAt, 0, NoProducer, false)
	if res.Batch == nil || res.Batch.Records() != 5 {
		t.Fatalf("after linger: %+v", res.Batch)
	}
	vals := decode(t, res.Batch)
	for i, v := range vals {
		if v != fmt.Sprintf("r-%d", i) {
			t.Fatalf("record %d = %q", i, v)
		}
	}
	if res.Batch.BaseTimestamp() != 1000 || res.Batch.MaxTimestamp() != 1004 {
		t.Fatalf("timestamps %d..%d", res.Batch.BaseTimestamp(), res.Batch.MaxTimestamp())
	}
	if u, f := p.Pending(); u != 1 || f != 1 {
		t.Fatalf("pending %d undelivered, %d in flight", u, f)
	}
	if again := p.Drain(res.WakeAt.Add(time.Hour), 0, NoProducer, false); again.Batch != nil {
		t.Fatal("drained the same records twice")
	}
}

// TestBatchSizeSealsBatches appends more than batch.size: full batches are
// sendable at once, linger or not, and each stays within batch.size.
func TestBatchSizeSealsBatches(t *testing.T) {
	h := newHarness(t, 1, nil) // linger an hour
	h.appendN(t, 0, "r", 40, 100)
	p := h.part(0)
	now := time.Now()
	var got []string
	batches := 0
	for {
		res := p.Drain(now, 0, NoProducer, false)
		if res.Batch == nil {
			break
		}
		if len(res.Batch.Wire) > 1024 {
			t.Fatalf("batch of %d bytes above batch.size 1024", len(res.Batch.Wire))
		}
		got = append(got, decode(t, res.Batch)...)
		batches++
	}
	if batches < 3 || len(got) >= 40 {
		t.Fatalf("%d full batches with %d records drained before linger; want the sealed ones only", batches, len(got))
	}
	if h.acc.BatchesCreated() != int64(batches+1) {
		t.Fatalf("%d batches created, %d drained plus one open", h.acc.BatchesCreated(), batches)
	}
	// The open batch leaves once linger has passed.
	res := p.Drain(now.Add(2*time.Hour), 0, NoProducer, false)
	if res.Batch == nil {
		t.Fatal("the open batch did not drain after linger")
	}
	got = append(got, decode(t, res.Batch)...)
	for i, v := range got {
		if want := fmt.Sprintf("r-%d", i); v != want {
			t.Fatalf("record %d = %q, want %q", i, v, want)
		}
	}
	if len(got) != 40 {
		t.Fatalf("%d records drained, want 40", len(got))
	}
}

func TestDrainMaxBytes(t *testing.T) {
	h := newHarness(t, 1, func(c *Config) { c.Linger = 0 })
	h.appendN(t, 0, "r", 5, 100)
	p := h.part(0)
	if res := p.Drain(time.Now(), 100, NoProducer, false); res.Batch != nil {
		t.Fatalf("drained a %d-byte batch with maxBytes 100", len(res.Batch.Wire))
	}
	if res := p.Drain(time.Now(), 0, NoProducer, false); res.Batch == nil {
		t.Fatal("the batch did not drain without a limit")
	}
}

// TestCompleteDeliversInOrder completes batches out of order: outcomes
// are still delivered in creation order, and memory comes back.
func TestCompleteDeliversInOrder(t *testing.T) {
	h := newHarness(t, 1, nil)
	p := h.part(0)
	h.appendN(t, 0, "r", 40, 100)
	var bs []*Batch
	for {
		res := p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false)
		if res.Batch == nil {
			break
		}
		bs = append(bs, res.Batch)
	}
	if len(bs) < 3 {
		t.Fatalf("%d batches", len(bs))
	}
	if h.acc.Pool().Available() == h.acc.Pool().Total() {
		t.Fatal("no memory reserved for undelivered batches")
	}
	for i := len(bs) - 1; i >= 1; i-- {
		p.Complete(bs[i], int64(100*i), -1, nil)
	}
	if len(h.delivered) != 0 {
		t.Fatalf("%d batches delivered before the first completed", len(h.delivered))
	}
	p.Complete(bs[0], 0, -1, nil)
	p.Complete(bs[0], 0, -1, errors.New("late duplicate")) // ignored
	if len(h.delivered) != len(bs) {
		t.Fatalf("%d of %d batches delivered", len(h.delivered), len(bs))
	}
	n := 0
	for i, d := range h.delivered {
		if d.offset != int64(100*i) || d.err != nil {
			t.Fatalf("delivery %d: offset %d, err %v", i, d.offset, d.err)
		}
		for _, cb := range d.cbs {
			if want := fmt.Sprintf("r-%d", n); cb != want {
				t.Fatalf("callback %v delivered at position %d", cb, n)
			}
			n++
		}
	}
	if a := h.acc.Pool().Available(); a != h.acc.Pool().Total() {
		t.Fatalf("%d of %d bytes available after every delivery", a, h.acc.Pool().Total())
	}
	if h.acc.Undelivered() != 0 {
		t.Fatalf("%d undelivered", h.acc.Undelivered())
	}
}

// TestRetryKeepsOrder sends a retried batch again before later ones.
func TestRetryKeepsOrder(t *testing.T) {
	h := newHarness(t, 1, nil)
	p := h.part(0)
	h.appendN(t, 0, "r", 30, 100)
	later := time.Now().Add(2 * time.Hour)
	first := p.Drain(later, 0, NoProducer, false).Batch
	second := p.Drain(later, 0, NoProducer, false).Batch
	retryAt := later.Add(time.Second)
	p.Retry(first, retryAt)
	res := p.Drain(later, 0, NoProducer, false)
	if res.Batch != nil || !res.WakeAt.Equal(retryAt) {
		t.Fatalf("during the backoff: batch %v, WakeAt %v (want %v)", res.Batch != nil, res.WakeAt, retryAt)
	}
	if got := p.Drain(retryAt, 0, NoProducer, false).Batch; got != first {
		t.Fatal("the retried batch did not come back first")
	}
	p.Complete(second, 10, -1, nil)
	p.Complete(first, 0, -1, nil)
	if len(h.delivered) != 2 || h.delivered[0].cbs[0] != "r-0" {
		t.Fatalf("deliveries %v", h.delivered)
	}
}

func TestFlushMakesBatchesSendable(t *testing.T) {
	h := newHarness(t, 2, nil) // linger an hour
	h.appendN(t, 0, "a", 3, 10)
	h.appendN(t, 1, "b", 3, 10)
	done := make(chan error, 1)
	go func() { done <- h.acc.Flush(context.Background()) }()
	waitUntil(t, "Flush to start", h.acc.Flushing)
	for i := range 2 {
		res := h.part(i).Drain(time.Now(), 0, NoProducer, false)
		if res.Batch == nil {
			t.Fatalf("partition %d: nothing to drain while flushing", i)
		}
		select {
		case err := <-done:
			t.Fatalf("Flush returned (%v) before every batch was delivered", err)
		default:
		}
		h.part(i).Complete(res.Batch, 0, -1, nil)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Flush did not return after delivery")
	}
	h.mu.Lock()
	if h.wakes[0] == 0 || h.wakes[1] == 0 {
		t.Fatalf("wakes %v", h.wakes)
	}
	h.mu.Unlock()
	if h.acc.Flushing() {
		t.Fatal("still flushing")
	}
	// A flush that cannot finish ends with its context.
	h.appendN(t, 0, "c", 1, 10)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := h.acc.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush with nothing sent: %v", err)
	}
}

func TestAbort(t *testing.T) {
	h := newHarness(t, 1, nil)
	p := h.part(0)
	h.appendN(t, 0, "r", 25, 100)
	inFlight := p.Drain(time.Now(), 0, NoProducer, false).Batch
	boom := errors.New("boom")
	h.acc.Abort(boom, false)
	if len(h.delivered) != 0 {
		t.Fatal("batches behind an in-flight one were delivered before it")
	}
	p.Complete(inFlight, 0, -1, nil)
	if len(h.delivered) < 2 || h.delivered[0].err != nil {
		t.Fatalf("deliveries %+v", h.delivered)
	}
	for _, d := range h.delivered[1:] {
		if !errors.Is(d.err, boom) {
			t.Fatalf("aborted batch delivered with %v", d.err)
		}
	}
	// With inFlight, in-flight batches fail too.
	h.appendN(t, 0, "s", 3, 10)
	b := p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false).Batch
	h.acc.Abort(boom, true)
	last := h.delivered[len(h.delivered)-1]
	if !errors.Is(last.err, boom) || last.cbs[0] != "s-0" {
		t.Fatalf("in-flight batch: %+v", last)
	}
	p.Complete(b, 5, -1, nil) // the late response is ignored
	if h.delivered[len(h.delivered)-1] != last || h.acc.Undelivered() != 0 {
		t.Fatal("a late response after Abort was delivered again")
	}
	if a := h.acc.Pool().Available(); a != h.acc.Pool().Total() {
		t.Fatalf("%d bytes available after Abort", a)
	}
}

func TestExpire(t *testing.T) {
	h := newHarness(t, 2, func(c *Config) { c.DeliveryTimeout = time.Minute })
	h.appendN(t, 0, "a", 25, 100) // sealed batches and an open one
	h.appendN(t, 1, "b", 1, 10)
	inFlight := h.part(0).Drain(time.Now(), 0, NoProducer, false).Batch
	var expired []*Batch
	h.acc.Expire(time.Now(), func(b *Batch) { expired = append(expired, b) })
	if len(expired) != 0 {
		t.Fatalf("%d batches expired before their deadline", len(expired))
	}
	h.acc.Expire(time.Now().Add(time.Minute+time.Second), func(b *Batch) { expired = append(expired, b) })
	for _, b := range expired {
		if b == inFlight {
			t.Fatal("an in-flight batch expired")
		}
		b.P.Complete(b, -1, -1, errors.New("expired"))
	}
	if len(expired) < 3 {
		t.Fatalf("%d batches expired", len(expired))
	}
	if u, f := h.part(0).Pending(); u != len(expired) || f != 1 { // all but the in-flight one wait behind it
		t.Fatalf("partition 0: %d undelivered, %d in flight", u, f)
	}
	// Drain reports expired batches too.
	h.appendN(t, 1, "c", 1, 10)
	res := h.part(1).Drain(time.Now().Add(2*time.Minute), 0, NoProducer, false)
	if res.Batch != nil || len(res.Expired) != 1 {
		t.Fatalf("Drain after the deadline: batch %v, %d expired", res.Batch != nil, len(res.Expired))
	}
}

// TestSplit splits a batch a broker refused as too large: the parts hold
// the same records and callbacks, in order, and deliver in order.
func TestSplit(t *testing.T) {
	h := newHarness(t, 1, func(c *Config) { c.BatchSize = 16 << 10 })
	p := h.part(0)
	h.appendN(t, 0, "r", 50, 200)
	b := p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false).Batch
	b.WriteHeader()
	size := len(b.Wire)
	ok, err := p.Split(b, len(b.Wire))
	if err != nil || !ok {
		t.Fatalf("Split: %v %v", ok, err)
	}
	var parts []*Batch
	var vals []string
	for {
		nb := p.Drain(time.Now(), 0, NoProducer, false).Batch
		if nb == nil {
			break
		}
		if len(nb.Wire) > size/2+200 {
			t.Fatalf("part of %d bytes from a batch of %d", len(nb.Wire), size)
		}
		parts = append(parts, nb)
		vals = append(vals, decode(t, nb)...)
	}
	if len(parts) < 2 || len(vals) != 50 {
		t.Fatalf("%d parts with %d records", len(parts), len(vals))
	}
	for i := len(parts) - 1; i >= 0; i-- {
		p.Complete(parts[i], int64(i*100), -1, nil)
	}
	n := 0
	for _, d := range h.delivered {
		for _, cb := range d.cbs {
			if want := fmt.Sprintf("r-%d", n); cb != want {
				t.Fatalf("callback %v at position %d after a split", cb, n)
			}
			n++
		}
	}
	if n != 50 {
		t.Fatalf("%d callbacks delivered", n)
	}
	if a := h.acc.Pool().Available(); a != h.acc.Pool().Total() {
		t.Fatalf("%d bytes available after the split batches were delivered", a)
	}
	// A single record cannot be split.
	h.appendN(t, 0, "single", 1, 10)
	one := p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false).Batch
	one.WriteHeader()
	if ok, err := p.Split(one, len(one.Wire)); ok || err != nil {
		t.Fatalf("split a one-record batch: %v %v", ok, err)
	}
}

func TestSequenceAssignment(t *testing.T) {
	h := newHarness(t, 1, nil)
	p := h.part(0)
	ps := ProducerState{ID: 7, Epoch: 3}
	h.appendN(t, 0, "r", 25, 100)
	later := time.Now().Add(2 * time.Hour)
	first := p.Drain(later, 0, ps, false).Batch
	if first == nil || first.BaseSeq != 0 {
		t.Fatal("the first batch was not drained with sequence 0")
	}
	if b := p.Drain(later, 0, ps, false).Batch; b != nil {
		t.Fatal("a second batch went out before the broker acknowledged one of this producer epoch")
	}
	if !p.NextExpected(first) {
		t.Fatal("the first batch is not the next expected")
	}
	p.Acked(first)
	bs := []*Batch{first}
	next := int32(first.Records())
	for {
		b := p.Drain(later, 0, ps, false).Batch
		if b == nil {
			break
		}
		if b.ProducerID != 7 || b.ProducerEpoch != 3 || b.BaseSeq != next {
			t.Fatalf("batch %d: producer %d/%d, base sequence %d, want 7/3/%d", len(bs), b.ProducerID, b.ProducerEpoch, b.BaseSeq, next)
		}
		next += int32(b.Records())
		bs = append(bs, b)
	}
	if next != 25 || len(bs) < 2 {
		t.Fatalf("%d records in %d batches", next, len(bs))
	}
	// A retried batch keeps its sequence numbers.
	p.Retry(bs[1], time.Time{})
	if again := p.Drain(later, 0, ps, false).Batch; again != bs[1] || again.BaseSeq != int32(bs[0].Records()) {
		t.Fatal("a retried batch changed its sequence")
	}
	if !p.NextExpected(bs[1]) || p.NextExpected(bs[2]) {
		t.Fatal("NextExpected: the batch after the acknowledged one must be the only next expected")
	}
	// A new epoch starts again at 0.
	h3 := newHarness(t, 1, nil)
	h3.appendN(t, 0, "s", 2, 10)
	h3.part(0).Drain(later, 0, ps, false)
	nb := h3.part(0).Drain(later, 0, ProducerState{ID: 7, Epoch: 4}, false).Batch
	if nb != nil {
		t.Fatal("drained under a new epoch while a batch of the old one is in flight and none of the new acknowledged")
	}
	h4 := newHarness(t, 1, nil)
	h4.appendN(t, 0, "s", 2, 10)
	nb = h4.part(0).Drain(later, 0, ProducerState{ID: 7, Epoch: 4}, false).Batch
	if nb.BaseSeq != 0 || nb.ProducerEpoch != 4 {
		t.Fatalf("after an epoch bump: sequence %d epoch %d", nb.BaseSeq, nb.ProducerEpoch)
	}
	// Without a producer id nothing is sequenced.
	h2 := newHarness(t, 1, nil)
	h2.appendN(t, 0, "r", 1, 10)
	if b := h2.part(0).Drain(later, 0, NoProducer, false).Batch; b.BaseSeq != -1 || b.ProducerID != -1 {
		t.Fatalf("non-idempotent batch: sequence %d, producer %d", b.BaseSeq, b.ProducerID)
	}
}

func TestResetSequences(t *testing.T) {
	h := newHarness(t, 1, nil)
	p := h.part(0)
	ps := ProducerState{ID: 1, Epoch: 0}
	h.appendN(t, 0, "r", 25, 100)
	later := time.Now().Add(2 * time.Hour)
	x := p.Drain(later, 0, ps, false).Batch
	p.Acked(x)
	p.Complete(x, 0, -1, nil)
	a := p.Drain(later, 0, ps, false).Batch
	b := p.Drain(later, 0, ps, false).Batch
	a.MaybeWritten = true
	p.Retry(a, time.Time{}) // may be on the broker
	p.Retry(b, time.Time{}) // surely not
	var failed []*Batch
	h.acc.ResetSequences(ProducerState{ID: 1, Epoch: 1}, func(x *Batch) { failed = append(failed, x) })
	if len(failed) != 1 || failed[0] != a {
		t.Fatalf("%d batches failed as ambiguous, want only the maybe-written one", len(failed))
	}
	if got := p.Drain(later, 0, ProducerState{ID: 1, Epoch: 1}, false).Batch; got != b || got.BaseSeq != 0 || got.ProducerEpoch != 1 {
		t.Fatalf("after the reset: %v sequence %d epoch %d", got == b, got.BaseSeq, got.ProducerEpoch)
	}
}

func TestSequenceWrap(t *testing.T) {
	const maxSeq = 1<<31 - 1
	if seqAdd(maxSeq, 1) != 0 || seqAdd(maxSeq-1, 3) != 1 || seqAdd(5, 7) != 12 {
		t.Fatal("seqAdd does not wrap at MaxInt32")
	}
	if !seqAfter(0, maxSeq) || seqAfter(maxSeq, 0) || !seqAfter(10, 9) || seqAfter(9, 9) {
		t.Fatal("seqAfter wrong around the wrap")
	}
}

func TestGateAndClose(t *testing.T) {
	h := newHarness(t, 2, nil)
	r := &Record{Value: []byte("v")}
	ctx := context.Background()
	stop := errors.New("between transactions")
	h.acc.SetGate(stop)
	if err := h.acc.Append(ctx, h.part(0), r, false); !errors.Is(err, stop) {
		t.Fatalf("Append with the gate closed: %v", err)
	}
	if _, err := h.acc.AppendSticky(ctx, h.t, r, false); !errors.Is(err, stop) {
		t.Fatalf("AppendSticky with the gate closed: %v", err)
	}
	h.acc.SetGate(nil)
	if err := h.acc.Append(ctx, h.part(0), r, false); err != nil {
		t.Fatalf("Append with the gate open: %v", err)
	}
	h.acc.Close()
	if err := h.acc.Append(ctx, h.part(0), r, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	h.acc.SetGate(nil) // no effect after Close
	if err := h.acc.Append(ctx, h.part(1), r, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close and SetGate(nil): %v", err)
	}
}

// TestCloseIsABarrier closes while goroutines append: after Close returns
// no append succeeds, and every append that succeeded is in a batch.
func TestCloseIsABarrier(t *testing.T) {
	h := newHarness(t, 4, func(c *Config) { c.BufferMemory = 64 << 20 })
	var mu sync.Mutex
	succeeded := 0
	closed := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				wasClosed := false
				select {
				case <-closed:
					wasClosed = true
				default:
				}
				err := h.acc.Append(context.Background(), h.part((g+i)%4), &Record{Value: []byte("v")}, false)
				if err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Error(err)
					}
					return
				}
				if wasClosed {
					t.Error("an append begun after Close returned succeeded")
					return
				}
				mu.Lock()
				succeeded++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	h.acc.Close()
	close(closed)
	wg.Wait()
	inBatches := 0
	for i := range 4 {
		for {
			b := h.part(i).Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false).Batch
			if b == nil {
				break
			}
			inBatches += b.Records()
		}
	}
	if inBatches != succeeded || succeeded == 0 {
		t.Fatalf("%d appends succeeded, %d records in batches", succeeded, inBatches)
	}
}

func TestTryAppendBufferFull(t *testing.T) {
	h := newHarness(t, 2, func(c *Config) { c.BufferMemory = 2048 })
	r := &Record{Value: []byte("v")}
	ctx := context.Background()
	if err := h.acc.Append(ctx, h.part(0), r, true); err != nil {
		t.Fatal(err)
	}
	if err := h.acc.Append(ctx, h.part(1), r, true); err != nil {
		t.Fatal(err)
	}
	if h.acc.Pool().Available() != 0 {
		t.Fatalf("%d bytes available after two batches of 1024", h.acc.Pool().Available())
	}
	// The open batches still take records; a new batch cannot be made.
	if err := h.acc.Append(ctx, h.part(0), r, true); err != nil {
		t.Fatalf("append to an open batch with room: %v", err)
	}
	h.acc.Topic("t").SetPartitions(3, []int32{0, 1, 2})
	if err := h.acc.Append(ctx, h.part(2), r, true); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("try-append needing a new batch: %v", err)
	}
	bctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := h.acc.Append(bctx, h.part(2), r, false); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocking append with a short ctx: %v", err)
	}
	h.acc.cfg.MaxBlock = 50 * time.Millisecond
	var ex *ExhaustedError
	if err := h.acc.Append(ctx, h.part(2), r, false); !errors.As(err, &ex) || ex.Need != 1024 || ex.Waited < 50*time.Millisecond {
		t.Fatalf("blocking append past max.block: %v (%+v)", err, ex)
	}
}

// TestBatchSizeAboveBufferMemory: new batches are capped at buffer.memory
// rather than waiting for memory the pool can never have.
func TestBatchSizeAboveBufferMemory(t *testing.T) {
	h := newHarness(t, 1, func(c *Config) { c.BatchSize, c.BufferMemory, c.MaxBlock = 4096, 1000, 50*time.Millisecond })
	if err := h.acc.Append(context.Background(), h.part(0), &Record{Value: []byte("v")}, false); err != nil {
		t.Fatalf("append with batch.size above buffer.memory: %v", err)
	}
}

// TestFlushAcrossSplit: a Flush waiting for a batch that is then split
// (MESSAGE_TOO_LARGE) returns once the parts are delivered. It used to
// wait forever: the split batch's done channel was never closed.
func TestFlushAcrossSplit(t *testing.T) {
	h := newHarness(t, 1, func(c *Config) { c.BatchSize = 16 << 10 })
	p := h.part(0)
	h.appendN(t, 0, "r", 50, 200)
	b := p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false).Batch
	b.WriteHeader()
	flushed := make(chan error, 1)
	go func() { flushed <- h.acc.Flush(context.Background()) }()
	for waiting := false; !waiting; time.Sleep(time.Millisecond) { // until Flush waits for b
		p.mu.Lock()
		waiting = b.done != nil
		p.mu.Unlock()
	}
	if ok, err := p.Split(b, len(b.Wire)); err != nil || !ok {
		t.Fatalf("Split: %v %v", ok, err)
	}
	var parts []*Batch
	for nb := p.Drain(time.Now(), 0, NoProducer, false).Batch; nb != nil; nb = p.Drain(time.Now(), 0, NoProducer, false).Batch {
		parts = append(parts, nb)
	}
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, nb := range parts {
		select {
		case err := <-flushed:
			t.Fatalf("Flush returned (%v) with %d of %d parts delivered", err, i, len(parts))
		default:
		}
		p.Complete(nb, int64(i*100), -1, nil)
	}
	select {
	case err := <-flushed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Flush still waits after every part of the split batch was delivered")
	}
}

// TestSplitTwiceKeepsOrder: a part split again stays ahead of the next
// batch, which was in flight with it and came back for a retry. The
// parts of a part used to take creation numbers of their siblings and of
// the next batch, and records were written out of order.
func TestSplitTwiceKeepsOrder(t *testing.T) {
	h := newHarness(t, 1, func(c *Config) { c.BatchSize = 16 << 10 })
	p := h.part(0)
	h.appendN(t, 0, "a", 60, 200)
	h.appendN(t, 0, "b", 60, 200)
	drain := func() *Batch { return p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false).Batch }
	var inFlight []*Batch
	for b := drain(); b != nil; b = drain() {
		b.WriteHeader()
		inFlight = append(inFlight, b)
	}
	if len(inFlight) < 2 {
		t.Fatalf("%d batches", len(inFlight))
	}
	if ok, err := p.Split(inFlight[0], len(inFlight[0].Wire)); err != nil || !ok {
		t.Fatalf("Split: %v %v", ok, err)
	}
	for _, b := range inFlight[1:] {
		p.Retry(b, time.Time{}) // refused behind the first (OUT_OF_ORDER_SEQUENCE)
	}
	first := drain()
	first.WriteHeader()
	if ok, err := p.Split(first, len(first.Wire)); err != nil || !ok {
		t.Fatalf("second Split: %v %v", ok, err)
	}
	var got []string
	for b := drain(); b != nil; b = drain() {
		got = append(got, decode(t, b)...)
	}
	var want []string
	for _, prefix := range []string{"a", "b"} {
		for j := range 60 {
			want = append(want, fmt.Sprintf("%s-%d", prefix, j))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d records drained, want %d", len(got), len(want))
	}
	for i := range got {
		if !strings.HasPrefix(got[i], want[i]+".") && got[i] != want[i] {
			t.Fatalf("record %d is %.12q, want %q: out of order after two splits", i, got[i], want[i])
		}
	}
}
