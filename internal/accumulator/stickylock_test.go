package accumulator

import (
	"context"
	"testing"
	"time"
)

// TestStickySwitchWithAvailabilityTimeout appends records without keys
// with adaptive partitioning and partitioner.availability.timeout set, so
// that the sticky choice switches partitions several times; the switch
// asks which partitions are stalled. Every append must return and every
// record must be in a batch of the partition AppendSticky named. (The
// switch once ran under the sticky partition's mutex and locked it again
// to read its stall state: the first switch hung.)
func TestStickySwitchWithAvailabilityTimeout(t *testing.T) {
	h := newHarness(t, 4, func(c *Config) { c.Adaptive = true; c.AvailabilityTimeout = 50 * time.Millisecond })
	const n = 200
	perPart := map[int32]int{}
	done := make(chan error, 1)
	go func() {
		for i := range n {
			p, err := h.acc.AppendSticky(context.Background(), h.t, &Record{Timestamp: int64(i), Value: make([]byte, 90)}, false)
			if err != nil {
				done <- err
				return
			}
			perPart[p.ID]++
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("AppendSticky hung: the sticky switch deadlocked")
	}
	if len(perPart) < 2 {
		t.Fatalf("records went to partitions %v: the sticky choice never switched", perPart)
	}
	later := time.Now().Add(2 * time.Hour)
	for id, want := range perPart {
		got := 0
		for {
			b := h.part(int(id)).Drain(later, 0, NoProducer, false).Batch
			if b == nil {
				break
			}
			got += b.Records()
		}
		if got != want {
			t.Fatalf("partition %d holds %d records, AppendSticky put %d there", id, got, want)
		}
	}
}
