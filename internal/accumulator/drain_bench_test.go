package accumulator

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/hashing"
)

// BenchmarkAppendConcurrentDrain is BenchmarkAppendManyPartitions with the
// sender's side on another goroutine, as in a producer: a drainer takes
// every batch past its linger (600 µs, so that 1000 partitions get batches
// of about 10 records at this rate), writes its header and completes it,
// continuously, while the benchmark goroutine appends. ns/op is the
// appending goroutine's time per record; rec/batch the batches' mean.
// With 6 partitions the batches are full (64 KiB).
func BenchmarkAppendConcurrentDrain(b *testing.B) {
	for _, parts := range []int{6, 1000} {
		b.Run("partitions-"+itoa(int32(parts)), func(b *testing.B) {
			benchConcurrentDrain(b, parts, 600*time.Microsecond)
		})
	}
}

func benchConcurrentDrain(b *testing.B, parts int, linger time.Duration) {
	a := New(Config{
		BatchSize: 64 << 10, Linger: linger, BufferMemory: 512 << 20,
		DeliveryTimeout: time.Hour, MaxBlock: time.Minute, Codec: compress.None,
		Wake: func(*Partition) {}, Deliver: func(*Batch) {},
	})
	t := a.AddTopic("bench")
	ids := make([]int32, parts)
	for i := range ids {
		ids[i] = int32(i)
	}
	t.SetPartitions(parts, ids)
	all := t.Partitions()
	stop, done := make(chan struct{}), make(chan struct{})
	var batches atomic.Int64
	go func() {
		defer close(done)
		var got []*Batch
		for {
			select {
			case <-stop:
				return
			default:
			}
			now := time.Now()
			got = got[:0]
			for _, p := range all {
				for res := p.Drain(now, 0, NoProducer, false); res.Batch != nil; res = p.Drain(now, 0, NoProducer, false) {
					res.Batch.WriteHeader()
					got = append(got, res.Batch)
				}
			}
			for _, bt := range got {
				bt.P.Complete(bt, 0, -1, nil)
			}
			batches.Add(int64(len(got)))
			if len(got) == 0 {
				time.Sleep(50 * time.Microsecond)
			}
		}
	}()
	value := []byte(strings.Repeat("GET /api/v1/items?id=42 200 5123 12ms ", 3)[:100])
	keys := make([]byte, 1<<20)
	for i := range keys {
		keys[i] = byte(i*7 + i>>8)
	}
	ctx := context.Background()
	run := func(n int) {
		for i := range n {
			off := int(uint64(i)*0x9E3779B97F4A7C15>>20) % (len(keys) - 16)
			key := keys[off : off+16 : off+16]
			r := Record{Timestamp: 1700000000000 + int64(i>>10), Key: key, Value: value}
			if err := a.Append(ctx, all[hashing.KafkaPartition(key, int32(parts))], &r, false); err != nil {
				b.Fatal(err)
			}
		}
	}
	run(200000)
	b0 := batches.Load()
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/float64(max(batches.Load()-b0, 1)), "rec/batch")
	close(stop)
	<-done
}
