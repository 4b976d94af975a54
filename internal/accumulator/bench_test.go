package accumulator

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
)

// benchAccumulator returns an accumulator with one six-partition topic
// whose sealed batches the returned drain function sends and completes at
// once, as a sender with an instant broker would.
func benchAccumulator(b *testing.B, codec compress.Codec) (*Accumulator, *Topic, func()) {
	delivered := 0
	cfg := Config{
		BatchSize: 64 << 10, Linger: time.Millisecond, BufferMemory: 32 << 20,
		DeliveryTimeout: time.Hour, MaxBlock: time.Minute, Codec: codec,
		Wake:    func(*Partition) {},
		Deliver: func(b *Batch) { delivered += b.Records() },
	}
	if codec != compress.None {
		c, err := compress.NewCompressor(codec, 0)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Compressor = c
	}
	a := New(cfg)
	t := a.AddTopic("bench")
	t.SetPartitions(6, []int32{0, 1, 2, 3, 4, 5})
	drain := func() {
		later := time.Now().Add(time.Second) // past every linger, before every delivery timeout
		for _, p := range t.Partitions() {
			for {
				res := p.Drain(later, 0, NoProducer, false)
				if len(res.Expired) > 0 {
					b.Fatalf("%d batches expired", len(res.Expired))
				}
				if res.Batch == nil {
					break
				}
				res.Batch.WriteHeader()
				p.Complete(res.Batch, 0, -1, nil)
			}
		}
	}
	return a, t, drain
}

// BenchmarkAppend measures appending one 100-byte record to a partition's
// open batch, including the share of sealing, encoding and recycling each
// full batch (drained and completed every 4096 records).
func BenchmarkAppend(b *testing.B) {
	for _, codec := range []compress.Codec{compress.None, compress.LZ4} {
		b.Run(codec.String(), func(b *testing.B) {
			a, t, drain := benchAccumulator(b, codec)
			value := []byte(strings.Repeat("GET /api/v1/items?id=42 200 5123 12ms ", 3)[:100])
			key := []byte("key-000000000042")
			parts := t.Partitions()
			ctx := context.Background()
			run := func(n int) {
				for i := range n {
					r := Record{Timestamp: 1700000000000 + int64(i>>10), Key: key, Value: value}
					if err := a.Append(ctx, parts[i%len(parts)], &r, false); err != nil {
						b.Fatal(err)
					}
					if i&4095 == 4095 {
						drain()
					}
				}
				drain()
			}
			run(100000)
			b.SetBytes(int64(len(key) + len(value)))
			b.ReportAllocs()
			b.ResetTimer()
			run(b.N)
		})
	}
}

// BenchmarkAppendSticky is BenchmarkAppend through the sticky partitioner
// with a null key.
func BenchmarkAppendSticky(b *testing.B) {
	a, t, drain := benchAccumulator(b, compress.None)
	value := []byte(strings.Repeat("GET /api/v1/items?id=42 200 5123 12ms ", 3)[:100])
	ctx := context.Background()
	run := func(n int) {
		for i := range n {
			r := Record{Timestamp: 1700000000000, Value: value}
			if _, err := a.AppendSticky(ctx, t, &r, false); err != nil {
				b.Fatal(err)
			}
			if i&4095 == 4095 {
				drain()
			}
		}
		drain()
	}
	run(100000)
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
}
