package accumulator

import (
	"context"
	"testing"
	"time"
)

// TestIdleLaneLeavesItsPartition: the shape of the 10 KB benchmark (6
// partitions, records without keys, one producing goroutine, up to three
// lanes). The sender holds lane 0's partition mutex (as Drain does), then
// lanes 0 and 1's, so two lone appends start lanes 1 and 2 on partitions
// of their own; the goroutine then goes back to lane 0 for good. Every
// partition must then
// get its share of the next 120 batches, so that every request the
// sender makes can take a batch from each of the 6: lanes nobody appends
// to any more must not keep their partitions out of lane 0's choices. On
// 32ce103 those two partitions got the one record each and nothing else.
func TestIdleLaneLeavesItsPartition(t *testing.T) {
	const parts, value = 6, 100
	h := newHarness(t, parts, func(c *Config) { c.BatchSize = 1024; c.BufferMemory = 8 << 20 })
	h.acc.lanes = 3
	ctx := context.Background()
	appendOne := func() *Partition {
		t.Helper()
		p, err := h.acc.AppendSticky(ctx, h.t, &Record{Timestamp: 1, Value: make([]byte, value)}, false)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	lane0 := appendOne()
	release := holdElsewhere(lane0, true)
	moved1 := appendOne()
	release()
	release = holdElsewhere(lane0, true)
	release1 := holdElsewhere(moved1, true)
	moved2 := appendOne()
	release1()
	release()
	if moved1 == lane0 || moved2 == lane0 || moved2 == moved1 {
		t.Fatalf("appends went to partitions %d, %d, %d: to a lane whose mutex the sender held", lane0.ID, moved1.ID, moved2.ID)
	}

	perBatch := 1024 / (value + 20)
	const batches = 120
	for range batches * perBatch {
		appendOne()
	}
	later := time.Now().Add(2 * time.Hour)
	got := map[int32]int{}
	for id := range parts {
		for {
			b := h.part(id).Drain(later, 0, NoProducer, false).Batch
			if b == nil {
				break
			}
			if b.Records() > 1 {
				got[int32(id)]++
			}
		}
	}
	// Uniform sticky choices among the 5 partitions other than the last
	// one give each partition 24 batches on average; 8 is far below what
	// chance gives (p < 1e-5 each).
	for id := range int32(parts) {
		if got[id] < batches/parts/3 {
			t.Fatalf("partition %d got %d batches of %d (per partition %v; lanes 1 and 2 took partitions %d and %d once)",
				id, got[id], batches, got, moved1.ID, moved2.ID)
		}
	}
}
