package txn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// suite is every transaction test, run on one cluster.
var suite = []struct {
	name string
	fn   func(t *testing.T, c *kafkatest.Cluster)
}{
	{"CommitAbortInterleaved", testCommitAbortInterleaved},
	{"AbortUnsentRecords", testAbortUnsentRecords},
	{"Fencing", testFencing},
	{"ConsumeTransformProduce", testConsumeTransformProduce},
	{"OffsetsGroupIDOnly", testOffsetsGroupIDOnly},
	{"CoordinatorTimeout", testCoordinatorTimeout},
	{"LeaderKillInOpenTransaction", testLeaderKill},
	{"Misuse", testMisuse},
	{"Transact", testTransact},
}

// wantV2 says which transaction protocol each cluster must get.
var wantV2 sync.Map // *kafkatest.Cluster -> bool

func runSuite(t *testing.T, c *kafkatest.Cluster, v2 bool) {
	wantV2.Store(c, v2)
	for _, tc := range suite {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, c) })
	}
}

// TestTransactionsV2 runs the suite on the shared cluster (Kafka 4's
// default transaction.version=2).
func TestTransactionsV2(t *testing.T) {
	runSuite(t, kafkatest.Shared(t), true)
}

// TestTransactionsV1 runs the suite on a cluster formatted with
// transaction.version=1: partitions are added with AddPartitionsToTxn and
// offsets with AddOffsetsToTxn.
func TestTransactionsV1(t *testing.T) {
	kafkatest.RequireTools(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := kafkatest.Start(ctx, kafkatest.Options{Nodes: 3, MinInsyncReplicas: 2, TransactionVersion: 1, ServerProps: serverProps})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	runSuite(t, c, false)
}

func newProducer(t *testing.T, c *kafkatest.Cluster, props map[string]string) *samsa.Producer {
	t.Helper()
	return newProducerLog(t, c, props, nil)
}

func newProducerLog(t *testing.T, c *kafkatest.Cluster, props map[string]string, log *slog.Logger) *samsa.Producer {
	t.Helper()
	all := map[string]string{"bootstrap.servers": strings.Join(c.Bootstrap(kafkatest.PLAINTEXT), ","), "linger.ms": "5"}
	for k, v := range props {
		all[k] = v
	}
	cfg, err := samsa.ConfigFromProperties(all)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = log
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		p.Close(ctx)
	})
	return p
}

// newTxnProducer returns a transactional producer after InitTransactions.
func newTxnProducer(t *testing.T, c *kafkatest.Cluster, id string, props map[string]string) *samsa.Producer {
	t.Helper()
	all := map[string]string{"transactional.id": id}
	for k, v := range props {
		all[k] = v
	}
	logs := &protocolLog{}
	p := newProducerLog(t, c, all, slog.New(logs))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	want, _ := wantV2.Load(c)
	if v2, ok := logs.v2(); !ok || v2 != want.(bool) {
		t.Fatalf("transactions v2 in use: %v (logged: %v), want %v", v2, ok, want)
	}
	return p
}

// protocolLog catches the producer's debug line that says which
// transaction protocol it chose.
type protocolLog struct {
	mu     sync.Mutex
	logged bool
	isV2   bool
}

func (l *protocolLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *protocolLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *protocolLog) WithGroup(string) slog.Handler            { return l }
func (l *protocolLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "transactions" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "v2" {
			l.mu.Lock()
			l.logged, l.isV2 = true, a.Value.Bool()
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

func (l *protocolLog) v2() (bool, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.isV2, l.logged
}

// outcomes records every record's outcome by value, failing on a second
// outcome for the same record.
type outcomes struct {
	mu     sync.Mutex
	acked  map[string]samsa.RecordMetadata
	failed map[string]error
	wg     sync.WaitGroup
	t      *testing.T
}

func newOutcomes(t *testing.T) *outcomes {
	return &outcomes{acked: map[string]samsa.RecordMetadata{}, failed: map[string]error{}, t: t}
}

// produce sends value to topic (key decides the partition).
func (o *outcomes) produce(p *samsa.Producer, topic, key, value string) {
	o.wg.Add(1)
	p.Produce(context.Background(), samsa.Record{Topic: topic, Key: []byte(key), Value: []byte(value)}, func(md samsa.RecordMetadata, err error) {
		defer o.wg.Done()
		o.mu.Lock()
		defer o.mu.Unlock()
		if _, ok := o.acked[value]; ok {
			o.t.Errorf("record %s: second outcome %v", value, err)
		}
		if _, ok := o.failed[value]; ok {
			o.t.Errorf("record %s: second outcome %v", value, err)
		}
		if err != nil {
			o.failed[value] = err
		} else {
			o.acked[value] = md
		}
	})
}

// wait waits for every outcome.
func (o *outcomes) wait(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() { o.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("records still without an outcome after 2 minutes")
	}
}

// values returns the values of records read back, in partition order.
func values(recs []*kgo.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Value)
	}
	return out
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// testCommitAbortInterleaved commits even transactions and aborts odd
// ones (after their records were written): read_committed sees exactly
// the committed records, in send order per partition; read_uncommitted
// sees every record.
func testCommitAbortInterleaved(t *testing.T, c *kafkatest.Cluster) {
	topic := c.NewTopic(t, 3, 3)
	p := newTxnProducer(t, c, kafkatest.TopicName(t), nil)
	o := newOutcomes(t)
	const txns, perTxn = 10, 300
	var committed, all []string
	wantOrder := map[string][]string{} // key -> committed values in order
	for i := range txns {
		if err := p.BeginTransaction(); err != nil {
			t.Fatalf("transaction %d: BeginTransaction: %v", i, err)
		}
		for j := range perTxn {
			key := fmt.Sprintf("k%d", j%7)
			v := fmt.Sprintf("txn-%02d-rec-%04d", i, j)
			o.produce(p, topic, key, v)
			all = append(all, v)
			if i%2 == 0 {
				committed = append(committed, v)
				wantOrder[key] = append(wantOrder[key], v)
			}
		}
		if i%2 == 0 {
			if err := p.CommitTransaction(ctxTimeout(t, time.Minute)); err != nil {
				t.Fatalf("transaction %d: CommitTransaction: %v", i, err)
			}
			continue
		}
		if err := p.Flush(ctxTimeout(t, time.Minute)); err != nil { // written, then aborted
			t.Fatal(err)
		}
		if err := p.AbortTransaction(ctxTimeout(t, time.Minute)); err != nil {
			t.Fatalf("transaction %d: AbortTransaction: %v", i, err)
		}
	}
	o.wait(t)
	if len(o.failed) > 0 {
		for v, err := range o.failed {
			t.Fatalf("%d records failed, e.g. %s: %v", len(o.failed), v, err)
		}
	}
	bs := c.Bootstrap(kafkatest.PLAINTEXT)
	rc := itest.ConsumeAll(t, bs, topic, len(committed), itest.ConsumeOpts{ReadCommitted: true})
	if got := values(rc); !sameSet(got, committed) {
		t.Fatalf("read_committed: %d records, want the %d committed ones; first extra/missing: %s", len(got), len(committed), firstDiff(got, committed))
	}
	gotOrder := map[string][]string{}
	for _, r := range rc {
		gotOrder[string(r.Key)] = append(gotOrder[string(r.Key)], string(r.Value))
	}
	for k, want := range wantOrder {
		if !slices.Equal(gotOrder[k], want) {
			t.Errorf("key %s: committed records out of send order", k)
		}
	}
	ru := itest.ConsumeAll(t, bs, topic, len(all), itest.ConsumeOpts{})
	if got := values(ru); !sameSet(got, all) {
		t.Fatalf("read_uncommitted: %d records, want all %d: %s", len(got), len(all), firstDiff(got, all))
	}
	for _, r := range rc {
		if md := o.acked[string(r.Value)]; md.Partition != r.Partition || md.Offset != r.Offset {
			t.Fatalf("record %s acknowledged at %d/%d, read at %d/%d", r.Value, md.Partition, md.Offset, r.Partition, r.Offset)
		}
	}
}

// testAbortUnsentRecords aborts right after producing with a long linger:
// buffered records fail with ErrTransactionAborted and never reach the
// log; the next transaction commits normally.
func testAbortUnsentRecords(t *testing.T, c *kafkatest.Cluster) {
	topic := c.NewTopic(t, 2, 3)
	p := newTxnProducer(t, c, kafkatest.TopicName(t), map[string]string{"linger.ms": "60000", "batch.size": "1000000"})
	o := newOutcomes(t)
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for j := range 100 {
		o.produce(p, topic, fmt.Sprint(j), fmt.Sprintf("aborted-%d", j))
	}
	if err := p.AbortTransaction(ctxTimeout(t, time.Minute)); err != nil {
		t.Fatalf("AbortTransaction: %v", err)
	}
	o.wait(t)
	if len(o.failed) != 100 {
		t.Fatalf("%d of 100 buffered records failed; want all, with ErrTransactionAborted", len(o.failed))
	}
	for v, err := range o.failed {
		if !errors.Is(err, samsa.ErrTransactionAborted) {
			t.Fatalf("record %s: %v, want ErrTransactionAborted", v, err)
		}
	}
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	o2 := newOutcomes(t)
	for j := range 50 {
		o2.produce(p, topic, fmt.Sprint(j), fmt.Sprintf("committed-%d", j))
	}
	if err := p.CommitTransaction(ctxTimeout(t, time.Minute)); err != nil {
		t.Fatalf("CommitTransaction: %v", err)
	}
	o2.wait(t)
	ru := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, 50, itest.ConsumeOpts{})
	for _, v := range values(ru) {
		if !strings.HasPrefix(v, "committed-") {
			t.Fatalf("read_uncommitted found %q: an aborted record that was never to be sent reached the log", v)
		}
	}
	if len(ru) != 50 {
		t.Fatalf("read %d records, want 50", len(ru))
	}
}

// testFencing: a second producer with the same transactional id fences
// the first, whose open transaction never becomes visible and whose calls
// fail with ErrProducerFatal from then on.
func testFencing(t *testing.T, c *kafkatest.Cluster) {
	topic := c.NewTopic(t, 3, 3)
	id := kafkatest.TopicName(t)
	old := newTxnProducer(t, c, id, nil)
	o := newOutcomes(t)
	if err := old.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for j := range 100 {
		o.produce(old, topic, fmt.Sprint(j), fmt.Sprintf("zombie-%d", j))
	}
	if err := old.Flush(ctxTimeout(t, time.Minute)); err != nil {
		t.Fatal(err)
	}
	o.wait(t)

	fresh := newTxnProducer(t, c, id, nil) // fences old, aborting its transaction
	err := old.CommitTransaction(ctxTimeout(t, time.Minute))
	if !errors.Is(err, samsa.ErrProducerFatal) {
		t.Fatalf("the fenced producer's CommitTransaction: %v, want ErrProducerFatal", err)
	}
	if !errors.Is(err, kerr.ProducerFenced) && !errors.Is(err, kerr.InvalidProducerEpoch) {
		t.Errorf("the fenced producer's CommitTransaction: %v, want it to name PRODUCER_FENCED or INVALID_PRODUCER_EPOCH", err)
	}
	if err := old.BeginTransaction(); !errors.Is(err, samsa.ErrProducerFatal) {
		t.Errorf("BeginTransaction on the fenced producer: %v, want ErrProducerFatal", err)
	}
	var late error
	done := make(chan struct{})
	old.Produce(context.Background(), samsa.Record{Topic: topic, Value: []byte("late")}, func(_ samsa.RecordMetadata, err error) { late = err; close(done) })
	<-done
	if !errors.Is(late, samsa.ErrProducerFatal) {
		t.Errorf("a record produced on the fenced producer: %v, want ErrProducerFatal", late)
	}

	o2 := newOutcomes(t)
	if err := fresh.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for j := range 100 {
		o2.produce(fresh, topic, fmt.Sprint(j), fmt.Sprintf("fresh-%d", j))
	}
	if err := fresh.CommitTransaction(ctxTimeout(t, time.Minute)); err != nil {
		t.Fatalf("the new producer's CommitTransaction: %v", err)
	}
	o2.wait(t)
	rc := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, 100, itest.ConsumeOpts{ReadCommitted: true})
	for _, v := range values(rc) {
		if !strings.HasPrefix(v, "fresh-") {
			t.Fatalf("read_committed found %q from the fenced producer", v)
		}
	}
	if len(rc) != 100 {
		t.Fatalf("read_committed found %d records, want the new producer's 100", len(rc))
	}
}

// testConsumeTransformProduce reads an input topic in a consumer group,
// writes transformed records and the group's offsets in transactions: the
// committed offsets move only with committed transactions.
func testConsumeTransformProduce(t *testing.T, c *kafkatest.Cluster) {
	in := c.NewTopic(t, 1, 3)
	out := c.NewTopic(t, 1, 3)
	group := kafkatest.TopicName(t) + "-group"
	bs := c.Bootstrap(kafkatest.PLAINTEXT)
	src := newProducer(t, c, nil)
	for i := range 30 {
		if _, err := src.SendSync(ctxTimeout(t, time.Minute), samsa.Record{Topic: in, Partition: samsa.PartitionOf(0), Value: []byte(fmt.Sprintf("in-%02d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	p := newTxnProducer(t, c, kafkatest.TopicName(t), nil)
	itest.ConsumeTransformProduce{Producer: p, Bootstrap: bs, Admin: c.Admin, In: in, Out: out, Group: group}.Run(t)
}

// testCoordinatorTimeout leaves a transaction open past
// transaction.timeout.ms: the coordinator aborts it, the commit fails
// without making anything visible, and the producer recovers (KIP-588)
// or reports itself fenced.
func testCoordinatorTimeout(t *testing.T, c *kafkatest.Cluster) {
	topic := c.NewTopic(t, 2, 3)
	p := newTxnProducer(t, c, kafkatest.TopicName(t), map[string]string{"transaction.timeout.ms": "2000"})
	o := newOutcomes(t)
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for j := range 50 {
		o.produce(p, topic, fmt.Sprint(j), fmt.Sprintf("timed-out-%d", j))
	}
	if err := p.Flush(ctxTimeout(t, time.Minute)); err != nil {
		t.Fatal(err)
	}
	o.wait(t)
	time.Sleep(6 * time.Second) // timeout 2 s + the coordinator's 1 s check + slack
	err := p.CommitTransaction(ctxTimeout(t, time.Minute))
	if err == nil {
		t.Fatal("CommitTransaction succeeded on a transaction the coordinator had aborted")
	}
	t.Logf("commit after the coordinator's timeout: %v", err)
	switch {
	case errors.Is(err, samsa.ErrTransactionNeedsAbort):
		if err := p.AbortTransaction(ctxTimeout(t, time.Minute)); err != nil {
			t.Fatalf("AbortTransaction after the timeout: %v", err)
		}
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		o2 := newOutcomes(t)
		for j := range 20 {
			o2.produce(p, topic, fmt.Sprint(j), fmt.Sprintf("after-%d", j))
		}
		if err := p.CommitTransaction(ctxTimeout(t, time.Minute)); err != nil {
			t.Fatalf("CommitTransaction of the next transaction: %v", err)
		}
		o2.wait(t)
		rc := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, 20, itest.ConsumeOpts{ReadCommitted: true})
		for _, v := range values(rc) {
			if !strings.HasPrefix(v, "after-") {
				t.Fatalf("read_committed found %q from the timed-out transaction", v)
			}
		}
	case errors.Is(err, samsa.ErrProducerFatal):
		rc := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, 0, itest.ConsumeOpts{ReadCommitted: true})
		if len(rc) != 0 {
			t.Fatalf("read_committed found %d records of the timed-out transaction", len(rc))
		}
	default:
		t.Fatalf("commit after the coordinator's timeout: %v, want ErrTransactionNeedsAbort or ErrProducerFatal", err)
	}
}

// testLeaderKill kills the leader of a partition of an open transaction
// while records are still being produced: the commit either succeeds with
// every record visible exactly once, or fails and, after the abort, none
// is visible.
func testLeaderKill(t *testing.T, c *kafkatest.Cluster) {
	topic := c.NewTopic(t, 3, 3)
	p := newTxnProducer(t, c, kafkatest.TopicName(t), nil)
	o := newOutcomes(t)
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	var sent []string
	for j := range 3000 {
		v := fmt.Sprintf("rec-%05d", j)
		o.produce(p, topic, fmt.Sprint(j%11), v)
		sent = append(sent, v)
		if j == 1000 {
			info, err := c.Partition(context.Background(), c.NodeIDs()[0], topic, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Kill(info.Leader); err != nil {
				t.Fatal(err)
			}
			t.Logf("killed node %d, leader of %s[0]", info.Leader, topic)
			defer func(id int32) {
				if err := c.Restart(ctxTimeout(t, 2*time.Minute), id); err != nil {
					t.Errorf("restart %d: %v", id, err)
				}
			}(info.Leader)
		}
		if j%100 == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	err := p.CommitTransaction(ctxTimeout(t, 2*time.Minute))
	o.wait(t)
	bs := c.Bootstrap(kafkatest.PLAINTEXT)
	if err == nil {
		if len(o.failed) > 0 {
			t.Fatalf("the commit succeeded but %d records failed", len(o.failed))
		}
		rc := itest.ConsumeAll(t, bs, topic, len(sent), itest.ConsumeOpts{ReadCommitted: true, Timeout: 2 * time.Minute})
		if got := values(rc); !sameSet(got, sent) || len(got) != len(sent) {
			t.Fatalf("committed transaction: read %d records, want exactly the %d sent: %s", len(got), len(sent), firstDiff(got, sent))
		}
		return
	}
	t.Logf("commit with a leader killed failed cleanly: %v", err)
	if !errors.Is(err, samsa.ErrTransactionNeedsAbort) {
		t.Fatalf("CommitTransaction: %v, want success or ErrTransactionNeedsAbort", err)
	}
	if err := p.AbortTransaction(ctxTimeout(t, 2*time.Minute)); err != nil {
		t.Fatalf("AbortTransaction: %v", err)
	}
	rc := itest.ConsumeAll(t, bs, topic, 0, itest.ConsumeOpts{ReadCommitted: true})
	if len(rc) != 0 {
		t.Fatalf("read_committed found %d records of the aborted transaction", len(rc))
	}
}

// testMisuse checks the state machine's errors for calls out of order.
func testMisuse(t *testing.T, c *kafkatest.Cluster) {
	topic := c.NewTopic(t, 1, 3)
	p := newProducer(t, c, map[string]string{"transactional.id": kafkatest.TopicName(t)})
	ctx := ctxTimeout(t, time.Minute)
	if err := p.BeginTransaction(); !errors.Is(err, samsa.ErrTransactionState) || !strings.Contains(err.Error(), "InitTransactions") {
		t.Errorf("BeginTransaction before InitTransactions: %v", err)
	}
	if _, err := p.SendSync(ctx, samsa.Record{Topic: topic, Value: []byte("x")}); !errors.Is(err, samsa.ErrTransactionState) {
		t.Errorf("a record before InitTransactions: %v, want ErrTransactionState", err)
	}
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.InitTransactions(ctx); !errors.Is(err, samsa.ErrTransactionState) {
		t.Errorf("a second InitTransactions: %v", err)
	}
	if err := p.CommitTransaction(ctx); !errors.Is(err, samsa.ErrTransactionState) || !strings.Contains(err.Error(), "BeginTransaction") {
		t.Errorf("CommitTransaction without a transaction: %v", err)
	}
	if err := p.AbortTransaction(ctx); !errors.Is(err, samsa.ErrTransactionState) {
		t.Errorf("AbortTransaction without a transaction: %v", err)
	}
	_, err := p.SendSync(ctx, samsa.Record{Topic: topic, Value: []byte("outside")})
	if !errors.Is(err, samsa.ErrTransactionState) || !strings.Contains(err.Error(), "inside a transaction") {
		t.Errorf("a record outside a transaction: %v", err)
	}
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := p.BeginTransaction(); !errors.Is(err, samsa.ErrTransactionState) {
		t.Errorf("BeginTransaction inside a transaction: %v", err)
	}
	if err := p.CommitTransaction(ctx); err != nil { // an empty transaction
		t.Errorf("committing an empty transaction: %v", err)
	}
	plain := newProducer(t, c, nil)
	if err := plain.InitTransactions(ctx); !errors.Is(err, samsa.ErrTransactionState) || !strings.Contains(err.Error(), "transactional.id") {
		t.Errorf("InitTransactions without a transactional id: %v", err)
	}
}

// testTransact runs the helper with success, an error and a panic.
func testTransact(t *testing.T, c *kafkatest.Cluster) {
	topic := c.NewTopic(t, 1, 3)
	p := newTxnProducer(t, c, kafkatest.TopicName(t), nil)
	ctx := ctxTimeout(t, time.Minute)
	send := func(v string) func(context.Context) error {
		return func(ctx context.Context) error {
			p.Produce(ctx, samsa.Record{Topic: topic, Value: []byte(v)}, nil)
			p.Flush(ctx)
			return nil
		}
	}
	if err := p.Transact(ctx, send("committed")); err != nil {
		t.Fatalf("Transact: %v", err)
	}
	errFn := errors.New("fn failed")
	err := p.Transact(ctx, func(ctx context.Context) error {
		send("aborted-by-error")(ctx)
		return errFn
	})
	if !errors.Is(err, errFn) {
		t.Fatalf("Transact with a failing fn: %v", err)
	}
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Fatalf("recovered %v, want the fn's panic", v)
			}
		}()
		p.Transact(ctx, func(ctx context.Context) error {
			send("aborted-by-panic")(ctx)
			panic("boom")
		})
	}()
	if err := p.Transact(ctx, send("committed-2")); err != nil {
		t.Fatalf("Transact after a panic: %v", err)
	}
	rc := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, 2, itest.ConsumeOpts{ReadCommitted: true})
	if got := values(rc); !slices.Equal(got, []string{"committed", "committed-2"}) {
		t.Fatalf("read_committed: %v", got)
	}
	ru := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, 4, itest.ConsumeOpts{})
	if len(ru) != 4 {
		t.Fatalf("read_uncommitted found %d records, want 4", len(ru))
	}
}

func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	a, b := slices.Clone(got), slices.Clone(want)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// firstDiff names a value in one list but not the other.
func firstDiff(got, want []string) string {
	g := map[string]int{}
	for _, v := range got {
		g[v]++
	}
	for _, v := range want {
		if g[v] == 0 {
			return "missing " + v
		}
		g[v]--
	}
	for v, n := range g {
		if n > 0 {
			return "extra or duplicate " + v
		}
	}
	return "none"
}
