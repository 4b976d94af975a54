package samsa_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Hangs found by TestStallProperty, each reduced to a deterministic test.

// awaitOrDump waits for done, failing t with every goroutine's stack if
// it does not come within limit, a watchdog far beyond any wait of the
// test's own.
func awaitOrDump(t *testing.T, done <-chan struct{}, limit time.Duration, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s did not return within %v: hung.\n\nall goroutines:\n%s", what, limit, allStacks())
	}
}

// TestStickyBatchSizeZeroAppends: batch.size=0 (no batching: a batch per
// record) with records that name neither key nor partition, so that the
// sticky partitioner places them. The sticky lane used to retire its
// partition before appending anything there (no record fits in the 0
// bytes of batch.size) and switch to the next, which it retired the same
// way, forever: the first Produce spun and never returned (found by
// TestStallProperty, seed 28). As the Java client does, a sticky
// partition takes at least one record before it switches.
func TestStickyBatchSizeZeroAppends(t *testing.T) {
	const topic, n = "nobatch", 20
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = fake.ListenAddrs()
	cfg.BatchSize = 0
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	mds := make([]samsa.RecordMetadata, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range mds {
			md, err := p.SendSync(context.Background(), samsa.Record{Topic: topic, Value: []byte(fmt.Sprint(i))})
			if err != nil {
				t.Errorf("record %d: %v", i, err)
			}
			mds[i] = md
		}
	}()
	awaitOrDump(t, done, time.Minute, "SendSync with batch.size=0")
	got := map[string][2]int64{}
	for _, r := range readBack(t, cfg.BootstrapServers, topic) {
		got[string(r.Value)] = [2]int64{int64(r.Partition), r.Offset}
	}
	parts := map[int32]bool{}
	for i, md := range mds {
		if at, ok := got[fmt.Sprint(i)]; !ok || at != [2]int64{int64(md.Partition), md.Offset} {
			t.Errorf("record %d acknowledged at %d@%d; in the log: %v (found %v)", i, md.Partition, md.Offset, at, ok)
		}
		parts[md.Partition] = true
	}
	if len(got) != n || len(parts) < 2 {
		t.Errorf("the log holds %d records (want %d) over %d partitions (want the sticky choice to move)", len(got), n, len(parts))
	}
}

// TestCloseFailsInFlightRequestsOutsideBrokerLock: Close cuts off a
// produce request still unanswered (the broker holds it), and the batch,
// out of retries, fails. Closing the broker's connections used to run the
// request's failure, and so the batch's completion and the epoch bump its
// lost sequence numbers ask for, under the broker's mutex: the race
// build's lock-order check panicked (txn.Manager.mu taken under
// cluster.Broker.mu; found by TestStallProperty, seed 1020). The
// connections are now closed after the mutex is released. The callback
// reads the producer's metrics, which take that mutex, in case it runs
// there.
func TestCloseFailsInFlightRequestsOutsideBrokerLock(t *testing.T) {
	const topic = "held"
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	held, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	var produces atomic.Int32
	fake.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		switch produces.Add(1) {
		case 1: // retriable: the batch goes again, its last attempt
			return respond.ProduceError(r.(*kmsg.ProduceRequest), int16(kerr.NotEnoughReplicas), 0), nil, true
		case 2: // held unanswered until the test ends
			close(held)
			<-release
		}
		return nil, nil, false
	})
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = fake.ListenAddrs()
	cfg.Idempotence, cfg.Retries = samsa.IdempotenceOn, 1
	cfg.RetryBackoff, cfg.RetryBackoffMax = time.Millisecond, time.Millisecond
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var outcome error
	p.Produce(context.Background(), samsa.Record{Topic: topic, Value: []byte("v")}, func(_ samsa.RecordMetadata, err error) {
		p.Metrics() // a callback may read the producer's state
		outcome = err
		calls.Add(1)
	})
	awaitOrDump(t, held, time.Minute, "the retry")
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := p.Close(ctx); err == nil {
			t.Errorf("Close returned nil, yet it cut a record off")
		}
	}()
	awaitOrDump(t, closed, time.Minute, "Close")
	if n := calls.Load(); n != 1 || outcome == nil {
		t.Fatalf("callback ran %d times, last with %v; want once, with an error", n, outcome)
	}
}

// TestInitTransactionsReturnsOnClose: InitTransactions with
// context.Background while its coordinator keeps answering with a
// retriable error, and Close meanwhile; and InitTransactions after Close.
// The coordinator loop retried until the caller's context ended, closed
// cluster or not (every broker "left the cluster"), so such a call never
// returned (found by TestStallProperty, seed 6230, where Close came 49 ms
// into the run and InitTransactions waited out its 10 s context twice).
// The transactional calls now end when the producer closes, with
// ErrProducerClosed.
func TestInitTransactionsReturnsOnClose(t *testing.T) {
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	asked := make(chan struct{})
	var once sync.Once
	fake.ControlKey(int16(kmsg.InitProducerID), func(r kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		once.Do(func() { close(asked) })
		return respond.Error(r, int16(kerr.CoordinatorNotAvailable)), nil, true
	})
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = fake.ListenAddrs()
	cfg.TransactionalID = "never-initialized"
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	initErr := make(chan error, 1)
	go func() { initErr <- p.InitTransactions(context.Background()) }()
	awaitOrDump(t, asked, time.Minute, "the first InitProducerId")
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_ = p.Close(context.Background())
	}()
	awaitOrDump(t, closed, time.Minute, "Close")
	var got error
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		got = <-initErr
	}()
	awaitOrDump(t, returned, time.Minute, "InitTransactions under way when Close ran")
	if !errors.Is(got, samsa.ErrProducerClosed) {
		t.Errorf("InitTransactions under way when Close ran: %v, want ErrProducerClosed", got)
	}
	late := make(chan struct{})
	go func() {
		defer close(late)
		got = p.InitTransactions(context.Background())
	}()
	awaitOrDump(t, late, time.Minute, "InitTransactions after Close")
	if !errors.Is(got, samsa.ErrProducerClosed) {
		t.Errorf("InitTransactions after Close: %v, want ErrProducerClosed", got)
	}
}
