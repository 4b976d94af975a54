package accumulator

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/hashing"
)

// benchAccumulator returns an accumulator with one six-partition topic
// whose sealed batches the returned drain function sends and completes at
// once, as a sender with an instant broker would.
func benchAccumulator(b *testing.B, codec compress.Codec) (*Accumulator, *Topic, func()) {
	delivered := 0
	cfg := Config{
		BatchSize: 64 << 10, Linger: time.Millisecond, BufferMemory: 128 << 20, // 1000 open batches reserve 64 KiB each
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

// BenchmarkAppendManyPartitions is the append path of a topic of 1000
// partitions under keyed records: each record goes to the partition its
// 16-byte key hashes to (keys at scattered offsets of a 1 MiB buffer, as
// the shared harness draws them), so its partition, batch, entry slice
// and buffer lines are out of cache; every 12,000 records every batch is
// drained and completed, so that batches hold about 12 records, as they
// do at linger.ms 5 on this shape. ns/op is per record, including the
// share of opening, draining, completing and recycling each batch.
func BenchmarkAppendManyPartitions(b *testing.B) {
	const parts, perDrain = 1000, 12000
	a, t, drain := benchAccumulator(b, compress.None)
	ids := make([]int32, parts)
	for i := range ids {
		ids[i] = int32(i)
	}
	t.SetPartitions(parts, ids)
	value := []byte(strings.Repeat("GET /api/v1/items?id=42 200 5123 12ms ", 3)[:100])
	keys := make([]byte, 1<<20)
	for i := range keys {
		keys[i] = byte(i*7 + i>>8)
	}
	all := t.Partitions()
	ctx := context.Background()
	run := func(n int) {
		for i := range n {
			off := int(uint64(i)*0x9E3779B97F4A7C15>>20) % (len(keys) - 16)
			key := keys[off : off+16 : off+16]
			id := hashing.KafkaPartition(key, parts)
			r := Record{Timestamp: 1700000000000 + int64(i>>10), Key: key, Value: value}
			if err := a.Append(ctx, all[id], &r, false); err != nil {
				b.Fatal(err)
			}
			if i%perDrain == perDrain-1 {
				drain()
			}
		}
		drain()
	}
	run(200000)
	b.SetBytes(int64(16 + len(value)))
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
}
