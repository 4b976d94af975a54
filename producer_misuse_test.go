package samsa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// outcome is one record's result as its callback saw it.
type outcome struct {
	md    RecordMetadata
	err   error
	calls int
}

// produceWait produces r and waits for its callback, failing the test if
// the callback does not run within a generous timeout.
func produceWait(t *testing.T, p *Producer, ctx context.Context, r Record) (RecordMetadata, error) {
	t.Helper()
	done := make(chan outcome, 2)
	p.Produce(ctx, r, func(md RecordMetadata, err error) { done <- outcome{md: md, err: err} })
	select {
	case o := <-done:
		return o.md, o.err
	case <-time.After(30 * time.Second):
		t.Fatalf("no outcome for a record to %q", r.Topic)
	}
	return RecordMetadata{}, nil
}

// wantErr checks that err matches target and that its message contains
// every one of parts.
func wantErr(t *testing.T, err, target error, parts ...string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want one matching %v", err, target)
	}
	for _, s := range parts {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not mention %q", err, s)
		}
	}
}

func TestValidateTopicNames(t *testing.T) {
	long := strings.Repeat("t", 250)
	bad := []struct {
		name  string
		parts []string
	}{
		{"", []string{"empty"}},
		{long, []string{"250", "249"}},
		{".", []string{`"."`}},
		{"..", []string{`".."`}},
		{"has space", []string{`"has space"`, "' '", "position 3"}},
		{"slash/topic", []string{`"slash/topic"`, "'/'", "position 5"}},
		{"café", []string{`"café"`, "position 3"}},
		{"nul\x00", []string{"position 3"}},
	}
	for _, c := range bad {
		wantErr(t, validateTopic(c.name), ErrInvalidTopic, c.parts...)
	}
	for _, ok := range []string{"a", "...", "a.b_c-D9", strings.Repeat("x", 249)} {
		if err := validateTopic(ok); err != nil {
			t.Errorf("validateTopic(%q): %v", ok, err)
		}
	}
}

func TestProduceInvalidTopic(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "ok"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	ctx := context.Background()
	for _, name := range []string{"", ".", "..", "bad topic", strings.Repeat("x", 300)} {
		md, err := produceWait(t, p, ctx, Record{Topic: name, Value: []byte("v")})
		wantErr(t, err, ErrInvalidTopic)
		if md.Topic != name || md.Offset != -1 || md.Partition != -1 {
			t.Errorf("metadata for the invalid topic %q: %+v", name, md)
		}
		if err := p.TryProduce(Record{Topic: name}, nil); !errors.Is(err, ErrInvalidTopic) {
			t.Errorf("TryProduce(%q): %v, want ErrInvalidTopic", name, err)
		}
		if _, err := p.SendSync(ctx, Record{Topic: name}); !errors.Is(err, ErrInvalidTopic) {
			t.Errorf("SendSync(%q): %v, want ErrInvalidTopic", name, err)
		}
		if _, err := p.PartitionsFor(ctx, name); !errors.Is(err, ErrInvalidTopic) {
			t.Errorf("PartitionsFor(%q): %v, want ErrInvalidTopic", name, err)
		}
	}
	// The producer is unharmed.
	if _, err := p.SendSync(ctx, Record{Topic: "ok", Value: []byte("fine")}); err != nil {
		t.Fatal(err)
	}
}

func TestProduceUnknownTopicAfterMaxBlock(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "exists")) // no auto-creation
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.MaxBlock = 300 * time.Millisecond })
	start := time.Now()
	_, err := produceWait(t, p, context.Background(), Record{Topic: "missing-topic", Value: []byte("v")})
	wantErr(t, err, ErrUnknownTopic, `"missing-topic"`, "max.block.ms")
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("failed after %v, before max.block.ms=300ms", waited)
	}
	if _, err := p.PartitionsFor(context.Background(), "missing-topic"); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("PartitionsFor: %v, want ErrUnknownTopic", err)
	}
	err = p.TryProduce(Record{Topic: "missing-topic"}, nil)
	wantErr(t, err, ErrWouldBlock, `"missing-topic"`)
}

func TestProduceRecordTooLarge(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "big"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.MaxRequestSize = 2000
		c.BatchSize = 1000
		c.BufferMemory = 100_000
	})
	ctx := context.Background()
	_, err := produceWait(t, p, ctx, Record{Topic: "big", Value: make([]byte, 5000)})
	wantErr(t, err, ErrRecordTooLarge, `"big"`, "max.request.size=2000")
	var tl *RecordTooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("%T is not a *RecordTooLargeError", err)
	}
	if tl.Topic != "big" || tl.Max != 2000 || tl.Setting != "max.request.size" || tl.Size <= 5000 || tl.Size > 5200 {
		t.Fatalf("RecordTooLargeError %+v", tl)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(tl.Size)) {
		t.Fatalf("error %q does not give the record's size %d", err, tl.Size)
	}
	// Key and headers count too.
	_, err = produceWait(t, p, ctx, Record{Topic: "big", Key: make([]byte, 1500), Headers: []Header{{Key: "h", Value: make([]byte, 600)}}})
	wantErr(t, err, ErrRecordTooLarge, "max.request.size=2000")

	// A record just under the limit goes through.
	if _, err := p.SendSync(ctx, Record{Topic: "big", Value: make([]byte, 1800)}); err != nil {
		t.Fatalf("a record under max.request.size: %v", err)
	}
}

func TestProduceRecordLargerThanBufferMemory(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "big"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.BufferMemory = 4096
		c.BatchSize = 1024
	})
	_, err := produceWait(t, p, context.Background(), Record{Topic: "big", Value: make([]byte, 10_000)})
	wantErr(t, err, ErrRecordTooLarge, `"big"`, "buffer.memory=4096")
	var tl *RecordTooLargeError
	if !errors.As(err, &tl) || tl.Setting != "buffer.memory" || tl.Max != 4096 || tl.Size <= 10_000 {
		t.Fatalf("error %v (%+v)", err, tl)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(tl.Size)) {
		t.Fatalf("error %q does not give the record's size %d", err, tl.Size)
	}
}

func TestProduceInvalidExplicitPartition(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(3, "three"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	ctx := context.Background()
	for _, n := range []int32{-1, -100, 3, 1000} {
		md, err := produceWait(t, p, ctx, Record{Topic: "three", Partition: PartitionOf(n), Value: []byte("v")})
		wantErr(t, err, ErrInvalidPartition, fmt.Sprintf("partition %d", n), `"three"`, "3 partitions")
		if md.Partition != n {
			t.Errorf("metadata partition %d, want the requested %d", md.Partition, n)
		}
	}
	md, err := p.SendSync(ctx, Record{Topic: "three", Partition: PartitionOf(2), Value: []byte("v")})
	if err != nil || md.Partition != 2 {
		t.Fatalf("partition 2: %v %v", md, err)
	}
}

func TestProducePartitionerOutOfRange(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(2, "two"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.Partitioner = PartitionerFunc(func(_ string, key []byte, all, _ []int32) int32 {
			if string(key) == "bad" {
				return int32(len(all)) + 5
			}
			return 1
		})
	})
	_, err := produceWait(t, p, context.Background(), Record{Topic: "two", Key: []byte("bad")})
	wantErr(t, err, ErrInvalidPartition, "partitioner", "partition 7", `"two"`, "2 partitions")
	md, err := p.SendSync(context.Background(), Record{Topic: "two", Key: []byte("good")})
	if err != nil || md.Partition != 1 {
		t.Fatalf("good key: %v %v", md, err)
	}
}

func TestProduceAfterClose(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	ctx := context.Background()
	if _, err := p.SendSync(ctx, Record{Topic: "t", Value: []byte("before")}); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := produceWait(t, p, ctx, Record{Topic: "t", Value: []byte("after")})
	wantErr(t, err, ErrProducerClosed, "closed")
	if err := p.TryProduce(Record{Topic: "t"}, nil); !errors.Is(err, ErrProducerClosed) {
		t.Fatalf("TryProduce after Close: %v", err)
	}
	f := p.Send(ctx, Record{Topic: "t"})
	if _, done, err := f.Result(); !done || err == nil {
		t.Fatal("Send after Close did not fail at once")
	}
	if _, err := f.Wait(ctx); !errors.Is(err, ErrProducerClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	res := p.SendSyncAll(ctx, []Record{{Topic: "t"}, {Topic: "t"}})
	for i, r := range res {
		if !errors.Is(r.Err, ErrProducerClosed) {
			t.Fatalf("SendSyncAll after Close, record %d: %v", i, r.Err)
		}
	}
	// Closing and flushing again are harmless.
	if err := p.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.Flush(fctx); err != nil {
		t.Fatalf("Flush after Close: %v", err)
	}
}

func TestFlushAndCloseTwice(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(2, "t"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Linger, c.DeliveryTimeout = time.Hour, 2*time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var acked atomic.Int32
	for i := range 20 {
		p.Produce(ctx, Record{Topic: "t", Value: []byte(fmt.Sprint(i))}, func(_ RecordMetadata, err error) {
			if err == nil {
				acked.Add(1)
			}
		})
	}
	// With linger.ms an hour, only Flush sends the records.
	for range 2 {
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := acked.Load(); n != 20 {
		t.Fatalf("%d of 20 acknowledged after Flush", n)
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = p.Close(ctx) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Close %d: %v", i, err)
		}
	}
	recs := consumeAll(t, fake.ListenAddrs(), "t", 20)
	if len(recs) != 20 {
		t.Fatalf("read %d records, want 20", len(recs))
	}
}

// TestCloseDuringConcurrentProduce closes the producer while many
// goroutines produce: every record gets exactly one outcome, either an
// acknowledgement (and it is in the topic) or ErrProducerClosed.
func TestCloseDuringConcurrentProduce(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(3, "race"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	ctx := context.Background()
	if _, err := p.SendSync(ctx, Record{Topic: "race", Value: []byte("warm")}); err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 16, 300
	outcomes := make([][]outcome, workers)
	var mu sync.Mutex
	var wg, started sync.WaitGroup
	started.Add(workers)
	for w := range workers {
		outcomes[w] = make([]outcome, perWorker)
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			for i := range perWorker {
				r := Record{Topic: "race", Value: []byte(fmt.Sprintf("%d-%d", w, i))}
				if i%3 == 0 {
					r.Key = []byte(fmt.Sprint(i))
				}
				p.Produce(ctx, r, func(md RecordMetadata, err error) {
					mu.Lock()
					o := &outcomes[w][i]
					o.calls++
					o.md, o.err = md, err
					mu.Unlock()
				})
			}
		}()
	}
	started.Wait()
	time.Sleep(2 * time.Millisecond)
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := p.Close(cctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	acked := map[string]bool{}
	closed := 0
	for w := range outcomes {
		for i, o := range outcomes[w] {
			switch {
			case o.calls != 1:
				t.Fatalf("record %d-%d had %d outcomes", w, i, o.calls)
			case o.err == nil:
				acked[fmt.Sprintf("%d-%d", w, i)] = true
			case errors.Is(o.err, ErrProducerClosed):
				closed++
			default:
				t.Fatalf("record %d-%d: %v", w, i, o.err)
			}
		}
	}
	t.Logf("%d acknowledged, %d refused as closed", len(acked), closed)
	recs := consumeAll(t, fake.ListenAddrs(), "race", len(acked)+1)
	if len(recs) != len(acked)+1 {
		t.Fatalf("read %d records, %d were acknowledged", len(recs), len(acked)+1)
	}
	for _, r := range recs {
		if v := string(r.Value); v != "warm" && !acked[v] {
			t.Fatalf("record %q is in the topic but was not acknowledged", v)
		}
	}
}

func TestProduceContextAlreadyCancelled(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "known", "never-asked"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	// Waiting for metadata: the cancelled ctx ends the wait at once.
	_, err := produceWait(t, p, cancelled, Record{Topic: "never-asked", Value: []byte("v")})
	wantErr(t, err, context.Canceled, `"never-asked"`, "metadata")
	// No wait needed: ctx no longer matters and the record is delivered.
	if _, err := p.SendSync(context.Background(), Record{Topic: "known", Value: []byte("warm")}); err != nil {
		t.Fatal(err)
	}
	f := p.Send(cancelled, Record{Topic: "known", Value: []byte("v")})
	wctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	md, err := f.Wait(wctx)
	if err != nil || md.Offset != 1 {
		t.Fatalf("record with a cancelled ctx that did not need to wait: %v %v", md, err)
	}
}

// TestFailingRecordsDoNotHarmOthers interleaves records that fail at once
// with good ones: the good ones all arrive, in order.
func TestFailingRecordsDoNotHarmOthers(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(2, "mixed"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.MaxRequestSize = 4096 })
	ctx := context.Background()
	var mu sync.Mutex
	var bad, good int
	var wg sync.WaitGroup
	const n = 200
	for i := range n {
		r := Record{Topic: "mixed", Partition: PartitionOf(0), Value: []byte(fmt.Sprintf("good-%03d", i))}
		wantBad := true
		switch i % 4 {
		case 1:
			r.Topic = "bad topic"
		case 2:
			r.Partition = PartitionOf(9)
		case 3:
			r.Value = make([]byte, 8192)
		default:
			wantBad = false
		}
		wg.Add(1)
		p.Produce(ctx, r, func(_ RecordMetadata, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if (err != nil) != wantBad {
				t.Errorf("record %d: error %v, want failure %v", i, err, wantBad)
			}
			if err != nil {
				bad++
			} else {
				good++
			}
		})
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if good != n/4 || bad != n-n/4 {
		t.Fatalf("%d good and %d bad outcomes", good, bad)
	}
	recs := consumeAll(t, fake.ListenAddrs(), "mixed", n/4)
	for i, r := range recs {
		if want := fmt.Sprintf("good-%03d", i*4); string(r.Value) != want || r.Partition != 0 || r.Offset != int64(i) {
			t.Fatalf("record %d: %q at %d/%d, want %q at 0/%d", i, r.Value, r.Partition, r.Offset, want, i)
		}
	}
}

// TestInvalidTopicNonASCIIShownAsWritten: the offending character of an
// invalid topic name is quoted as the user wrote it (issue 12.5: a
// non-ASCII character was shown as one of its UTF-8 bytes, such as 'Ã'
// for 'é'), at its position counted in characters; a byte that is not
// UTF-8 at all is shown as a byte.
func TestInvalidTopicNonASCIIShownAsWritten(t *testing.T) {
	for _, c := range []struct {
		name string
		want string
	}{
		{"café", "the character 'é' at position 3"},
		{"データ", "the character 'デ' at position 0"},
		{"ab🙂c", "the character '🙂' at position 2"},
		{"Ωmega.events", "the character 'Ω' at position 0"},
		{"x\u00a0y", `the character '\u00a0' at position 1`},
		{"bad\xffname", "the byte 0xff at position 3, which is not UTF-8"},
	} {
		err := validateTopic(c.name)
		wantErr(t, err, ErrInvalidTopic, c.want, fmt.Sprintf("%q", c.name))
	}
	// A name of non-ASCII characters too long for Kafka is measured in
	// characters, not bytes.
	long := strings.Repeat("é", 250)
	wantErr(t, validateTopic(long), ErrInvalidTopic, "250 characters long")
}
