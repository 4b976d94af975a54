package accumulator

import (
	"context"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/recordbatch"
)

// paceHarness has 1 KiB batches and lets 2 KiB of sealed batches wait for
// delivery; every record of appendBig fills a batch of its own.
func paceHarness(t *testing.T) *harness {
	return newHarness(t, 1, func(c *Config) { c.Pace = 2048 })
}

func appendBig(t *testing.T, h *harness, tag string) {
	t.Helper()
	r := &Record{Timestamp: 1, Value: make([]byte, 900), CB: tag}
	if err := h.acc.Append(context.Background(), h.part(0), r, false); err != nil {
		t.Fatal(err)
	}
}

// sendOne drains the oldest batch of partition 0 and completes it.
func sendOne(t *testing.T, h *harness) {
	t.Helper()
	h.part(0).Complete(takeBatch(t, h), 0, -1, nil)
}

// takeBatch drains partition 0's next batch, as the sender takes it.
func takeBatch(t *testing.T, h *harness) *Batch {
	t.Helper()
	res := h.part(0).Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false)
	if res.Batch == nil {
		t.Fatal("nothing to drain")
	}
	return res.Batch
}

// sendRest drains and delivers every batch left in partition 0.
func sendRest(h *harness) {
	for {
		res := h.part(0).Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false)
		if res.Batch == nil {
			return
		}
		h.part(0).Complete(res.Batch, 0, -1, nil)
	}
}

// TestPaceWaitsForDelivery: while deliveries happen, an append that opens
// a batch with more than Pace bytes sealed and waiting for the sender
// waits for the sender instead of filling more of buffer.memory; the
// pacer's count returns to zero when everything is delivered.
func TestPaceWaitsForDelivery(t *testing.T) {
	h := paceHarness(t)
	done := heldByPace(t, h)
	sendOne(t, h)
	sendOne(t, h)
	<-done
	for range 3 {
		sendOne(t, h)
	}
	sendRest(h)
	if n := h.acc.pace.ahead.Load(); n != 0 {
		t.Fatalf("pacer counts %d bytes after every batch was delivered", n)
	}
	if got := len(h.delivered); got != 6 {
		t.Fatalf("%d batches delivered, want 6", got)
	}
}

// TestPaceStandsAsideWithoutDeliveries: when no delivery came for the
// stall time (a broker outage, or none yet), appends use buffer.memory
// as far as it goes, never waiting for the pacer.
func TestPaceStandsAsideWithoutDeliveries(t *testing.T) {
	h := paceHarness(t)
	for range 20 { // 20 KiB sealed, ten times the pace; would block forever
		appendBig(t, h, "r")
	}
	if n := h.acc.pace.ahead.Load(); n < 19*900 {
		t.Fatalf("pacer counts %d bytes for 19 sealed batches", n)
	}
}

// TestDrainEarlyTakesHalfLingered: with early set (a request is going to
// the broker anyway) an open batch goes once it waited half its linger; a
// younger one is left to fill, and without early both wait for linger.
func TestDrainEarlyTakesHalfLingered(t *testing.T) {
	h := newHarness(t, 2, func(c *Config) { c.Linger = 10 * time.Second })
	h.appendN(t, 0, "a", 1, 10)
	h.appendN(t, 1, "b", 1, 10)
	created := h.part(0).open.Created
	young, old := created.Add(4*time.Second), created.Add(6*time.Second)
	if res := h.part(0).Drain(old, 0, NoProducer, false); res.Batch != nil || res.WakeAt.IsZero() || !res.Queued {
		t.Fatalf("without early a batch went before its linger: %+v", res)
	}
	if res := h.part(1).Drain(young, 0, NoProducer, true); res.Batch != nil || !res.Queued {
		t.Fatalf("a batch younger than half its linger went early: %+v", res)
	}
	res := h.part(0).Drain(old, 0, NoProducer, true)
	if res.Batch == nil || res.Batch.Records() != 1 || res.Queued {
		t.Fatalf("a batch past half its linger stayed with early set: %+v", res)
	}
}

// TestBatchBufferSizedForPartition: a partition whose batches stay small
// gets small buffers, not batch.size each (thousands of partitions in
// use would otherwise hold batch.size apiece), and a batch outgrowing its
// buffer grows up to batch.size with its records intact.
func TestBatchBufferSizedForPartition(t *testing.T) {
	h := newHarness(t, 1, func(c *Config) { c.BatchSize = 256 << 10 })
	p := h.part(0)
	h.appendN(t, 0, "small", 10, 100)
	first := p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false).Batch
	p.Complete(first, 0, -1, nil)
	h.appendN(t, 0, "next", 1, 100)
	if c := cap(p.open.buf); c > 4<<10 {
		t.Fatalf("a partition with 1.2 KB batches got a %d-byte buffer", c)
	}
	h.appendN(t, 0, "big", 200, 1000) // 200 KB: grows through the classes
	b := p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false).Batch
	if b.Records() != 201 || cap(b.buf) > 256<<10 {
		t.Fatalf("grown batch: %d records, buffer %d bytes", b.Records(), cap(b.buf))
	}
	b.WriteHeader()
	_, recs, err := recordbatch.Decode(b.Wire, 1<<30)
	if err != nil || len(recs) != 201 || string(recs[200].Value[:7]) != "big-199" {
		t.Fatalf("grown batch decodes to %d records, err %v", len(recs), err)
	}
}

// TestPaceNeverWaitsInCallback: an append made from a record's callback
// (a Deliver hook) does not wait for the pacer, though more than Pace
// bytes wait and deliveries are recent: the goroutine running the
// callback is the one that would deliver the next batch.
func TestPaceNeverWaitsInCallback(t *testing.T) {
	var h *harness
	inner := make(chan error, 1)
	h = newHarness(t, 1, func(c *Config) {
		c.Pace = 2048
		deliver := c.Deliver
		c.Deliver = func(b *Batch) {
			deliver(b)
			if b.Entries()[0].CB == "r1" {
				r := &Record{Timestamp: 1, Value: make([]byte, 900), CB: "from-callback"}
				inner <- h.acc.Append(context.Background(), h.part(0), r, false)
			}
		}
	})
	h.acc.pace.stall = 0 // no pacing while the test fills the queue
	appendBig(t, h, "r0")
	appendBig(t, h, "r1")
	sendOne(t, h) // r0: deliveries are happening
	for range 4 {
		appendBig(t, h, "r") // r1 and three more sealed: over the pace
	}
	h.acc.pace.stall = time.Hour // a wait now would last the test's whole timeout
	sendOne(t, h)                // r1's callback appends, on this goroutine
	if err := <-inner; err != nil {
		t.Fatal(err)
	}
}

// TestPaceCountsOnlyWhatWaitsForTheSender: an append held back by the
// pacer goes on once the sender takes a batch, before that batch's
// response: batches in flight are not ahead of the sender.
func TestPaceCountsOnlyWhatWaitsForTheSender(t *testing.T) {
	h := paceHarness(t)
	done := heldByPace(t, h)
	var inFlight []*Batch
	for range 2 { // taken, not answered
		res := h.part(0).Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false)
		if res.Batch == nil {
			t.Fatal("nothing to drain")
		}
		inFlight = append(inFlight, res.Batch)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("append still held back with %d bytes waiting over a pace of %d and 2 batches in flight", h.acc.pace.ahead.Load(), h.acc.pace.limit)
	}
	for _, b := range inFlight {
		h.part(0).Complete(b, 0, -1, nil)
	}
	sendRest(h)
	if n := h.acc.pace.ahead.Load(); n != 0 {
		t.Fatalf("pacer counts %d bytes after every batch was delivered", n)
	}
	if got := len(h.delivered); got != 6 {
		t.Fatalf("%d batches delivered, want 6", got)
	}
}

// TestPaceWakesAtHalfTheLimit: an append waiting for the sender is woken
// once the bytes waiting fall to half the pace, not as soon as they are
// under it: woken at the pace, a producer that outruns the sender opened
// one batch, was over the pace again and waited again, a trip through
// the scheduler for every batch the sender took.
func TestPaceWakesAtHalfTheLimit(t *testing.T) {
	h := paceHarness(t)
	done := appendOverPace(t, h)
	for h.acc.pace.waiters.Load() == 0 { // the append waits for the sender
		select {
		case <-done:
			t.Fatalf("append went ahead with %d bytes waiting over a pace of %d", h.acc.pace.ahead.Load(), h.acc.pace.limit)
		case <-time.After(time.Millisecond):
		}
	}
	first := takeBatch(t, h) // two batches wait: under the pace, over half of it
	if ahead := h.acc.pace.ahead.Load(); ahead > h.acc.pace.limit || ahead <= h.acc.pace.limit/2 {
		t.Fatalf("%d bytes wait after one was taken; the test needs between %d and %d", ahead, h.acc.pace.limit/2, h.acc.pace.limit)
	}
	select {
	case <-done:
		t.Fatalf("the waiting append went ahead with %d bytes waiting, over half the pace of %d", h.acc.pace.ahead.Load(), h.acc.pace.limit)
	case <-time.After(50 * time.Millisecond):
	}
	second := takeBatch(t, h) // one batch waits: half the pace or less
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("append still held back with %d bytes waiting, half the pace is %d", h.acc.pace.ahead.Load(), h.acc.pace.limit/2)
	}
	h.part(0).Complete(first, 0, -1, nil)
	h.part(0).Complete(second, 0, -1, nil)
	sendRest(h)
	if got := len(h.delivered); got != 6 {
		t.Fatalf("%d batches delivered, want 6", got)
	}
}

// heldByPace starts an append over the pace (appendOverPace) and checks
// that the pacer holds it; done is closed when it goes ahead.
func heldByPace(t *testing.T, h *harness) (done chan struct{}) {
	t.Helper()
	done = appendOverPace(t, h)
	select {
	case <-done:
		t.Fatalf("append went ahead with %d bytes waiting over a pace of %d", h.acc.pace.ahead.Load(), h.acc.pace.limit)
	case <-time.After(50 * time.Millisecond):
	}
	return done
}

// appendOverPace seals three batches ahead of the sender (after one
// delivery, so the pacer is not stalled) and starts, in the background,
// an append that opens a fifth; done is closed when it returns.
func appendOverPace(t *testing.T, h *harness) (done chan struct{}) {
	t.Helper()
	h.acc.pace.stall = time.Hour // no stall in this test
	appendBig(t, h, "r0")
	appendBig(t, h, "r1") // seals r0's batch
	sendOne(t, h)         // a delivery: the sender keeps up
	for i := 2; i <= 4; i++ {
		appendBig(t, h, "r") // seals r1, r2, r3: 3 batches wait
	}
	done = make(chan struct{})
	go func() {
		appendBig(t, h, "r5")
		close(done)
	}()
	return done
}
