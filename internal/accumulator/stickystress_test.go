package accumulator

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stressTag identifies a record of the stress test: the goroutine that
// appended it and its place among that goroutine's records.
type stressTag struct{ g, seq int }

// TestStickyStress drives the sticky and adaptive partitioner from many
// goroutines, with partitioner.availability.timeout set and two of six
// partitions stalled (not drained) for the first part of the run, while a
// sender goroutine drains and completes the others. Every append must
// return, Flush must return once the stalled partitions drain again, every
// record must be delivered exactly once to the partition AppendSticky
// named, and each goroutine's records must keep their order in each
// partition.
func TestStickyStress(t *testing.T) {
	const parts, goroutines, perG = 6, 32, 400
	var deliveredMu sync.Mutex
	delivered := map[int32][]stressTag{}
	var acc *Accumulator
	wake := make(chan struct{}, 1)
	acc = New(Config{
		BatchSize: 1024, Linger: time.Millisecond, BufferMemory: 1 << 20, DeliveryTimeout: time.Hour,
		MaxBlock: time.Minute, Adaptive: true, AvailabilityTimeout: 5 * time.Millisecond,
		Wake: func(*Partition) {
			select {
			case wake <- struct{}{}:
			default:
			}
		},
		Deliver: func(b *Batch) {
			deliveredMu.Lock()
			for _, e := range b.Entries() {
				delivered[b.P.ID] = append(delivered[b.P.ID], e.CB.(stressTag))
			}
			deliveredMu.Unlock()
		},
	})
	tp := acc.AddTopic("t")
	tp.SetPartitions(parts, []int32{0, 1, 2, 3, 4, 5})

	var stalled atomic.Bool // partitions 1 and 2 are not drained while set
	stalled.Store(true)
	stop := make(chan struct{})
	senderDone := make(chan struct{})
	go func() { // the sender
		defer close(senderDone)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			for _, p := range tp.Partitions() {
				if stalled.Load() && (p.ID == 1 || p.ID == 2) {
					continue
				}
				for {
					res := p.Drain(time.Now(), 0, NoProducer, false)
					if res.Batch == nil {
						break
					}
					p.Complete(res.Batch, 0, -1, nil)
				}
			}
			select {
			case <-stop:
				return
			case <-wake:
			case <-tick.C:
			}
		}
	}()

	var placed [goroutines]map[int32]int
	var wg sync.WaitGroup
	for g := range goroutines {
		placed[g] = map[int32]int{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perG {
				r := &Record{Timestamp: int64(i), Value: make([]byte, 20+(g*7+i)%90), CB: stressTag{g, i}}
				if g%4 == 0 { // some records with an explicit partition, as keyed ones
					p := tp.Partitions()[(g+i)%parts]
					if err := acc.Append(context.Background(), p, r, false); err != nil {
						t.Error(err)
						return
					}
					placed[g][p.ID]++
					continue
				}
				p, err := acc.AppendSticky(context.Background(), tp, r, false)
				if err != nil {
					t.Error(err)
					return
				}
				placed[g][p.ID]++
			}
		}()
	}
	appended := make(chan struct{})
	go func() { wg.Wait(); close(appended) }()
	select {
	case <-appended:
	case <-time.After(60 * time.Second):
		t.Fatal("appends hung")
	}
	stalled.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := acc.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	close(stop)
	<-senderDone

	deliveredMu.Lock()
	defer deliveredMu.Unlock()
	total := 0
	for id := range int32(parts) {
		want := 0
		for g := range goroutines {
			want += placed[g][id]
		}
		if got := len(delivered[id]); got != want {
			t.Errorf("partition %d: %d records delivered, %d appended there", id, got, want)
		}
		total += len(delivered[id])
		last := map[int]int{}
		for _, tag := range delivered[id] {
			if prev, ok := last[tag.g]; ok && tag.seq <= prev {
				t.Fatalf("partition %d: goroutine %d's record %d after its record %d", id, tag.g, tag.seq, prev)
			}
			last[tag.g] = tag.seq
		}
	}
	if total != goroutines*perG {
		t.Fatalf("%d records delivered, %d appended", total, goroutines*perG)
	}
	if n := acc.Undelivered(); n != 0 {
		t.Fatalf("%d batches undelivered after Flush", n)
	}
}
