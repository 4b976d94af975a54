package accumulator

import (
	"context"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/lockorder"
)

// TestBatchCycleAllocations counts the allocations of a batch's whole
// life (open, append, drain, complete, deliver) in partitions that get a
// few records per batch, as with records spread over many partitions:
// the Batch itself is the only one. The entry slice and the buffer come
// from pools whose boxes are reused, and the queue of undelivered
// batches reuses its array (it was reallocated for about every batch:
// two allocations per batch before).
func TestBatchCycleAllocations(t *testing.T) {
	if lockorder.Enabled {
		t.Skip("under -race sync.Pool drops a share of what is put into it on purpose")
	}
	h := newHarness(t, 8, func(c *Config) { c.Deliver = func(*Batch) {} })
	ctx := context.Background()
	value := make([]byte, 100)
	cycle := func() {
		for i := range 8 {
			p := h.part(i)
			for range 3 {
				r := &Record{Timestamp: 1, Value: value}
				if err := h.acc.Append(ctx, p, r, false); err != nil {
					t.Fatal(err)
				}
			}
			res := p.Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false)
			if res.Batch == nil {
				t.Fatal("nothing drained")
			}
			res.Batch.WriteHeader()
			p.Complete(res.Batch, 0, -1, nil)
		}
	}
	cycle() // warm the pools
	if allocs := testing.AllocsPerRun(50, cycle); allocs > 8*1.5 {
		t.Fatalf("%.1f allocations per %d batches, want about one each (the Batch)", allocs, 8)
	}
}
