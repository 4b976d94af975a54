package accumulator

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestIdlePartitionsAreNotWalked checks that the walks looking for
// batches (the expiry every 100 ms, Flush, Buffered) visit only the
// partitions that have had batches, not every partition of the topic: of
// 10,000 partitions, the three written to are listed, and once their
// batches are delivered the next expiry walk unlists them.
func TestIdlePartitionsAreNotWalked(t *testing.T) {
	h := newHarness(t, 10000, nil)
	for _, i := range []int{7, 4242, 9999} {
		h.appendN(t, i, "r", 2, 10)
	}
	listed := func() []int32 {
		var ids []int32
		for _, p := range h.acc.distinctActive() {
			ids = append(ids, p.ID)
		}
		slices.Sort(ids)
		return ids
	}
	if got := listed(); !slices.Equal(got, []int32{7, 4242, 9999}) {
		t.Fatalf("listed partitions %v, want [7 4242 9999]", got)
	}
	if r, _ := h.acc.Buffered(); r != 6 {
		t.Fatalf("Buffered: %d records, want 6", r)
	}
	h.acc.Expire(time.Now(), func(*Batch) { t.Error("nothing is past its deadline") })
	if got := listed(); len(got) != 3 {
		t.Fatalf("after an expiry walk with batches waiting, listed %v", got)
	}
	for _, i := range []int{7, 4242} {
		p := h.part(i)
		res := p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false)
		if res.Batch == nil {
			t.Fatalf("partition %d: nothing drained", i)
		}
		res.Batch.WriteHeader()
		p.Complete(res.Batch, 0, -1, nil)
	}
	h.acc.Expire(time.Now(), func(*Batch) { t.Error("nothing is past its deadline") })
	if got := listed(); !slices.Equal(got, []int32{9999}) {
		t.Fatalf("after delivering partitions 7 and 4242 and an expiry walk, listed %v, want [9999]", got)
	}
	if n := len(h.delivered); n != 2 {
		t.Fatalf("%d batches delivered, want 2", n)
	}
}

// TestListedWhileExpiryWalks appends to partitions, delivers their
// batches and runs expiry walks concurrently: a partition with a batch
// is always listed, whatever the interleaving (Flush relies on it),
// including one appended to right after a walk unlisted it.
func TestListedWhileExpiryWalks(t *testing.T) {
	h := newHarness(t, 64, func(c *Config) { c.Linger = 0 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the housekeeping goroutine
		defer wg.Done()
		for ctx.Err() == nil {
			h.acc.Expire(time.Now(), func(*Batch) {})
		}
	}()
	for round := range 200 {
		p := h.part(round % 64)
		h.appendN(t, int(p.ID), "r", 1, 10)
		found := false
		for _, q := range h.acc.ActivePartitions(nil) {
			found = found || q == p
		}
		if !found {
			t.Fatalf("round %d: partition %d has a batch but is not listed", round, p.ID)
		}
		res := p.Drain(time.Now().Add(time.Hour), 0, NoProducer, false)
		if res.Batch == nil {
			t.Fatalf("round %d: nothing drained", round)
		}
		res.Batch.WriteHeader()
		p.Complete(res.Batch, 0, -1, nil)
	}
	cancel()
	wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.delivered) != 200 {
		t.Fatalf("%d batches delivered, want 200", len(h.delivered))
	}
}
