package accumulator

import (
	"context"
	"testing"
	"time"
)

// TestStickySwitchesPerBatch appends records without keys: each run of
// records goes to one partition and fills exactly one batch, and the
// next run goes to a different partition (KIP-794).
func TestStickySwitchesPerBatch(t *testing.T) {
	h := newHarness(t, 4, nil)
	var seq []int32
	for i := range 1000 {
		r := &Record{Timestamp: int64(i), Value: make([]byte, 90)}
		p, err := h.acc.AppendSticky(context.Background(), h.t, r, false)
		if err != nil {
			t.Fatal(err)
		}
		seq = append(seq, p.ID)
	}
	var runs []int
	var runParts []int32
	for i, id := range seq {
		if i == 0 || id != seq[i-1] {
			runs = append(runs, 0)
			runParts = append(runParts, id)
		}
		runs[len(runs)-1]++
	}
	perBatch := runs[0]
	if perBatch < 5 || perBatch > 12 {
		t.Fatalf("first run of %d records of ~100 bytes for batch.size 1024", perBatch)
	}
	for i, n := range runs[:len(runs)-1] {
		if n != perBatch {
			t.Fatalf("run %d has %d records, the first %d", i, n, perBatch)
		}
	}
	used := map[int32]bool{}
	for _, id := range runParts {
		used[id] = true
	}
	if len(used) != 4 {
		t.Fatalf("only partitions %v used in %d runs", used, len(runs))
	}
	// Each run is one batch: drain every partition and match batch sizes
	// against the runs that went there, in order.
	later := time.Now().Add(2 * time.Hour)
	byPart := map[int32][]int{}
	for i, id := range runParts {
		byPart[id] = append(byPart[id], runs[i])
	}
	for id, want := range byPart {
		for j, n := range want {
			b := h.part(int(id)).Drain(later, 0, NoProducer, false).Batch
			if b == nil || b.Records() != n {
				t.Fatalf("partition %d batch %d: %v, want %d records", id, j, b, n)
			}
		}
	}
}

// TestStickyAvoidsUnavailable only picks available partitions.
func TestStickyAvoidsUnavailable(t *testing.T) {
	h := newHarness(t, 4, nil)
	h.t.SetPartitions(4, []int32{1, 3})
	for i := range 500 {
		p, err := h.acc.AppendSticky(context.Background(), h.t, &Record{Timestamp: int64(i), Value: make([]byte, 90)}, false)
		if err != nil {
			t.Fatal(err)
		}
		if i > 20 && p.ID != 1 && p.ID != 3 { // the first choice predates SetPartitions
			t.Fatalf("record %d went to unavailable partition %d", i, p.ID)
		}
	}
}

// TestAdaptivePicksShorterQueue loads partition 0 with queued batches:
// the adaptive choice (two draws, the one with fewer queued batches)
// picks it about 1/16 of the time, the plain uniform choice 1/4.
func TestAdaptivePicksShorterQueue(t *testing.T) {
	share := func(adaptive bool) float64 {
		h := newHarness(t, 4, func(c *Config) { c.Adaptive = adaptive })
		h.appendN(t, 0, "load", 200, 500) // ~100 queued batches on partition 0
		if q := h.part(0).QueuedBatches(); q < 50 {
			t.Fatalf("partition 0 has %d queued batches", q)
		}
		hits := 0
		const n = 4000
		for range n {
			if h.t.pickSticky(nil).ID == 0 {
				hits++
			}
		}
		return float64(hits) / n
	}
	if s := share(false); s < 0.18 || s > 0.32 {
		t.Fatalf("uniform choice picked the loaded partition %.3f of the time, want about 0.25", s)
	}
	if s := share(true); s > 0.11 {
		t.Fatalf("adaptive choice picked the loaded partition %.3f of the time, want about 0.06", s)
	}
}

// TestStickyLanes holds the mutex of lane 0's partition, as a goroutine
// appending there would: a record without a key from another goroutine
// goes to another lane's partition at once instead of waiting, and once
// the mutex is free records go to lane 0's partition again.
func TestStickyLanes(t *testing.T) {
	h := newHarness(t, 6, nil)
	if h.acc.lanes < 2 {
		h.acc.lanes = 2 // GOMAXPROCS=1: lanes are GOMAXPROCS+1
	}
	first, err := h.acc.AppendSticky(context.Background(), h.t, &Record{Value: make([]byte, 10)}, false)
	if err != nil {
		t.Fatal(err)
	}
	first.mu.Lock()
	got := make(chan *Partition, 1)
	go func() {
		p, err := h.acc.AppendSticky(context.Background(), h.t, &Record{Value: make([]byte, 10)}, false)
		if err != nil {
			t.Error(err)
		}
		got <- p
	}()
	var other *Partition
	select {
	case other = <-got:
	case <-time.After(10 * time.Second):
		first.mu.Unlock()
		t.Fatal("the append waited for lane 0's partition")
	}
	first.mu.Unlock()
	if other == nil || other == first {
		t.Fatalf("with lane 0's partition %v busy the record went to %v", first, other)
	}
	// Another append held lane 0: the topic is contended, and appends
	// start at their processor's lane, until the next sticky switch
	// clears it (TestLaneHintsOnlyAmongAppends). Back to one goroutine
	// after that, records go to lane 0 again.
	if !h.t.contended.Load() {
		t.Fatal("an append found lane 0 held by another and left the topic uncontended")
	}
	h.t.contended.Store(false) // as the next sticky switch does
	again, err := h.acc.AppendSticky(context.Background(), h.t, &Record{Value: make([]byte, 10)}, false)
	if err != nil || again != first {
		t.Fatalf("with lane 0 free the record went to %v (%v), want %v", again, err, first)
	}
	if r1, _ := first.Buffered(); r1 != 2 {
		t.Fatalf("lane 0's partition holds %d records, want 2", r1)
	}
	if r2, _ := other.Buffered(); r2 != 1 {
		t.Fatalf("lane 1's partition holds %d records, want 1", r2)
	}
}
