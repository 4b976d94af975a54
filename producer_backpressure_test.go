package samsa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-go/samsa/internal/accumulator"
)

// stallProduce makes the kfake cluster hold every Produce request until
// the returned release function is called; requests then proceed
// normally.
func stallProduce(fake *kfake.Cluster) (release func()) {
	gate := make(chan struct{})
	var once sync.Once
	fake.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		fake.SleepControl(func() { <-gate })
		return nil, nil, false
	})
	return func() { once.Do(func() { close(gate) }) }
}

// metric returns a producer-metrics value, failing if it is missing.
func metric(t *testing.T, p *Producer, name string) float64 {
	t.Helper()
	v, ok := p.Metrics().Value("producer-metrics", name)
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	return v
}

// waitFor polls cond until it holds, failing after a generous timeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

const (
	bpBufferMemory = 64 << 10
	bpBatchSize    = 8 << 10
)

// fillBuffer produces 1 KiB records round the partitions of topic with
// TryProduce until the buffer is full, and returns how many it took. It
// checks that buffer.memory is never exceeded on the way.
func fillBuffer(t *testing.T, p *Producer, topic string, parts int, cb func(RecordMetadata, error)) int {
	t.Helper()
	for i := 0; ; i++ {
		r := Record{Topic: topic, Partition: PartitionOf(int32(i % parts)), Value: make([]byte, 1024)}
		err := p.TryProduce(r, cb)
		if avail := metric(t, p, "buffer-available-bytes"); avail < 0 || avail > bpBufferMemory {
			t.Fatalf("buffer-available-bytes %v outside [0, %d]", avail, bpBufferMemory)
		}
		if errors.Is(err, ErrWouldBlock) {
			return i
		}
		if err != nil {
			t.Fatalf("TryProduce %d: %v", i, err)
		}
		if i > 10_000 {
			t.Fatal("the buffer never filled")
		}
	}
}

// warmUp waits until p knows topic's metadata, retrying while each
// attempt gives up after a short max.block.ms.
func warmUp(t *testing.T, p *Producer, topic string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := p.PartitionsFor(context.Background(), topic)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrUnknownTopic) || time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
}

// backpressureProducer makes a producer with a small buffer whose debug
// log is shown if the test fails.
func backpressureProducer(t *testing.T, fake *kfake.Cluster, maxBlock time.Duration) *Producer {
	logs := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("LOGS:\n%s", logs.String())
		}
	})
	return testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.BufferMemory, c.BatchSize, c.MaxBlock = bpBufferMemory, bpBatchSize, maxBlock
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
}

// TestTryProduceNeverBlocks fills the buffer against a broker that holds
// every produce request: TryProduce fails at once with ErrWouldBlock
// (also passed to its callback), and the producer never holds more than
// buffer.memory. Once the broker answers, everything accepted arrives.
func TestTryProduceNeverBlocks(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(4, "bp"))
	p := backpressureProducer(t, fake, 30*time.Second)
	ctx := context.Background()
	if _, err := p.SendSync(ctx, Record{Topic: "bp", Value: []byte("warm")}); err != nil {
		t.Fatal(err)
	}
	release := stallProduce(fake)
	defer release()
	var mu sync.Mutex
	var acked, failedFull int
	cb := func(_ RecordMetadata, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			acked++
		case errors.Is(err, ErrWouldBlock):
			failedFull++
		default:
			t.Errorf("record failed: %v", err)
		}
	}
	accepted := fillBuffer(t, p, "bp", 4, cb)
	if accepted < bpBufferMemory/bpBatchSize {
		t.Fatalf("only %d records fit in %d bytes", accepted, bpBufferMemory)
	}
	for range 100 {
		start := time.Now()
		err := p.TryProduce(Record{Topic: "bp", Partition: PartitionOf(0), Value: make([]byte, 8000)}, cb)
		if !errors.Is(err, ErrWouldBlock) || !strings.Contains(err.Error(), "buffer.memory") {
			t.Fatalf("TryProduce on a full buffer: %v, want ErrWouldBlock naming buffer.memory", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("TryProduce took %v", d)
		}
	}
	if avail := metric(t, p, "buffer-available-bytes"); avail >= bpBatchSize {
		t.Fatalf("buffer-available-bytes %v with a full buffer", avail)
	}
	release()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if acked != accepted || failedFull != 101 {
		t.Fatalf("%d acknowledged of %d accepted, %d ErrWouldBlock callbacks (want 101)", acked, accepted, failedFull)
	}
	mu.Unlock()
	if got := len(consumeAll(t, fake.ListenAddrs(), "bp", accepted+1)); got != accepted+1 {
		t.Fatalf("read %d records, want %d", got, accepted+1)
	}
	waitFor(t, "memory to be free again", func() bool { return metric(t, p, "buffer-available-bytes") == bpBufferMemory })
}

// TestProduceBlocksUntilMemoryFrees has Produce wait on a full buffer and
// go on once the broker answers and memory frees.
func TestProduceBlocksUntilMemoryFrees(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(4, "bp"))
	p := backpressureProducer(t, fake, 60*time.Second)
	ctx := context.Background()
	if _, err := p.SendSync(ctx, Record{Topic: "bp", Value: []byte("warm")}); err != nil {
		t.Fatal(err)
	}
	release := stallProduce(fake)
	defer release()
	accepted := fillBuffer(t, p, "bp", 4, nil)
	// Larger than batch.size, so it never fits an open batch (a 7000-byte
	// one did when linger had drained a partition's batch during the fill
	// and its new one was nearly empty, on a loaded machine): it needs a
	// batch of its own, so memory.
	blockedValue := []byte("blocked" + strings.Repeat(".", bpBatchSize+1000))
	returned := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		p.Produce(ctx, Record{Topic: "bp", Partition: PartitionOf(1), Value: blockedValue},
			func(_ RecordMetadata, err error) { result <- err })
		close(returned)
	}()
	waitFor(t, "Produce to wait for memory", func() bool { return metric(t, p, "waiting-threads") == 1 })
	select {
	case <-returned:
		t.Fatal("Produce returned while the buffer was full")
	default:
	}
	release()
	select {
	case <-returned:
	case <-time.After(30 * time.Second):
		t.Fatal("Produce still blocked after the broker answered")
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatalf("the blocked record: %v", err)
	}
	if w := metric(t, p, "bufferpool-wait-time-ns-total"); w <= 0 {
		t.Fatalf("bufferpool-wait-time-ns-total %v after a wait", w)
	}
	recs := consumeAll(t, fake.ListenAddrs(), "bp", accepted+2)
	found := false
	for _, r := range recs {
		found = found || string(r.Value) == string(blockedValue) && r.Partition == 1
	}
	if !found {
		t.Fatal("the record that waited for memory is not in partition 1")
	}
}

// TestProduceBufferExhausted has Produce give up after max.block.ms, and
// after a context deadline shorter than that.
func TestProduceBufferExhausted(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(4, "bp"))
	const maxBlock = 250 * time.Millisecond
	p := backpressureProducer(t, fake, maxBlock)
	ctx := context.Background()
	warmUp(t, p, "bp")
	release := stallProduce(fake)
	defer release()
	fillBuffer(t, p, "bp", 4, nil)

	// Larger than batch.size, so it never fits an open batch: a 7000-byte
	// one did when linger had drained a partition's batch during the fill
	// and its next one was nearly empty (3 of 40 runs failed with no
	// outcome), as in TestProduceBlocksUntilMemoryFrees. It needs a batch
	// of its own, exactly its size.
	big := make([]byte, bpBatchSize+1000)
	need := accumulator.MaxRecordSize(nil, big, nil)
	start := time.Now()
	_, err := produceWait(t, p, ctx, Record{Topic: "bp", Partition: PartitionOf(2), Value: big})
	waited := time.Since(start)
	wantErr(t, err, ErrBufferExhausted, "buffer.memory=65536", fmt.Sprint(need))
	var be *BufferExhaustedError
	if !errors.As(err, &be) {
		t.Fatalf("%T is not a *BufferExhaustedError", err)
	}
	if be.BufferMemory != bpBufferMemory || be.Need != need || be.Waited < maxBlock || be.Waited > waited {
		t.Fatalf("BufferExhaustedError %+v (Produce returned after %v)", be, waited)
	}
	if !strings.Contains(err.Error(), be.Waited.String()) {
		t.Fatalf("error %q does not say how long it waited", err)
	}

	// A context deadline before max.block.ms ends the wait with ctx's error.
	p2 := backpressureProducer(t, fake, time.Minute)
	if _, err := p2.PartitionsFor(ctx, "bp"); err != nil {
		t.Fatal(err)
	}
	fillBuffer(t, p2, "bp", 4, nil)
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = produceWait(t, p2, dctx, Record{Topic: "bp", Partition: PartitionOf(0), Value: big})
	wantErr(t, err, context.DeadlineExceeded, `"bp"`, "buffer memory")
	if w := metric(t, p2, "waiting-threads"); w != 0 {
		t.Fatalf("waiting-threads %v after the wait ended", w)
	}
	release()
}

// TestBufferMemoryBoundUnderLoad samples buffer-available-bytes while
// many goroutines produce into a stalled broker: the producer never holds
// more than buffer.memory, and every record gets exactly one outcome.
func TestBufferMemoryBoundUnderLoad(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(3, "bp"))
	p := backpressureProducer(t, fake, 30*time.Second)
	ctx := context.Background()
	if _, err := p.SendSync(ctx, Record{Topic: "bp", Value: []byte("warm")}); err != nil {
		t.Fatal(err)
	}
	release := stallProduce(fake)
	defer release()
	stop := make(chan struct{})
	sampled := make(chan float64, 1)
	go func() {
		low := float64(bpBufferMemory)
		for {
			select {
			case <-stop:
				sampled <- low
				return
			default:
			}
			v, _ := p.Metrics().Value("producer-metrics", "buffer-available-bytes")
			if v < 0 || v > bpBufferMemory {
				t.Errorf("buffer-available-bytes %v outside [0, %d]", v, bpBufferMemory)
			}
			low = min(low, v)
			time.Sleep(time.Millisecond)
		}
	}()
	const workers, each = 8, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	calls := map[string]int{}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("%d-%d", w, i)
				p.Produce(ctx, Record{Topic: "bp", Key: []byte(id), Value: make([]byte, 700)}, func(_ RecordMetadata, err error) {
					if err != nil {
						t.Errorf("record %s: %v", id, err)
					}
					mu.Lock()
					calls[id]++
					mu.Unlock()
				})
			}
		}()
	}
	waitFor(t, "producers to block on memory", func() bool { return metric(t, p, "waiting-threads") > 0 })
	release()
	wg.Wait()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	if low := <-sampled; low >= bpBatchSize {
		t.Errorf("buffer-available-bytes never fell below one batch (lowest %v)", low)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != workers*each {
		t.Fatalf("%d records had outcomes, want %d", len(calls), workers*each)
	}
	for id, n := range calls {
		if n != 1 {
			t.Fatalf("record %s had %d outcomes", id, n)
		}
	}
}

// TestBatchSizeAboveBufferMemory: a batch.size larger than buffer.memory
// must not make every record wait max.block.ms for memory that can never
// be free; records that fit in buffer.memory are sent.
func TestBatchSizeAboveBufferMemory(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "small"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.BufferMemory, c.BatchSize, c.MaxBlock = 8192, 16384, 2*time.Second
	})
	ctx := context.Background()
	for i := range 20 {
		if _, err := p.SendSync(ctx, Record{Topic: "small", Value: make([]byte, 500)}); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
}
