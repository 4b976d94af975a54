package accumulator

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestOneGoroutineWaitsForABatchsMemory: when buffer.memory is exhausted,
// of many goroutines that need the same partition's next batch only one
// queues for its memory; the others wait for that batch and then append
// to it, every record once.
func TestOneGoroutineWaitsForABatchsMemory(t *testing.T) {
	h := newHarness(t, 1, func(c *Config) { c.BatchSize, c.BufferMemory = 4096, 8192 })
	ctx := context.Background()
	for _, tag := range []string{"a", "b"} { // two full batches: the pool is empty
		r := &Record{Timestamp: 1, Value: make([]byte, 4000), CB: tag}
		if err := h.acc.Append(ctx, h.part(0), r, false); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.acc.pool.Available(); got != 0 {
		t.Fatalf("pool has %d bytes free, want 0", got)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			v := fmt.Sprintf("r%02d", i)
			r := &Record{Timestamp: 1, Value: append([]byte(v), make([]byte, 97)...), CB: v}
			errs <- h.acc.Append(ctx, h.part(0), r, false)
		})
	}
	if got := queuedForMemory(t, h); got != 1 {
		t.Fatalf("%d appends queued for memory for one partition's next batch, want 1", got)
	}
	sendOne(t, h) // frees batch a's memory
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	h.acc.flushing.Add(1)
	var got []string
	for {
		res := h.part(0).Drain(time.Now(), 0, NoProducer, false)
		if res.Batch == nil {
			break
		}
		got = append(got, decode(t, res.Batch)...)
		h.part(0).Complete(res.Batch, 0, -1, nil)
	}
	want := []string{string(make([]byte, 4000))} // b
	for i := range n {
		want = append(want, fmt.Sprintf("r%02d", i)+string(make([]byte, 97)))
	}
	slices.Sort(got[1:])
	if !slices.Equal(got, want) {
		t.Fatalf("drained %d records, want %d (b, then the %d appended while memory was short, once each)", len(got), len(want), n)
	}
	if got := h.acc.pool.Available(); got != 8192 {
		t.Fatalf("pool has %d of 8192 bytes free after every delivery", got)
	}
}

// TestStickyAppendsWaitForOpeners: records without a key, from many
// goroutines, while buffer.memory is exhausted: at most one goroutine per
// partition queues for memory, the others wait for those openers (every
// lane is opening), and once memory is back every record is appended
// once.
func TestStickyAppendsWaitForOpeners(t *testing.T) {
	h := newHarness(t, 3, func(c *Config) { c.BatchSize, c.BufferMemory = 4096, 3*4096 })
	h.acc.lanes = 3
	ctx := context.Background()
	for i := range 3 { // three full batches of partition 0: the pool is empty
		r := &Record{Timestamp: 1, Value: make([]byte, 4000), CB: fmt.Sprint("big", i)}
		if err := h.acc.Append(ctx, h.part(0), r, false); err != nil {
			t.Fatal(err)
		}
	}
	const n = 30
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := h.acc.AppendSticky(ctx, h.t, &Record{Timestamp: 1, Value: make([]byte, 50)}, false)
			errs <- err
		})
	}
	if got := queuedForMemory(t, h); got > 3 {
		t.Fatalf("%d appends queued for memory, want at most one per partition (3)", got)
	}
	h.acc.flushing.Add(1)
	records := 0
	for range 3 { // frees partition 0's batches
		res := h.part(0).Drain(time.Now(), 0, NoProducer, false)
		if res.Batch == nil {
			t.Fatal("nothing to drain")
		}
		records += res.Batch.Records()
		h.part(0).Complete(res.Batch, 0, -1, nil)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		for {
			res := h.part(i).Drain(time.Now(), 0, NoProducer, false)
			if res.Batch == nil {
				break
			}
			records += res.Batch.Records()
			h.part(i).Complete(res.Batch, 0, -1, nil)
		}
	}
	if records != 3+n {
		t.Fatalf("%d records drained, want %d", records, 3+n)
	}
}

// queuedForMemory waits until an append queues for buffer.memory, gives
// the other appends time to arrive, and returns how many are queued.
func queuedForMemory(t *testing.T, h *harness) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.acc.pool.Waiting() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no append queued for memory")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the others arrive meanwhile
	return h.acc.pool.Waiting()
}
