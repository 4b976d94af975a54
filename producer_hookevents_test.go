package samsa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type ctxKey string

// recorder is every kind of hook at once, recording what it is told.
type recorder struct {
	mu       sync.Mutex
	acks     []Ack
	ackCtx   []context.Context
	batches  []BatchEvent
	requests []RequestEvent
	connects []ConnEvent
	discons  []ConnEvent
	started  []*Producer
	closed   []*Producer
}

func (r *recorder) OnSend(ctx context.Context, rec *Record) context.Context {
	rec.Headers = append(rec.Headers[:len(rec.Headers):len(rec.Headers)], Header{Key: "hooked", Value: []byte(rec.Topic)})
	return context.WithValue(ctx, ctxKey("sent"), string(rec.Key))
}

func (r *recorder) OnAcknowledgement(ctx context.Context, a *Ack) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acks = append(r.acks, *a)
	r.ackCtx = append(r.ackCtx, ctx)
}

func (r *recorder) OnBatch(b *BatchEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, *b)
}

func (r *recorder) OnRequest(e *RequestEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, *e)
}

func (r *recorder) OnConnect(e *ConnEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.connects = append(r.connects, *e)
}

func (r *recorder) OnDisconnect(e *ConnEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.discons = append(r.discons, *e)
}

func (r *recorder) OnNewProducer(p *Producer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, p)
}

func (r *recorder) OnProducerClosed(p *Producer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = append(r.closed, p)
}

// TestAckHookSeesRecordAndContext: each record's acknowledgement carries
// the context its SendHook returned (which wraps Produce's), the key and
// headers as sent even though the caller reused its buffers after
// Produce, and the metadata its callback gets.
func TestAckHookSeesRecordAndContext(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(2, "acked"))
	rec := &recorder{}
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Hooks = []Hook{rec} })
	const n = 50
	key := make([]byte, 8)
	hval := make([]byte, 4)
	mds := make([]RecordMetadata, n)
	var wg sync.WaitGroup
	before := time.Now()
	for i := range n {
		copy(key, fmt.Sprintf("key-%04d", i))
		copy(hval, fmt.Sprintf("h%03d", i))
		ctx := context.WithValue(context.Background(), ctxKey("request"), i)
		wg.Add(1)
		p.Produce(ctx, Record{Topic: "acked", Key: key, Value: []byte("v"), Headers: []Header{{Key: "n", Value: hval}}},
			func(md RecordMetadata, err error) {
				if err != nil {
					t.Errorf("record %d: %v", i, err)
				}
				mds[i] = md
				wg.Done()
			})
		// The caller may reuse its buffers once Produce returns.
		copy(key, "XXXXXXXX")
		copy(hval, "YYYY")
	}
	wg.Wait()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.acks) != n {
		t.Fatalf("%d acknowledgements, want %d", len(rec.acks), n)
	}
	for j, a := range rec.acks {
		i, _ := rec.ackCtx[j].Value(ctxKey("request")).(int)
		wantKey := fmt.Sprintf("key-%04d", i)
		if sent, _ := rec.ackCtx[j].Value(ctxKey("sent")).(string); sent != wantKey {
			t.Fatalf("ack %d: the SendHook's context value is %q, want %q", j, sent, wantKey)
		}
		if string(a.Key) != wantKey || a.Err != nil || a.Metadata != mds[i] {
			t.Fatalf("ack %d (record %d): key %q err %v metadata %+v; callback got %+v", j, i, a.Key, a.Err, a.Metadata, mds[i])
		}
		want := []Header{{Key: "n", Value: []byte(fmt.Sprintf("h%03d", i))}, {Key: "hooked", Value: []byte("acked")}}
		if !slices.EqualFunc(a.Headers, want, func(x, y Header) bool { return x.Key == y.Key && bytes.Equal(x.Value, y.Value) }) {
			t.Fatalf("record %d: headers %q, want %q", i, a.Headers, want)
		}
		if a.Produced.Before(before) || a.Produced.After(time.Now()) {
			t.Fatalf("record %d: Produced %v is not between the first Produce and now", i, a.Produced)
		}
	}
	// What the hook saw is what the broker holds.
	for _, r := range consumeAll(t, fake.ListenAddrs(), "acked", n) {
		if len(r.Headers) != 2 || r.Headers[1].Key != "hooked" || !bytes.HasPrefix(r.Key, []byte("key-")) {
			t.Fatalf("read back key %q headers %v", r.Key, r.Headers)
		}
	}
}

// TestAckHookOnImmediateFailures: records Produce refuses at once, and
// records a serializer fails, reach the AckHook with their context.
func TestAckHookOnImmediateFailures(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "fails"))
	rec := &recorder{}
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Hooks = []Hook{rec} })
	ctx := context.WithValue(context.Background(), ctxKey("request"), "bad-partition")
	if _, err := p.SendSync(ctx, Record{Topic: "fails", Key: []byte("k"), Partition: PartitionOf(7)}); !errors.Is(err, ErrInvalidPartition) {
		t.Fatalf("got %v", err)
	}
	tp := NewTypedProducer[string, string](p, StringSerializer(), SerializerFunc[string](func(context.Context, string, *[]Header, string) ([]byte, error) {
		return nil, errors.New("no")
	}))
	ctx = context.WithValue(context.Background(), ctxKey("request"), "serializer")
	if _, err := tp.SendSync(ctx, TypedRecord[string, string]{Topic: "fails", Key: "k2"}); !errors.Is(err, ErrSerialization) {
		t.Fatalf("got %v", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.acks) != 2 {
		t.Fatalf("%d acknowledgements, want 2", len(rec.acks))
	}
	if v := rec.ackCtx[0].Value(ctxKey("request")); v != "bad-partition" || !errors.Is(rec.acks[0].Err, ErrInvalidPartition) ||
		string(rec.acks[0].Key) != "k" || rec.acks[0].Metadata.Partition != 7 {
		t.Fatalf("first: ctx %v, ack %+v", v, rec.acks[0])
	}
	if v := rec.ackCtx[1].Value(ctxKey("request")); v != "serializer" || !errors.Is(rec.acks[1].Err, ErrSerialization) ||
		string(rec.acks[1].Key) != "k2" {
		t.Fatalf("second: ctx %v, ack %+v", v, rec.acks[1])
	}
}

// TestSendHookOnSendBatch: SendHooks run on the records of a batch sent
// with SendBatch, and what they make of each record is what is written
// (their changes were once dropped); AckHooks see each record once.
func TestSendHookOnSendBatch(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(2, "batched"))
	rec := &recorder{}
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Hooks = []Hook{rec} })
	ctx := context.WithValue(context.Background(), ctxKey("request"), "batch")
	if _, err := p.PartitionsFor(ctx, "batched"); err != nil {
		t.Fatal(err)
	}
	b := p.CreateBatch()
	for i := range 3 {
		if err := b.Append(Record{Key: fmt.Appendf(nil, "b%d", i), Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	mds, err := p.SendBatch(ctx, b, TopicPartition{Topic: "batched", Partition: 1}).Wait(ctx)
	if err != nil || len(mds) != 3 {
		t.Fatalf("%v %v", mds, err)
	}
	for i, r := range consumeAll(t, fake.ListenAddrs(), "batched", 3) {
		if r.Partition != 1 || len(r.Headers) != 1 || r.Headers[0].Key != "hooked" || string(r.Headers[0].Value) != "batched" {
			t.Fatalf("record %d read back at partition %d with headers %v", i, r.Partition, r.Headers)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.acks) != 3 {
		t.Fatalf("%d acknowledgements, want 3", len(rec.acks))
	}
	for i, a := range rec.acks {
		if rec.ackCtx[i].Value(ctxKey("request")) != "batch" || a.Metadata.Offset != int64(i) || string(a.Key) != fmt.Sprintf("b%d", i) {
			t.Fatalf("ack %d: %+v", i, a)
		}
	}
}

// TestBatchAndRequestHooks: a compressed batch is reported once with its
// records, sizes, codec, broker, attempts and offset; a retried batch
// reports two attempts; the RequestHook sees the produce requests with
// their sizes, the throttle time the broker asked for and the API name.
func TestBatchAndRequestHooks(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "batches"), kfake.NumBrokers(1))
	rec := &recorder{}
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.Hooks = []Hook{rec}
		c.Compression = CompressionLZ4
		c.Linger, c.BatchSize = time.Second, 64<<10
		c.RetryBackoff = time.Millisecond
	})
	ctx := context.Background()
	const n = 100
	var futures []*Future
	for i := range n {
		futures = append(futures, p.Send(ctx, Record{Topic: "batches", Value: bytes.Repeat([]byte{'a' + byte(i%3)}, 200)}))
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	first, err := futures[0].Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Second round: the first produce request fails once, asking for a
	// throttle of 40 ms.
	var injected sync.Once
	fake.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		handled := false
		var resp kmsg.Response
		injected.Do(func() {
			handled, resp = true, respond.ProduceError(r.(*kmsg.ProduceRequest), 6, 40)
		})
		if !handled {
			fake.KeepControl()
		}
		return resp, nil, handled
	})
	if _, err := p.SendSync(ctx, Record{Topic: "batches", Value: []byte("again")}); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	if len(rec.batches) != 2 {
		t.Fatalf("%d batch events, want 2: %+v", len(rec.batches), rec.batches)
	}
	b := rec.batches[0]
	if b.Topic != "batches" || b.Partition != 0 || b.Records != n || b.Compression != CompressionLZ4 || b.Attempts != 1 ||
		b.BaseOffset != first.Offset || b.Err != nil || b.Broker != 0 || b.QueueTime <= 0 || b.Age < b.QueueTime {
		t.Fatalf("first batch: %+v", b)
	}
	if b.UncompressedBytes < n*200 || b.CompressedBytes <= batchHeaderSize || b.CompressionRatio() >= 0.2 {
		t.Fatalf("first batch: %d bytes uncompressed, %d compressed, ratio %.3f", b.UncompressedBytes, b.CompressedBytes, b.CompressionRatio())
	}
	if r := rec.batches[1]; r.Attempts != 2 || r.Records != 1 || r.Err != nil || r.BaseOffset != int64(n) {
		t.Fatalf("retried batch: %+v", r)
	}
	rec.mu.Unlock()
	// A request is reported once its response has been handled, so the
	// last one may come just after SendSync returned.
	var produces, throttled, metadata int
	waitFor(t, "three produce requests reported", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		produces, throttled, metadata = 0, 0, 0
		for _, e := range rec.requests {
			switch e.APIName() {
			case "Produce":
				produces++
				if e.Broker != 0 || e.BytesWritten <= 0 || e.BytesRead <= 0 || e.Latency <= 0 || e.Err != nil {
					t.Fatalf("produce request: %+v", e)
				}
				if e.Throttle == 40*time.Millisecond {
					throttled++
				}
			case "Metadata":
				metadata++
			}
		}
		return produces >= 3
	})
	if throttled != 1 || metadata == 0 {
		t.Fatalf("%d produce requests (%d throttled), %d metadata requests", produces, throttled, metadata)
	}
}

// TestConnAndProducerHooks: every connection is reported when it opens
// and when it closes (without an error on Close, with one when the broker
// goes away), a failed dial with its error and address, and the producer
// hooks bracket the producer's life.
func TestConnAndProducerHooks(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "conns"))
	rec := &recorder{}
	cfg := DefaultConfig()
	cfg.BootstrapServers = fake.ListenAddrs()
	cfg.Hooks = []Hook{rec}
	p, err := NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	if len(rec.started) != 1 || rec.started[0] != p {
		t.Fatalf("OnNewProducer saw %v, want the producer before NewProducer returned", rec.started)
	}
	rec.mu.Unlock()
	ctx := context.Background()
	if _, err := p.SendSync(ctx, Record{Topic: "conns", Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	if len(rec.closed) != 1 || rec.closed[0] != p || len(rec.acks) != 1 {
		t.Fatalf("OnProducerClosed saw %v after %d acknowledgements", rec.closed, len(rec.acks))
	}
	if len(rec.connects) < 2 || len(rec.discons) != len(rec.connects) {
		t.Fatalf("%d connects, %d disconnects", len(rec.connects), len(rec.discons))
	}
	for _, c := range rec.connects {
		if c.Err != nil || c.Duration <= 0 || c.Addr == "" {
			t.Fatalf("connect: %+v", c)
		}
	}
	for _, c := range rec.discons {
		if c.Err != nil || c.Duration <= 0 {
			t.Fatalf("disconnect on Close: %+v", c)
		}
	}
	rec.mu.Unlock()

	// A dial that fails is reported with its address and error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	failed := &recorder{}
	p2 := testProducer(t, []string{dead}, func(c *Config) { c.Hooks = []Hook{failed}; c.MaxBlock = 300 * time.Millisecond })
	if _, err := p2.SendSync(ctx, Record{Topic: "conns"}); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("got %v", err)
	}
	failed.mu.Lock()
	if len(failed.connects) == 0 || failed.connects[0].Err == nil || failed.connects[0].Addr != dead {
		t.Fatalf("connects to a closed port: %+v", failed.connects)
	}
	failed.mu.Unlock()

	// A broker that goes away ends connections with an error.
	gone := &recorder{}
	p3 := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Hooks = []Hook{gone} })
	if _, err := p3.SendSync(ctx, Record{Topic: "conns", Value: []byte("y")}); err != nil {
		t.Fatal(err)
	}
	fake.Close()
	waitFor(t, "a disconnect with an error", func() bool {
		gone.mu.Lock()
		defer gone.mu.Unlock()
		for _, d := range gone.discons {
			if d.Err != nil {
				return true
			}
		}
		return false
	})
}

// TestHooksRefusedWhenTheyImplementNothing: a hook value with no hook
// method is a configuration error naming it.
func TestHooksRefusedWhenTheyImplementNothing(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BootstrapServers = []string{"127.0.0.1:9092"}
	cfg.Hooks = []Hook{&recorder{}, struct{ name string }{"x"}}
	var ce *ConfigError
	if _, err := NewProducer(cfg); !errors.As(err, &ce) || ce.Field != "Hooks" || ce.Value != "struct { name string }" {
		t.Fatalf("got %v", err)
	}
	cfg.Hooks = []Hook{nil}
	if err := cfg.Validate(); !errors.As(err, &ce) || ce.Field != "Hooks" {
		t.Fatalf("nil hook: got %v", err)
	}
}

// pickyHook wants the outcome of records keyed "yes" only.
type pickyHook struct{ recorder }

func (*pickyHook) WantsAck(_ context.Context, r Record) bool { return string(r.Key) == "yes" }

// TestAckFilter: an AckHook with AckFilter gets the outcomes of the
// records it wants only; with another AckHook that wants every record
// installed too, every record reaches both.
func TestAckFilter(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "picky"))
	ctx := context.Background()
	run := func(hooks ...Hook) {
		p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Hooks = hooks })
		for _, k := range []string{"yes", "no", "yes", "no"} {
			if _, err := p.SendSync(ctx, Record{Topic: "picky", Key: []byte(k)}); err != nil {
				t.Fatal(err)
			}
		}
		// An immediate failure follows the same rule.
		p.SendSync(ctx, Record{Topic: "picky", Key: []byte("no"), Partition: PartitionOf(9)})
		p.SendSync(ctx, Record{Topic: "picky", Key: []byte("yes"), Partition: PartitionOf(9)})
	}
	alone := &pickyHook{}
	run(alone)
	if len(alone.acks) != 3 || string(alone.acks[0].Key) != "yes" || string(alone.acks[1].Key) != "yes" ||
		!errors.Is(alone.acks[2].Err, ErrInvalidPartition) {
		t.Fatalf("alone, the filtered hook saw %d acks: %+v", len(alone.acks), alone.acks)
	}
	both, all := &pickyHook{}, &recorder{}
	run(both, all)
	if len(both.acks) != 6 || len(all.acks) != 6 {
		t.Fatalf("beside a hook wanting everything: %d and %d acks, want 6 each", len(both.acks), len(all.acks))
	}
}

// nobodyWants is an AckHook with an AckFilter that wants no record: a
// tracer whose sampler drops every span.
type nobodyWants struct{ nopAckHook }

func (nobodyWants) WantsAck(context.Context, Record) bool { return false }

// perRun is how many records TestProduceAllocatesNothingPerRecord
// produces per measured run.
const perRun = 2000

// TestProduceAllocatesNothingPerRecord: in steady state Produce allocates
// nothing per record without hooks, and nothing either with an AckHook
// that wants no record (an unsampled tracer). Handing the caller's Record
// to a hook once made every record escape to the heap, hooks or not.
// 2 KB values take the path that copies and hashes a value in one pass;
// they fill a batch every 32 records, and the batches' and requests'
// allocations (about ten a batch) come to 0.3 a record, so the bound is
// higher there, below one a record.
func TestProduceAllocatesNothingPerRecord(t *testing.T) {
	for _, c := range []struct {
		name  string
		hooks []Hook
		size  int
		limit float64 // allocations per run of perRun records
	}{{"no hooks", nil, 100, perRun / 10}, {"unwanted acks", []Hook{nobodyWants{}}, 100, perRun / 10}, {"2KB values", nil, 2048, perRun / 2}} {
		t.Run(c.name, func(t *testing.T) {
			sink := startBenchSink(t, 3)
			p := testProducer(t, []string{sink.addr()}, func(cfg *Config) {
				cfg.Hooks, cfg.Linger, cfg.BatchSize = c.hooks, 5*time.Millisecond, 64<<10
				cfg.Acks, cfg.Idempotence, cfg.EnableMetricsPush = AcksLeader, IdempotenceOff, false
			})
			ctx := context.Background()
			value := benchValue(c.size)
			cb := func(RecordMetadata, error) {}
			produce := func() {
				for range perRun {
					p.Produce(ctx, Record{Topic: "bench", Value: value}, cb)
				}
				if err := p.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			}
			produce() // warm up: metadata, connections, pooled buffers
			// Batches, requests and responses allocate a little (shared
			// with other goroutines); a record that escapes costs perRun.
			if allocs := testing.AllocsPerRun(5, produce); allocs > c.limit {
				t.Fatalf("%.0f allocations per %d records", allocs, perRun)
			}
		})
	}
}

// TestRequestAccountedBeforeItsRecordsComplete: when a record's callback
// runs (and so when Flush returns), the produce request that carried it
// is already out of requests-in-flight and already reported to
// RequestHooks, as the Java client counts a response before completing
// its batches. A scrape right after Flush saw the request still in
// flight and missing from the request latency histogram.
func TestRequestAccountedBeforeItsRecordsComplete(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "accounted"))
	rec := &recorder{}
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Hooks = []Hook{rec} })
	produceRequests := func() int {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		n := 0
		for _, e := range rec.requests {
			if e.APIName() == "Produce" && e.Err == nil {
				n++
			}
		}
		return n
	}
	for i := range 3 {
		var inFlight float64
		var reported int
		done := make(chan error, 1)
		p.Produce(context.Background(), Record{Topic: "accounted", Value: []byte("v")}, func(_ RecordMetadata, err error) {
			inFlight, _ = p.Metrics().Value("producer-metrics", "requests-in-flight")
			reported = produceRequests()
			done <- err
		})
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if inFlight != 0 || reported != i+1 {
			t.Fatalf("record %d's callback saw requests-in-flight %v and %d produce requests reported, want 0 and %d", i, inFlight, reported, i+1)
		}
	}
}
