package samsa

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestFlushWaitsForACallbackUnderWay: a Flush called while the last
// record's callback runs returns only after that callback returned, as
// Flush's contract (and Java's flush) says.
func TestFlushWaitsForACallbackUnderWay(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	p.Produce(ctx, Record{Topic: "t", Value: []byte("v")}, func(_ RecordMetadata, err error) {
		if err != nil {
			t.Errorf("record failed: %v", err)
		}
		close(started)
		<-release
		finished.Store(true)
	})
	<-started
	flushed := make(chan bool, 1)
	go func() {
		if err := p.Flush(ctx); err != nil {
			t.Errorf("Flush: %v", err)
		}
		flushed <- finished.Load()
	}()
	select {
	case saw := <-flushed:
		close(release)
		t.Fatalf("Flush returned while the callback was still running (callback finished: %v)", saw)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if !<-flushed {
		t.Fatal("Flush returned before the callback finished")
	}
}

// insideCallback produces one record to "t" and, inside its callback,
// produces a second one to the same partition and runs call, whose error
// it returns. The second record's outcome goes to second. It fails the
// test if call does not return: before calls inside callbacks were
// refused, a Flush there waited for the second record, which the
// callback's own goroutine was to deliver.
func insideCallback(t *testing.T, p *Producer, second chan<- error, call func() error) error {
	t.Helper()
	ctx := context.Background()
	res := make(chan error, 1)
	p.Produce(ctx, Record{Topic: "t", Value: []byte("first")}, func(_ RecordMetadata, err error) {
		if err != nil {
			t.Errorf("first record: %v", err)
		}
		p.Produce(ctx, Record{Topic: "t", Value: []byte("second")}, func(_ RecordMetadata, err error) { second <- err })
		res <- call()
	})
	select {
	case err := <-res:
		return err
	case <-time.After(time.Minute):
		t.Fatal("the call inside the callback did not return")
		return nil
	}
}

// TestFlushInsideACallbackIsRefused: Flush inside a callback returns
// ErrInsideCallback at once instead of waiting for itself (it waited until
// its context ended), and the producer goes on: both records arrive.
func TestFlushInsideACallbackIsRefused(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	second := make(chan error, 1)
	err := insideCallback(t, p, second, func() error { return p.Flush(context.Background()) })
	if !errors.Is(err, ErrInsideCallback) {
		t.Fatalf("Flush inside a callback: %v, want ErrInsideCallback", err)
	}
	if err := p.Flush(context.Background()); err != nil {
		t.Fatalf("Flush outside the callback: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("the record produced inside the callback: %v", err)
	}
	recs := consumeAll(t, fake.ListenAddrs(), "t", 2)
	if len(recs) != 2 || string(recs[0].Value) != "first" || string(recs[1].Value) != "second" {
		t.Fatalf("read %d records, want first and second", len(recs))
	}
}

// TestCloseInsideACallback: Close inside a callback returns
// ErrInsideCallback without waiting for itself (it waited until its
// context ended, for ever with context.Background), the producer closes,
// and a Close from another goroutine waits for that.
func TestCloseInsideACallback(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	second := make(chan error, 1)
	err := insideCallback(t, p, second, func() error { return p.Close(context.Background()) })
	if !errors.Is(err, ErrInsideCallback) {
		t.Fatalf("Close inside a callback: %v, want ErrInsideCallback", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- p.Close(context.Background()) }()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close after a Close inside a callback did not return")
	}
	// The second record was produced before Close: it either arrived or
	// failed as the Java client's close(0) fails it.
	if err := <-second; err != nil && !errors.Is(err, ErrProducerClosed) {
		t.Fatalf("the record produced inside the callback: %v, want success or ErrProducerClosed", err)
	}
	after := make(chan error, 1)
	p.Produce(context.Background(), Record{Topic: "t", Value: []byte("late")}, func(_ RecordMetadata, err error) { after <- err })
	if err := <-after; !errors.Is(err, ErrProducerClosed) {
		t.Fatalf("Produce after Close: %v, want ErrProducerClosed", err)
	}
}

// TestTransactionEndInsideACallbackIsRefused: CommitTransaction and
// AbortTransaction inside a callback return ErrInsideCallback (each would
// wait for the records its own goroutine delivers), and the transaction
// can still be committed from outside.
func TestTransactionEndInsideACallbackIsRefused(t *testing.T) {
	c := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	p := lingeringTxnProducer(t, c.ListenAddrs())
	ctx := begin(t, p)
	got := make(chan [2]error, 1)
	p.Produce(ctx, Record{Topic: "t", Value: []byte("a")}, nil)
	p.Produce(ctx, Record{Topic: "t", Value: []byte("b")}, func(_ RecordMetadata, err error) {
		if err != nil {
			t.Errorf("record b: %v", err)
		}
		got <- [2]error{p.CommitTransaction(ctx), p.AbortTransaction(ctx)}
	})
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	errs := <-got
	for i, name := range []string{"CommitTransaction", "AbortTransaction"} {
		if !errors.Is(errs[i], ErrInsideCallback) {
			t.Errorf("%s inside a callback: %v, want ErrInsideCallback", name, errs[i])
		}
	}
	if err := p.CommitTransaction(ctx); err != nil {
		t.Fatalf("CommitTransaction outside the callback: %v", err)
	}
	recs := consumeAll(t, c.ListenAddrs(), "t", 2, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if len(recs) != 2 {
		t.Fatalf("read_committed: %d records, want 2", len(recs))
	}
}

// TestProduceInsideACallbackDoesNotWaitForMemory: a Produce inside a
// callback that finds buffer.memory in use fails at once with
// ErrBufferExhausted instead of waiting for memory that only its own
// goroutine's next deliveries free. It waited max.block.ms (an hour
// here) with every delivery behind it held up.
func TestProduceInsideACallbackDoesNotWaitForMemory(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.BatchSize = 16 << 10
		c.BufferMemory = 32 << 10 // two batches: the first two records' own
		c.MaxBlock = time.Hour
	})
	ctx := context.Background()
	value := make([]byte, 10<<10) // one record per batch
	nested := make(chan error, 1)
	second := make(chan error, 1)
	p.Produce(ctx, Record{Topic: "t", Value: value}, func(_ RecordMetadata, err error) {
		if err != nil {
			t.Errorf("first record: %v", err)
		}
		// The second record's batch and this one's still hold all of
		// buffer.memory: this one's is returned after its callbacks.
		p.Produce(ctx, Record{Topic: "t", Value: value}, func(_ RecordMetadata, err error) { nested <- err })
	})
	p.Produce(ctx, Record{Topic: "t", Value: value}, func(_ RecordMetadata, err error) { second <- err })
	select {
	case err := <-nested:
		wantErr(t, err, ErrBufferExhausted, "inside a delivery callback", "buffer.memory=32768")
	case <-time.After(time.Minute):
		t.Fatal("the Produce inside the callback waited for buffer memory")
	}
	if err := <-second; err != nil {
		t.Fatalf("second record: %v", err)
	}
	if recs := consumeAll(t, fake.ListenAddrs(), "t", 2); len(recs) != 2 {
		t.Fatalf("read %d records, want 2", len(recs))
	}
}

// TestSendSyncInsideACallbackIsRefused: SendSync and SendSyncAll inside a
// callback return ErrInsideCallback without sending (SendSync waited for
// an outcome that the callback's own goroutine was to deliver, until its
// context ended), and Transact begins no transaction there.
func TestSendSyncInsideACallbackIsRefused(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	second := make(chan error, 1)
	err := insideCallback(t, p, second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := p.SendSync(ctx, Record{Topic: "t", Value: []byte("sync")})
		all := p.SendSyncAll(ctx, []Record{{Topic: "t", Value: []byte("all")}})
		if len(all) != 1 || !errors.Is(all[0].Err, ErrInsideCallback) {
			t.Errorf("SendSyncAll inside a callback: %+v, want one ErrInsideCallback", all)
		}
		if terr := p.Transact(ctx, func(context.Context) error { return nil }); !errors.Is(terr, ErrInsideCallback) {
			t.Errorf("Transact inside a callback: %v, want ErrInsideCallback", terr)
		}
		return err
	})
	if !errors.Is(err, ErrInsideCallback) {
		t.Fatalf("SendSync inside a callback: %v, want ErrInsideCallback", err)
	}
	if err := p.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatalf("the record produced inside the callback: %v", err)
	}
	// Nothing else was written: the next record lands at offset 2.
	md, err := p.SendSync(context.Background(), Record{Topic: "t", Value: []byte("marker")})
	if err != nil || md.Offset != 2 {
		t.Fatalf("marker record at offset %d (%v), want 2: a refused call sent its records", md.Offset, err)
	}
}

// TestFutureWaitInsideACallback: inside a callback, Wait on the Future of
// a record without its outcome returns ErrInsideCallback instead of
// waiting for the callback's own goroutine; the record goes on, and its
// Future completes once the callback returned.
func TestFutureWaitInsideACallback(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	futures := make(chan *Future, 1)
	second := make(chan error, 1)
	err := insideCallback(t, p, second, func() error {
		f := p.Send(context.Background(), Record{Topic: "t", Value: []byte("future")})
		futures <- f
		_, err := f.Wait(context.Background())
		return err
	})
	if !errors.Is(err, ErrInsideCallback) {
		t.Fatalf("Future.Wait inside a callback: %v, want ErrInsideCallback", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	md, err := (<-futures).Wait(ctx)
	if err != nil || md.Offset != 2 {
		t.Fatalf("the Future's record: offset %d, %v; want offset 2", md.Offset, err)
	}
}

// TestProduceInsideACallbackToATopicNotKnownYet: a Produce inside a
// callback to a topic whose metadata is not known does not hold up the
// callback (it held it, and every delivery behind it, until the metadata
// came or max.block.ms passed, once per record): the records wait for the
// topic on their own, and are appended in order once it exists.
func TestProduceInsideACallbackToATopicNotKnownYet(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.MaxBlock = 10 * time.Minute })
	ctx := context.Background()
	late := make(chan RecordMetadata, 2)
	returned := make(chan struct{})
	p.Produce(ctx, Record{Topic: "t", Value: []byte("a")}, func(_ RecordMetadata, err error) {
		for _, v := range []string{"x1", "x2"} {
			value := []byte(v)
			p.Produce(ctx, Record{Topic: "late", Value: value}, func(md RecordMetadata, err error) {
				if err != nil {
					t.Errorf("record %s to the late topic: %v", v, err)
				}
				late <- md
			})
			copy(value, "zz") // the caller may reuse its slices once Produce returned
		}
		close(returned)
	})
	select {
	case <-returned:
	case <-time.After(time.Minute):
		t.Fatal("the callback waited for the metadata of a topic that does not exist yet")
	}
	if err := fake.CreateTopic("late", 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil { // waits for the parked records too
		t.Fatalf("Flush: %v", err)
	}
	if a, b := <-late, <-late; a.Offset != 0 || b.Offset != 1 {
		t.Fatalf("late topic offsets %d, %d; want 0, 1", a.Offset, b.Offset)
	}
	recs := consumeAll(t, fake.ListenAddrs(), "late", 2)
	if len(recs) != 2 || string(recs[0].Value) != "x1" || string(recs[1].Value) != "x2" {
		t.Fatalf("late topic holds %d records, want x1 then x2", len(recs))
	}
}

// TestCloseFailsRecordsWaitingForATopicFromACallback: records produced
// inside a callback to a topic that never appears fail with
// ErrProducerClosed when Close's context ends, and Close returns.
func TestCloseFailsRecordsWaitingForATopicFromACallback(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.MaxBlock = 10 * time.Minute })
	ctx := context.Background()
	never := make(chan error, 1)
	if _, err := produceWait(t, p, ctx, Record{Topic: "t", Value: []byte("warm")}); err != nil {
		t.Fatal(err)
	}
	parked := make(chan struct{})
	p.Produce(ctx, Record{Topic: "t", Value: []byte("a")}, func(RecordMetadata, error) {
		p.Produce(ctx, Record{Topic: "never", Value: []byte("x")}, func(_ RecordMetadata, err error) { never <- err })
		close(parked)
	})
	<-parked
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- p.Close(cctx) }()
	select {
	case err := <-never:
		if !errors.Is(err, ErrProducerClosed) {
			t.Fatalf("the record waiting for a topic that never appears: %v, want ErrProducerClosed", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the record waiting for a topic that never appears got no outcome at Close")
	}
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close did not return")
	}
}

// TestFlushInsideTheCallbackOfAParkedRecord: the callback of a record
// that waited for its topic's metadata (produced inside a callback) runs
// on the goroutine that appends such records, and a Flush there, which
// would wait for that goroutine, is refused as in any callback.
func TestFlushInsideTheCallbackOfAParkedRecord(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.MaxBlock = 100 * time.Millisecond })
	ctx := context.Background()
	flushed := make(chan [2]error, 1)
	p.Produce(ctx, Record{Topic: "t", Value: []byte("a")}, func(RecordMetadata, error) {
		p.Produce(ctx, Record{Topic: "never", Value: []byte("x")}, func(_ RecordMetadata, err error) {
			fctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			flushed <- [2]error{err, p.Flush(fctx)}
		})
	})
	select {
	case errs := <-flushed:
		wantErr(t, errs[0], ErrUnknownTopic, `"never"`, "max.block.ms=100ms")
		if !errors.Is(errs[1], ErrInsideCallback) {
			t.Fatalf("Flush in the parked record's callback: %v, want ErrInsideCallback", errs[1])
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the parked record's callback did not finish")
	}
}
