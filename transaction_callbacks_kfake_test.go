package samsa

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestTransactionFailedRecordsCallbacksHoldNoLock: the records a
// transactional call fails (AbortTransaction's unsent records, and those
// failed when a call meets a fatal error) get their callbacks with no
// transactional lock held, so a callback may call the producer's
// transactional methods. It deadlocked while the callbacks ran under the
// lock that serializes transactional calls.
func TestTransactionFailedRecordsCallbacksHoldNoLock(t *testing.T) {
	t.Run("AbortTransaction", func(t *testing.T) {
		c := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
		p := lingeringTxnProducer(t, c.ListenAddrs())
		ctx := begin(t, p)
		nested := produceCallingBegin(p, ctx, 5)
		returned(t, "AbortTransaction", func() error { return p.AbortTransaction(ctx) })
		checkNested(t, nested, 5, ErrTransactionAborted)

		// The producer goes on: the next transaction commits, and only it
		// is visible to a read_committed consumer.
		if err := p.BeginTransaction(); err != nil {
			t.Fatalf("BeginTransaction after the abort: %v", err)
		}
		acked := make(chan error, 1)
		p.Produce(ctx, Record{Topic: "t", Value: []byte("committed")}, func(_ RecordMetadata, err error) { acked <- err })
		if err := p.CommitTransaction(ctx); err != nil { // flushes past the linger
			t.Fatalf("CommitTransaction: %v", err)
		}
		if err := <-acked; err != nil {
			t.Fatalf("the committed record: %v", err)
		}
		got := consumeAll(t, c.ListenAddrs(), "t", 1, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
		if len(got) != 1 || string(got[0].Value) != "committed" {
			t.Fatalf("read_committed: %d records, first %q; want only [committed]", len(got), got[0].Value)
		}
	})
	t.Run("fatal inside SendOffsetsToTransaction", func(t *testing.T) {
		c := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
		p := lingeringTxnProducer(t, c.ListenAddrs())
		ctx := begin(t, p)
		nested := produceCallingBegin(p, ctx, 5)
		c.ControlKey(kmsg.TxnOffsetCommit.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
			return respond.Error(req, 90), nil, true // PRODUCER_FENCED
		})
		offsets := map[TopicPartition]OffsetAndMetadata{{Topic: "t", Partition: 0}: {Offset: 1}}
		err := returned(t, "SendOffsetsToTransaction", func() error {
			return p.SendOffsetsToTransaction(ctx, offsets, GroupMetadata{GroupID: "g"})
		})
		if !errors.Is(err, ErrProducerFatal) {
			t.Fatalf("SendOffsetsToTransaction: %v, want ErrProducerFatal", err)
		}
		checkNested(t, nested, 5, ErrProducerFatal)
	})
}

// lingeringTxnProducer is a transactional producer whose records stay
// unsent (an hour's linger) until a transactional call fails them.
func lingeringTxnProducer(t *testing.T, addrs []string) *Producer {
	t.Helper()
	p := testProducer(t, addrs, func(cfg *Config) {
		cfg.TransactionalID = "txn-" + t.Name()
		cfg.Linger = time.Hour
		cfg.DeliveryTimeout = 2 * time.Hour
	})
	return p
}

// begin initializes p's transactions and opens one; the context bounds
// the test.
func begin(t *testing.T, p *Producer) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	if err := p.BeginTransaction(); err != nil {
		t.Fatalf("BeginTransaction: %v", err)
	}
	return ctx
}

// nestedOutcome is a record's outcome and what BeginTransaction, called
// from its callback, returned.
type nestedOutcome struct{ record, begin error }

// produceCallingBegin produces n records whose callbacks call
// BeginTransaction on the same producer.
func produceCallingBegin(p *Producer, ctx context.Context, n int) chan nestedOutcome {
	out := make(chan nestedOutcome, n)
	for i := range n {
		p.Produce(ctx, Record{Topic: "t", Value: []byte(fmt.Sprint("doomed-", i))}, func(_ RecordMetadata, err error) {
			out <- nestedOutcome{record: err, begin: p.BeginTransaction()}
		})
	}
	return out
}

// returned runs call and fails the test if it does not return within a
// minute (a callback run under its lock waits for it forever).
func returned(t *testing.T, name string, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return: a failed record's callback called BeginTransaction and waited for a lock the call held", name)
		return nil
	}
}

// checkNested checks that n records failed with want and that the
// BeginTransaction their callbacks called was refused for the state the
// producer was in (not blocked).
func checkNested(t *testing.T, nested chan nestedOutcome, n int, want error) {
	t.Helper()
	for range n {
		select {
		case o := <-nested:
			if !errors.Is(o.record, want) {
				t.Fatalf("record outcome %v, want %v", o.record, want)
			}
			if !errors.Is(o.begin, ErrTransactionState) && !errors.Is(o.begin, ErrProducerFatal) {
				t.Fatalf("BeginTransaction from the callback: %v, want a state error", o.begin)
			}
		case <-time.After(time.Minute):
			t.Fatal("a failed record got no outcome")
		}
	}
}
