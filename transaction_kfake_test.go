package samsa

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// Outcome classes of an error code injected into a transactional request.
const (
	txnRetried   = "retried"   // transparently retried: the transaction commits
	txnAbortable = "abortable" // the commit fails with ErrTransactionNeedsAbort; abort, then go on
	txnFatal     = "fatal"     // the producer fails with ErrProducerFatal for good
)

// injectOnce makes the next request of key fail with code (once).
func injectOnce(c *kfake.Cluster, key kmsg.Key, code int16, hits *atomic.Int32) {
	c.ControlKey(key.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if key == kmsg.FindCoordinator {
			return nil, nil, false
		}
		hits.Add(1)
		return respond.Error(req, code), nil, true
	})
}

// TestTransactionErrorCodes injects error codes into each request of a
// transaction on kfake and checks how the state machine classifies them,
// with transactions v2 (kfake's default) and v1 (a 3.9 broker).
func TestTransactionErrorCodes(t *testing.T) {
	cases := []struct {
		key   kmsg.Key
		code  int16
		class string
		v1    bool // only transactions v1 sends this request
	}{
		{kmsg.InitProducerID, 15, txnRetried, false}, // COORDINATOR_NOT_AVAILABLE
		{kmsg.InitProducerID, 16, txnRetried, false}, // NOT_COORDINATOR
		{kmsg.InitProducerID, 14, txnRetried, false}, // COORDINATOR_LOAD_IN_PROGRESS
		{kmsg.InitProducerID, 51, txnRetried, false}, // CONCURRENT_TRANSACTIONS
		{kmsg.InitProducerID, 53, txnFatal, false},   // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
		{kmsg.InitProducerID, 31, txnFatal, false},   // CLUSTER_AUTHORIZATION_FAILED
		{kmsg.AddPartitionsToTxn, 51, txnRetried, true},
		{kmsg.AddPartitionsToTxn, 16, txnRetried, true},
		{kmsg.AddPartitionsToTxn, 29, txnAbortable, true}, // TOPIC_AUTHORIZATION_FAILED
		{kmsg.AddPartitionsToTxn, 90, txnFatal, true},     // PRODUCER_FENCED
		{kmsg.AddPartitionsToTxn, 53, txnFatal, true},
		{kmsg.Produce, 6, txnRetried, false},     // NOT_LEADER_OR_FOLLOWER
		{kmsg.Produce, 19, txnRetried, false},    // NOT_ENOUGH_REPLICAS
		{kmsg.Produce, 29, txnAbortable, false},  // TOPIC_AUTHORIZATION_FAILED
		{kmsg.Produce, 120, txnAbortable, false}, // TRANSACTION_ABORTABLE
		{kmsg.Produce, 90, txnFatal, false},      // PRODUCER_FENCED
		{kmsg.EndTxn, 51, txnRetried, false},
		{kmsg.EndTxn, 15, txnRetried, false},
		{kmsg.EndTxn, 48, txnAbortable, false}, // INVALID_TXN_STATE
		{kmsg.EndTxn, 90, txnFatal, false},
		{kmsg.EndTxn, 53, txnFatal, false},
		{kmsg.AddOffsetsToTxn, 51, txnRetried, true},
		{kmsg.AddOffsetsToTxn, 30, txnAbortable, true}, // GROUP_AUTHORIZATION_FAILED
		{kmsg.AddOffsetsToTxn, 90, txnFatal, true},
		{kmsg.TxnOffsetCommit, 16, txnRetried, false},
		{kmsg.TxnOffsetCommit, 27, txnRetried, false},   // REBALANCE_IN_PROGRESS
		{kmsg.TxnOffsetCommit, 22, txnAbortable, false}, // ILLEGAL_GENERATION
		{kmsg.TxnOffsetCommit, 25, txnAbortable, false}, // UNKNOWN_MEMBER_ID
		{kmsg.TxnOffsetCommit, 90, txnFatal, false},
	}
	for _, v1 := range []bool{false, true} {
		for _, tc := range cases {
			if tc.v1 && !v1 {
				continue
			}
			name := fmt.Sprintf("v2/%s/%d", tc.key.Name(), tc.code)
			if v1 {
				name = fmt.Sprintf("v1/%s/%d", tc.key.Name(), tc.code)
			}
			t.Run(name, func(t *testing.T) {
				runInjected(t, v1, tc.key, tc.code, tc.class)
			})
		}
	}
}

// runInjected runs init, one transaction with records and offsets, and a
// second transaction, with code injected into the first request of key.
func runInjected(t *testing.T, v1 bool, key kmsg.Key, code int16, class string) {
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(2, "t")}
	if v1 {
		opts = append(opts, kfake.MaxVersions(kversion.V3_9_0()))
	}
	c := fakeCluster(t, opts...)
	addrs := c.ListenAddrs()
	p := testProducer(t, addrs, func(cfg *Config) {
		cfg.TransactionalID = "txn-" + t.Name()
		cfg.RetryBackoff, cfg.RetryBackoffMax = 10*time.Millisecond, 50*time.Millisecond
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var hits atomic.Int32
	injectOnce(c, key, code, &hits)

	err := p.InitTransactions(ctx)
	if key == kmsg.InitProducerID {
		if checkFatal(t, p, class, err, "InitTransactions") {
			return
		}
	} else if err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	if err := p.BeginTransaction(); err != nil {
		t.Fatalf("BeginTransaction: %v", err)
	}
	outcomes := make(chan error, 10)
	for i := range 10 {
		p.Produce(ctx, Record{Topic: "t", Key: []byte{byte(i)}, Value: []byte(fmt.Sprint("first-", i))}, func(_ RecordMetadata, err error) { outcomes <- err })
	}
	offErr := p.SendOffsetsToTransaction(ctx, map[TopicPartition]OffsetAndMetadata{{Topic: "t", Partition: 0}: {Offset: 1}},
		GroupMetadata{GroupID: "g"})
	err = p.CommitTransaction(ctx)
	if hits.Load() == 0 {
		t.Fatalf("no %s request was made: the injection proves nothing", key.Name())
	}
	if offErr != nil && err == nil {
		t.Fatalf("SendOffsetsToTransaction failed (%v) but the commit succeeded", offErr)
	}
	switch class {
	case txnRetried:
		if offErr != nil || err != nil {
			t.Fatalf("a retriable code: SendOffsets %v, commit %v; want both to succeed", offErr, err)
		}
		for range 10 {
			if err := <-outcomes; err != nil {
				t.Fatalf("record failed: %v", err)
			}
		}
	case txnAbortable:
		if !errors.Is(err, ErrTransactionNeedsAbort) {
			t.Fatalf("commit: %v, want ErrTransactionNeedsAbort", err)
		}
		if err := p.BeginTransaction(); !errors.Is(err, ErrTransactionNeedsAbort) && !errors.Is(err, ErrTransactionState) {
			t.Fatalf("BeginTransaction before the abort: %v", err)
		}
		if err := p.AbortTransaction(ctx); err != nil {
			t.Fatalf("AbortTransaction: %v", err)
		}
	case txnFatal:
		if checkFatal(t, p, class, err, "CommitTransaction") {
			return
		}
	}
	second(t, p, addrs, ctx, class == txnRetried)
}

// checkFatal checks err of op against class; it reports whether the test
// is over (the producer is dead, as it must be).
func checkFatal(t *testing.T, p *Producer, class string, err error, op string) bool {
	t.Helper()
	if class != txnFatal {
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		return false
	}
	if !errors.Is(err, ErrProducerFatal) {
		t.Fatalf("%s: %v, want ErrProducerFatal", op, err)
	}
	var ke *KafkaError
	if !errors.As(err, &ke) {
		t.Errorf("%s: %v does not carry the Kafka error code", op, err)
	}
	if err := p.BeginTransaction(); !errors.Is(err, ErrProducerFatal) && !errors.Is(err, ErrTransactionState) {
		t.Errorf("BeginTransaction after a fatal error: %v", err)
	}
	return true
}

// second runs another transaction that must commit, and checks what a
// read_committed consumer sees.
func second(t *testing.T, p *Producer, addrs []string, ctx context.Context, firstCommitted bool) {
	t.Helper()
	if err := p.BeginTransaction(); err != nil {
		t.Fatalf("BeginTransaction of the second transaction: %v", err)
	}
	for i := range 5 {
		p.Produce(ctx, Record{Topic: "t", Key: []byte{byte(i)}, Value: []byte(fmt.Sprint("second-", i))}, nil)
	}
	if err := p.CommitTransaction(ctx); err != nil {
		t.Fatalf("CommitTransaction of the second transaction: %v", err)
	}
	want := 5
	if firstCommitted {
		want = 15
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics("t"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[string]bool{}
	for len(got) < want && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			if got[string(r.Value)] {
				t.Errorf("record %s read twice", r.Value)
			}
			got[string(r.Value)] = true
		})
	}
	if len(got) != want {
		t.Fatalf("read_committed read %d records, want %d", len(got), want)
	}
	for v := range got {
		if !firstCommitted && v[:5] == "first" {
			t.Fatalf("read_committed read %s of the aborted transaction", v)
		}
	}
}
