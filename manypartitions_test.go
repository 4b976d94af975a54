package samsa

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// TestIdlePartitionMemory checks that a producer's memory grows with the
// partitions it writes to, not with the partitions its topics have: a
// topic of 10,000 partitions, of which 10 get records, costs little more
// than one of 100 partitions. Each idle partition may cost its metadata
// and a small struct, never a batch buffer (1 KiB or more).
func TestIdlePartitionMemory(t *testing.T) {
	heapOf := func(partitions int32) uint64 {
		sink := startBenchSink(t, partitions)
		before := liveHeap()
		p := testProducer(t, []string{sink.addr()}, func(cfg *Config) {
			cfg.Linger, cfg.Acks, cfg.Idempotence = time.Millisecond, AcksLeader, IdempotenceOff
			cfg.EnableMetricsPush = false
		})
		ctx := context.Background()
		value := benchValue(100)
		for i := range 1000 {
			p.Produce(ctx, Record{Topic: "many", Partition: PartitionOf(int32(i % 10)), Value: value}, nil)
		}
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sink.records.Load(); got != 1000 {
			t.Fatalf("%d partitions: the sink got %d records, want 1000", partitions, got)
		}
		after := liveHeap()
		if err := p.Close(ctx); err != nil {
			t.Fatal(err)
		}
		sink.close()
		if after < before {
			return 0
		}
		return after - before
	}
	// The least of three rounds: memory other tests' goroutines allocate
	// or free meanwhile only adds noise to a round.
	perIdle := 1e18
	for range 3 {
		few := heapOf(100)
		many := heapOf(10000)
		round := (float64(many) - float64(few)) / (10000 - 100)
		t.Logf("heap with 100 partitions %d KiB, with 10,000 %d KiB: %.0f bytes per idle partition", few>>10, many>>10, round)
		perIdle = min(perIdle, round)
	}
	if perIdle > 1024 {
		t.Fatalf("%.0f bytes per idle partition, want at most 1 KiB (no batch buffer per idle partition)", perIdle)
	}
}

// liveHeap returns the bytes of live heap objects after a collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
