package accumulator

import (
	"testing"
	"time"
)

// TestStickySkipsStalledPartitions: with partitioner.availability.timeout
// set, the sticky choice avoids a partition whose batches have waited
// longer than the timeout without being drained, and comes back to it once
// its leader takes batches again.
func TestStickySkipsStalledPartitions(t *testing.T) {
	a := New(Config{BatchSize: 1 << 14, BufferMemory: 1 << 20, Adaptive: true, AvailabilityTimeout: 100 * time.Millisecond,
		Wake: func(*Partition) {}, Deliver: func(*Batch) {}})
	tp := a.AddTopic("t")
	tp.SetPartitions(3, []int32{0, 1, 2})
	stalled := tp.Partitions()[1]
	stalled.mu.Lock()
	stalled.ready = append(stalled.ready, &Batch{Created: time.Now().Add(-time.Second)})
	stalled.mu.Unlock()

	picks := map[int32]int{}
	for range 300 {
		picks[tp.pickSticky(nil).ID]++
	}
	if picks[1] != 0 {
		t.Fatalf("the stalled partition was picked %d of 300 times: %v", picks[1], picks)
	}
	if picks[0] == 0 || picks[2] == 0 {
		t.Fatalf("picks %v: want both healthy partitions used", picks)
	}

	// Its leader took a batch just now: available again.
	stalled.mu.Lock()
	stalled.lastDrain = time.Now().UnixNano()
	stalled.mu.Unlock()
	picks = map[int32]int{}
	for range 300 {
		picks[tp.pickSticky(nil).ID]++
	}
	if picks[1] == 0 {
		t.Fatalf("picks %v: the recovered partition was never picked", picks)
	}

	// Without the timeout the stalled partition is a candidate as before.
	a.cfg.AvailabilityTimeout = 0
	stalled.mu.Lock()
	stalled.lastDrain = 0
	stalled.mu.Unlock()
	picks = map[int32]int{}
	for range 300 {
		picks[tp.pickSticky(nil).ID]++
	}
	if picks[1] == 0 {
		t.Fatalf("picks %v: with the timeout off every partition is a candidate", picks)
	}
}
