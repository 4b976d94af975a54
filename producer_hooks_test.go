package samsa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// funcHook is a SendHook and an AckHook made of two functions.
type funcHook struct {
	send func(*Record)
	ack  func(RecordMetadata, error)
}

func (f *funcHook) OnSend(ctx context.Context, r *Record) context.Context {
	if f.send != nil {
		f.send(r)
	}
	return ctx
}

func (f *funcHook) OnAcknowledgement(_ context.Context, a *Ack) {
	if f.ack != nil {
		f.ack(a.Metadata, a.Err)
	}
}

// TestSendHookModifiesRecord: what OnSend makes of the record is what
// is sent, partitioned and read back; hooks run in order.
func TestSendHookModifiesRecord(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(4, "in", "out"))
	first := &funcHook{send: func(r *Record) {
		r.Value = bytes.ToUpper(r.Value)
		r.Headers = append(r.Headers, Header{Key: "traced", Value: []byte("1")})
		if string(r.Key) == "redirect" {
			r.Topic = "out"
			r.Partition = PartitionOf(3)
		}
	}}
	second := &funcHook{send: func(r *Record) {
		r.Headers = append(r.Headers, Header{Key: "second-saw", Value: r.Value}) // after the first
	}}
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Hooks = []Hook{first, second} })
	ctx := context.Background()
	md, err := p.SendSync(ctx, Record{Topic: "in", Key: []byte("k"), Value: []byte("hello"), Partition: PartitionOf(1)})
	if err != nil || md.Topic != "in" || md.Partition != 1 || md.SerializedValueSize != 5 {
		t.Fatalf("first record: %+v %v", md, err)
	}
	md, err = p.SendSync(ctx, Record{Topic: "in", Key: []byte("redirect"), Value: []byte("moved")})
	if err != nil || md.Topic != "out" || md.Partition != 3 {
		t.Fatalf("redirected record: %+v %v", md, err)
	}
	got := consumeAll(t, fake.ListenAddrs(), "in", 1)[0]
	if string(got.Value) != "HELLO" || got.Partition != 1 || len(got.Headers) != 2 ||
		got.Headers[0].Key != "traced" || got.Headers[1].Key != "second-saw" || string(got.Headers[1].Value) != "HELLO" {
		t.Fatalf("read back %q at partition %d with headers %v", got.Value, got.Partition, got.Headers)
	}
	moved := consumeAll(t, fake.ListenAddrs(), "out", 1)[0]
	if string(moved.Value) != "MOVED" || moved.Partition != 3 || string(moved.Key) != "redirect" {
		t.Fatalf("redirected record read back as %q at %d", moved.Value, moved.Partition)
	}
}

// ackLog counts OnAcknowledgement calls by record identity.
type ackLog struct {
	mu       sync.Mutex
	ok       map[string]int // "partition/offset"
	failures []error
}

func (a *ackLog) hook() *funcHook {
	return &funcHook{ack: func(md RecordMetadata, err error) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if err != nil {
			a.failures = append(a.failures, err)
			return
		}
		a.ok[fmt.Sprintf("%d/%d", md.Partition, md.Offset)]++
	}}
}

func (a *ackLog) seen(md RecordMetadata) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ok[fmt.Sprintf("%d/%d", md.Partition, md.Offset)]
}

// TestAckHookSeesEveryOutcomeOnce: successes, immediate failures and
// delivery failures each reach OnAcknowledgement exactly once, before the
// record's own callback.
func TestAckHookSeesEveryOutcomeOnce(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(3, "acks"))
	acks := &ackLog{ok: map[string]int{}}
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.Hooks = []Hook{acks.hook()}
		c.MaxRequestSize = 4096
	})
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var good []RecordMetadata
	bad := 0
	const n = 300
	for i := range n {
		r := Record{Topic: "acks", Key: []byte(fmt.Sprint(i)), Value: []byte("v")}
		switch i % 10 {
		case 3:
			r.Partition = PartitionOf(99)
		case 7:
			r.Value = make([]byte, 5000)
		}
		wg.Add(1)
		p.Produce(ctx, r, func(md RecordMetadata, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				bad++
				return
			}
			if acks.seen(md) != 1 {
				t.Errorf("record at %v: the hook had not seen it before its callback", md)
			}
			good = append(good, md)
		})
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(good) != n-n/5 || bad != n/5 {
		t.Fatalf("%d good, %d bad", len(good), bad)
	}
	acks.mu.Lock()
	if len(acks.ok) != len(good) || len(acks.failures) != bad {
		t.Fatalf("hook saw %d successes and %d failures; callbacks %d and %d", len(acks.ok), len(acks.failures), len(good), bad)
	}
	for k, c := range acks.ok {
		if c != 1 {
			t.Fatalf("record %s acknowledged to the hook %d times", k, c)
		}
	}
	for _, err := range acks.failures {
		if !errors.Is(err, ErrInvalidPartition) && !errors.Is(err, ErrRecordTooLarge) {
			t.Fatalf("hook saw failure %v", err)
		}
	}
	acks.mu.Unlock()

	// Failures decided after sending (here a delivery timeout) reach it too.
	slow := &ackLog{ok: map[string]int{}}
	p2 := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.Hooks = []Hook{slow.hook()}
		c.Linger, c.RequestTimeout, c.DeliveryTimeout = 0, 300*time.Millisecond, 600*time.Millisecond
	})
	if _, err := p2.PartitionsFor(ctx, "acks"); err != nil {
		t.Fatal(err)
	}
	release := stallProduce(fake)
	defer release()
	res := p2.SendSyncAll(ctx, []Record{{Topic: "acks", Value: []byte("a")}, {Topic: "acks", Value: []byte("b")}})
	for i, r := range res {
		if !errors.Is(r.Err, ErrDeliveryTimeout) {
			t.Fatalf("record %d: %v, want a delivery timeout", i, r.Err)
		}
	}
	slow.mu.Lock()
	defer slow.mu.Unlock()
	if len(slow.failures) != 2 || len(slow.ok) != 0 {
		t.Fatalf("hook saw %d failures and %d successes, want 2 and 0", len(slow.failures), len(slow.ok))
	}
	for _, err := range slow.failures {
		if !errors.Is(err, ErrDeliveryTimeout) {
			t.Fatalf("hook saw %v", err)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type panicky struct{}

func (panicky) OnSend(ctx context.Context, r *Record) context.Context {
	if string(r.Key) == "boom" {
		panic("send exploded")
	}
	return ctx
}

func (panicky) OnAcknowledgement(_ context.Context, a *Ack) {
	if a.Metadata.Offset%2 == 1 {
		panic(fmt.Sprintf("ack exploded at %d", a.Metadata.Offset))
	}
}

// TestHookPanicRecovered: panics in OnSend and OnAcknowledgement are
// logged, later hooks still run, and every record is delivered and gets
// its callback.
func TestHookPanicRecovered(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "p"))
	var logs syncBuffer
	after := &ackLog{ok: map[string]int{}}
	var sendsAfter int
	var sendMu sync.Mutex
	counter := after.hook()
	counter.send = func(*Record) { sendMu.Lock(); sendsAfter++; sendMu.Unlock() }
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.Hooks = []Hook{panicky{}, counter}
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	const n = 20
	var recs []Record
	for i := range n {
		key := "ok"
		if i%4 == 0 {
			key = "boom"
		}
		recs = append(recs, Record{Topic: "p", Key: []byte(key), Value: []byte(fmt.Sprint(i))})
	}
	for i, r := range p.SendSyncAll(ctx, recs) {
		if r.Err != nil || r.Metadata.Offset != int64(i) {
			t.Fatalf("record %d: %v at offset %d", i, r.Err, r.Metadata.Offset)
		}
	}
	got := consumeAll(t, fake.ListenAddrs(), "p", n)
	for i, r := range got {
		if string(r.Value) != fmt.Sprint(i) {
			t.Fatalf("offset %d holds %q", i, r.Value)
		}
	}
	sendMu.Lock()
	if sendsAfter != n {
		t.Fatalf("the hook after the panicking one saw %d of %d sends", sendsAfter, n)
	}
	sendMu.Unlock()
	after.mu.Lock()
	if len(after.ok) != n {
		t.Fatalf("the hook after the panicking one saw %d of %d acknowledgements", len(after.ok), n)
	}
	after.mu.Unlock()
	out := logs.String()
	for _, want := range []string{"hook panicked", "method=OnSend", "send exploded", "method=OnAcknowledgement", "ack exploded at 1", "samsa.panicky"} {
		if !strings.Contains(out, want) {
			t.Fatalf("log lacks %q:\n%s", want, out)
		}
	}
	if c := strings.Count(out, "send exploded"); c != n/4 {
		t.Fatalf("%d OnSend panics logged, want %d", c, n/4)
	}
	if c := strings.Count(out, "ack exploded"); c != n/2 {
		t.Fatalf("%d OnAcknowledgement panics logged, want %d", c, n/2)
	}
	// The producer still works.
	if _, err := p.SendSync(ctx, Record{Topic: "p", Key: []byte("boom")}); err != nil {
		t.Fatal(err)
	}
}
