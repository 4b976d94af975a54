package samsa

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchValue is a log-like value of n bytes with varying fields, which
// compresses roughly as the shared benchmark harness's payload does
// (about 2-3x), not as a repeated string would.
func benchValue(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	paths := []string{"/api/v1/items", "/api/v1/orders", "/login", "/static/app.js", "/healthz"}
	var out []byte
	for len(out) < n {
		out = fmt.Appendf(out, "2026-11-23T16:%02d:%02d.%03dZ INFO req=%08x path=%s status=%d bytes=%d dur_ms=%d\n",
			rng.IntN(60), rng.IntN(60), rng.IntN(1000), rng.Uint32(), paths[rng.IntN(len(paths))],
			[]int{200, 200, 200, 404, 500}[rng.IntN(5)], rng.IntN(100000), rng.IntN(500))
	}
	return out[:n]
}

// BenchmarkProduce measures the whole client per record: Produce, the
// accumulator, batch encoding, the sender and callbacks, against an
// in-process sink broker that does no work of its own beyond framing.
// ns/op is per record; allocs/op should be 0 in steady state.
func BenchmarkProduce(b *testing.B) {
	cases := []struct {
		name  string
		keyed bool
		cb    bool
		codec Compression
		acks  Acks
		idem  Idempotence
	}{
		{name: "keyless/nil-cb", acks: AcksLeader, idem: IdempotenceOff},
		{name: "keyless/cb", cb: true, acks: AcksLeader, idem: IdempotenceOff},
		{name: "keyed/cb", keyed: true, cb: true, acks: AcksLeader, idem: IdempotenceOff},
		{name: "keyed/cb/scattered-keys", keyed: true, cb: true, acks: AcksLeader, idem: IdempotenceOff},
		{name: "keyed/cb/acks-all/idempotent/lz4", keyed: true, cb: true, codec: CompressionLZ4, acks: AcksAll, idem: IdempotenceOn},
		{name: "keyless/cb/zstd/1000B", cb: true, codec: CompressionZstd, acks: AcksLeader, idem: IdempotenceOff},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			size := 100
			if strings.Contains(c.name, "1000B") {
				size = 1000
			}
			benchProduce(b, size, c.keyed, c.cb, func(cfg *Config) {
				cfg.Compression, cfg.Acks, cfg.Idempotence = c.codec, c.acks, c.idem
			})
		})
	}
}

func benchProduce(b *testing.B, size int, keyed, withCB bool, mod func(*Config)) {
	benchProduceWith(b, size, keyed, withCB, false, mod)
}

// benchProduceWith is benchProduce, with two headers on every record when
// headers is set.
func benchProduceWith(b *testing.B, size int, keyed, withCB, headers bool, mod func(*Config)) {
	sink := startBenchSink(b, 6)
	p := testProducer(b, []string{sink.addr()}, func(cfg *Config) {
		cfg.Linger = 5 * time.Millisecond
		cfg.BatchSize = 64 << 10
		cfg.BufferMemory = 32 << 20
		mod(cfg)
	})
	ctx := context.Background()
	value := benchValue(size)
	keys := benchKeys(1024)
	var scattered []byte // the shared harness's keys: 16 bytes at scattered offsets of 1 MiB
	if strings.Contains(b.Name(), "scattered-keys") {
		scattered = benchValue(1 << 20)
	}
	hdrs := []Header{{Key: "trace", Value: []byte("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")}, {Key: "app", Value: []byte("bench")}}
	var failed atomic.Int64
	var firstErr atomic.Pointer[error]
	fail := func(err error) { // apart from cb, so that err only escapes on failure
		failed.Add(1)
		firstErr.CompareAndSwap(nil, &err)
	}
	var cb func(RecordMetadata, error)
	if withCB {
		cb = func(_ RecordMetadata, err error) {
			if err != nil {
				fail(err)
			}
		}
	}
	produce := func(n int) {
		for i := range n {
			r := Record{Topic: "bench", Value: value}
			if headers {
				r.Headers = hdrs
			}
			if scattered != nil {
				off := int(uint64(i)*0x9E3779B97F4A7C15>>20) % (len(scattered) - 16)
				r.Key = scattered[off : off+16 : off+16]
			} else if keyed {
				r.Key = keys[i&1023]
			}
			p.Produce(ctx, r, cb)
		}
		if err := p.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	produce(20000) // warm up: metadata, connection, producer id, pooled buffers
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	produce(b.N)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d records failed, first: %v", n, *firstErr.Load())
	}
	if got, want := sink.records.Load(), int64(20000+b.N); got != want {
		b.Fatalf("sink received %d records, want %d", got, want)
	}
	ms := p.Metrics()
	for _, name := range []string{"batch-size-avg", "records-per-request-avg"} {
		if v, ok := ms.Value("producer-metrics", name); ok {
			b.ReportMetric(v, name)
		}
	}
}

// nopHooks are hooks that do nothing, to measure what installing them
// costs the produce path.
type nopAckHook struct{}

func (nopAckHook) OnAcknowledgement(context.Context, *Ack) {}

type nopSendHook struct{}

func (nopSendHook) OnSend(ctx context.Context, _ *Record) context.Context { return ctx }

type nopBatchRequestHook struct{}

func (nopBatchRequestHook) OnBatch(*BatchEvent)     {}
func (nopBatchRequestHook) OnRequest(*RequestEvent) {}

// BenchmarkProduceHooks measures the produce path with hooks installed
// that do nothing: what each kind costs per record. Compare with
// BenchmarkProduce/keyless/cb, which has none.
func BenchmarkProduceHooks(b *testing.B) {
	cases := []struct {
		name  string
		hooks []Hook
	}{
		{"batch+request", []Hook{nopBatchRequestHook{}}},
		{"send", []Hook{nopSendHook{}}},
		{"ack", []Hook{nopAckHook{}}},
		{"ack/headers", []Hook{nopAckHook{}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			benchProduceWith(b, 100, false, true, c.name == "ack/headers", func(cfg *Config) {
				cfg.Acks, cfg.Idempotence, cfg.Hooks = AcksLeader, IdempotenceOff, c.hooks
			})
		})
	}
}

// TestBenchSinkReceivesEverything checks the benchmark's sink broker and
// harness: every record produced reaches it and gets a successful outcome
// with increasing offsets per partition.
func TestBenchSinkReceivesEverything(t *testing.T) {
	sink := startBenchSink(t, 3)
	p := testProducer(t, []string{sink.addr()}, func(cfg *Config) {
		// Once in a dozen loaded -race runs the first record's metadata
		// took longer than the helper's 10 s; the log says why if it recurs.
		cfg.MaxBlock = time.Minute
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	const n = 5000
	offsets := make([][]int64, 3)
	done := make(chan struct{}, n)
	ctx := context.Background()
	for i := range n {
		key := fmt.Appendf(nil, "k%d", i)
		p.Produce(ctx, Record{Topic: "t", Key: key, Value: benchValue(50)}, func(md RecordMetadata, err error) {
			if err != nil {
				t.Errorf("record %d: %v", i, err)
			} else {
				offsets[md.Partition] = append(offsets[md.Partition], md.Offset) // callbacks run in order per partition
			}
			done <- struct{}{}
		})
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for range n {
		<-done
	}
	if got := sink.records.Load(); got != n {
		t.Fatalf("sink received %d records, want %d", got, n)
	}
	total := 0
	for part, offs := range offsets {
		for i, off := range offs {
			if off != int64(i) {
				t.Fatalf("partition %d: record %d has offset %d, want %d", part, i, off, i)
			}
		}
		total += len(offs)
	}
	if total != n {
		t.Fatalf("%d records acknowledged, want %d", total, n)
	}
}

// BenchmarkProduceShapes measures the shapes of issue 13 that services
// produce: large values (with buffer.memory at 1 GiB, far above what the
// sender needs, which must not make the producer slower), and many
// partitions with keyed records. ns/op is per record.
func BenchmarkProduceShapes(b *testing.B) {
	cases := []struct {
		name              string
		size, partitions  int
		keyed             bool
		batchSize, memory int
	}{
		{name: "value-1KB", size: 1 << 10, partitions: 6},
		{name: "value-10KB", size: 10 << 10, partitions: 6},
		{name: "value-10KB/buffer-1GiB", size: 10 << 10, partitions: 6, memory: 1 << 30},
		{name: "value-100KB/batch-1MiB", size: 100 << 10, partitions: 6, batchSize: 1 << 20},
		{name: "keyed/partitions-1000", size: 100, partitions: 1000, keyed: true},
		{name: "keyed/partitions-10000", size: 100, partitions: 10000, keyed: true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			benchProduceShape(b, c.size, c.partitions, c.keyed, func(cfg *Config) {
				if c.batchSize > 0 {
					cfg.BatchSize = c.batchSize
				}
				if c.memory > 0 {
					cfg.BufferMemory = int64(c.memory)
				}
			})
		})
	}
}

// benchProduceShape produces b.N records of size bytes to a sink with the
// given partitions, keyed with 16-byte keys spread over every partition or
// keyless (sticky).
func benchProduceShape(b *testing.B, size, partitions int, keyed bool, mod func(*Config)) {
	sink := startBenchSink(b, int32(partitions))
	p := testProducer(b, []string{sink.addr()}, func(cfg *Config) {
		cfg.Linger = 5 * time.Millisecond
		cfg.BatchSize = 64 << 10
		cfg.BufferMemory = 64 << 20
		cfg.Acks, cfg.Idempotence = AcksLeader, IdempotenceOff
		mod(cfg)
	})
	ctx := context.Background()
	value := benchValue(size)
	keys := benchKeys(1 << 16)
	cb, failed := failureCounter()
	produce := func(n int) {
		for i := range n {
			r := Record{Topic: "bench", Value: value}
			if keyed {
				r.Key = keys[i&(1<<16-1)]
			}
			p.Produce(ctx, r, cb)
		}
		if err := p.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	measureProduce(b, produce, min(20000, max(200, (64<<20)/size)), size, sink, failed)
	if v, ok := p.Metrics().Value("producer-metrics", "records-per-request-avg"); ok {
		b.ReportMetric(v, "records/request")
	}
}

// BenchmarkProduceParallel is W1 (100-byte values, 6 partitions) from
// several goroutines sharing one producer, keyless and keyed: each
// goroutine produces its share of b.N records in order, then one Flush.
// ns/op is per record; run with -mutexprofile/-blockprofile to see where
// concurrent callers wait.
func BenchmarkProduceParallel(b *testing.B) {
	for _, keyed := range []bool{false, true} {
		for _, g := range []int{1, 8, 64, 256} {
			name := fmt.Sprintf("keyless/goroutines=%d", g)
			if keyed {
				name = fmt.Sprintf("keyed/goroutines=%d", g)
			}
			b.Run(name, func(b *testing.B) { benchProduceParallel(b, g, keyed) })
		}
	}
}

func benchProduceParallel(b *testing.B, goroutines int, keyed bool) {
	sink := startBenchSink(b, 6)
	p := testProducer(b, []string{sink.addr()}, func(cfg *Config) {
		cfg.Linger, cfg.BatchSize, cfg.BufferMemory = 5*time.Millisecond, 64<<10, 32<<20
		cfg.Acks, cfg.Idempotence = AcksLeader, IdempotenceOff
	})
	ctx := context.Background()
	value := benchValue(100)
	keys := benchKeys(1024)
	cb, failed := failureCounter()
	produce := func(n int) {
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g * n / goroutines; i < (g+1)*n/goroutines; i++ {
					r := Record{Topic: "bench", Value: value}
					if keyed {
						r.Key = keys[i&1023]
					}
					p.Produce(ctx, r, cb)
				}
			}()
		}
		wg.Wait()
		if err := p.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	measureProduce(b, produce, 20000, 100, sink, failed)
}

// measureProduce warms the producer up with warmup records, then times
// produce(b.N) with size-byte values and checks that no record failed and
// that the sink received every timed record.
func measureProduce(b *testing.B, produce func(n int), warmup, size int, sink *benchSink, failed *atomic.Int64) {
	b.Helper()
	produce(warmup)
	warm := sink.records.Load()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	produce(b.N)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d records failed", n)
	}
	if got, want := sink.records.Load()-warm, int64(b.N); got != want {
		b.Fatalf("sink received %d records, want %d", got, want)
	}
}

// benchKeys returns n distinct 16-byte keys.
func benchKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key-%012d", i*7919)
	}
	return keys
}

// failureCounter returns a record callback that counts failed records,
// and the count.
func failureCounter() (func(RecordMetadata, error), *atomic.Int64) {
	failed := new(atomic.Int64)
	return func(_ RecordMetadata, err error) {
		if err != nil {
			failed.Add(1)
		}
	}, failed
}
