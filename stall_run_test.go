package samsa_test

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/twmb/franz-go/pkg/kfake"
)

// stallRun is the state of one running case.
type stallRun struct {
	t        *testing.T
	c        *stallCase
	p        *samsa.Producer
	l        *ledger
	progress atomic.Int64 // outcomes and returned calls

	mu      sync.Mutex
	futures []*samsa.Future // records sent with Send, whose Wait may have given up
	calls   map[string]int  // calls made, by kind, for the log
}

// runStallCase runs c and checks its promises.
func runStallCase(t *testing.T, c *stallCase) {
	fake, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(int32(c.partitions), stallTopic))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	addrs := fake.ListenAddrs()
	before := samsaGoroutines()
	dialer := faultnet.New(c.seed)
	cfg := c.cfg
	cfg.BootstrapServers, cfg.Dial = addrs, dialer.Dial
	ch := startChaos(fake, dialer, c)
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		ch.stop(true)
		t.Fatalf("NewProducer: %v", err)
	}
	r := &stallRun{t: t, c: c, p: p, l: newLedger(t, stallTopic), calls: map[string]int{}}
	done := make(chan error, 1)
	go func() { done <- r.run(ch) }()
	if err := r.watch(done); err != nil {
		t.Logf("Close: %v", err)
	}
	ch.stop(true)
	o := r.l.checkOutcomes()
	r.checkFutures()
	t.Logf("%d records: %d acknowledged, failed %v; calls %v; chaos %s; dialer %+v",
		o.total, o.ok, o.byErr, r.calls, ch, dialer.Stats())
	checkNoSamsaGoroutines(t, before)
	if n := ch.oversize.Load(); n > 0 {
		t.Errorf("seed %d: %d produce requests carried more than max.request.size (%d) of batches, the largest %d bytes",
			c.seed, n, c.cfg.MaxRequestSize, ch.largest.Load())
	}
	fake.DropControl()
	if c.cfg.Acks != samsa.AcksNone && !c.txn {
		r.checkAcknowledgedInLog(addrs)
	}
}

// watch waits for the run to end, failing the test with every
// goroutine's stack if it makes no progress for stallWatchdog.
func (r *stallRun) watch(done <-chan error) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last, since, limit := r.progress.Load(), time.Now(), stallWatchdogFor(r.t)
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
		}
		if n := r.progress.Load(); n != last {
			last, since = n, time.Now()
			continue
		}
		if time.Since(since) > limit {
			r.t.Fatalf("seed %d: no progress for %v (%d outcomes and calls so far): hung.\n%s\nbuffered: %s\n\nall goroutines:\n%s",
				r.c.seed, limit, last, r.c, r.buffered(), allStacks())
		}
	}
}

// buffered describes the records the producer holds, per partition,
// unless that takes a lock held by the hang.
func (r *stallRun) buffered() string {
	out := make(chan string, 1)
	go func() { out <- fmt.Sprintf("%+v", r.p.BufferedPartitions()) }()
	select {
	case s := <-out:
		return s
	case <-time.After(5 * time.Second):
		return "(BufferedPartitions hung too)"
	}
}

// note counts a call of kind that returned.
func (r *stallRun) note(kind string) {
	r.progress.Add(1)
	r.mu.Lock()
	r.calls[kind]++
	r.mu.Unlock()
}

// workload runs the case's writers, in transaction rounds if it has
// transactions.
func (r *stallRun) workload() {
	if !r.c.txn {
		r.writers(0, r.c.perWriter)
		return
	}
	rng := rand.New(rand.NewSource(r.c.seed ^ 0x7a11))
	r.initTransactions()
	const rounds = 3
	per := (r.c.perWriter + rounds - 1) / rounds
	for i := range rounds {
		err := r.p.BeginTransaction()
		r.note("BeginTransaction")
		if err != nil {
			r.t.Logf("BeginTransaction: %v", err)
		}
		r.writers(i*per, min((i+1)*per, r.c.perWriter))
		r.endTransaction(rng)
	}
}

// initTransactions tries InitTransactions a few times: faults may fail it.
func (r *stallRun) initTransactions() {
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := r.p.InitTransactions(ctx)
		cancel()
		r.note("InitTransactions")
		if err == nil {
			return
		}
		r.t.Logf("InitTransactions: %v", err)
	}
}

// endTransaction commits or aborts, each with a deadline; a failed commit
// is followed by an abort.
func (r *stallRun) endTransaction(rng *rand.Rand) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1+rng.Intn(10))*time.Second)
	defer cancel()
	if rng.Intn(3) != 0 {
		err := r.p.CommitTransaction(ctx)
		r.note("CommitTransaction")
		if err == nil {
			return
		}
		r.t.Logf("CommitTransaction: %v", err)
	}
	err := r.p.AbortTransaction(ctx)
	r.note("AbortTransaction")
	if err != nil {
		r.t.Logf("AbortTransaction: %v", err)
	}
}

// writers runs the case's writers over records [from, to) each and waits
// for them.
func (r *stallRun) writers(from, to int) {
	var wg sync.WaitGroup
	for w := range r.c.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(r.c.seed*1000 + int64(w)*100 + int64(from)))
			for s := from; s < to; s++ {
				r.op(rng, w, s)
				if rng.Intn(8) == 0 {
					// Spread the records over time, so that the faults
					// meet many requests.
					time.Sleep(time.Duration(rng.Intn(20)) * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
}

// record builds record s of writer w and its callback, which counts as
// progress.
func (r *stallRun) record(w, s int) (samsa.Record, func(samsa.RecordMetadata, error)) {
	rec, cb := r.l.record(w, s, int32((w+s)%r.c.partitions))
	rec.Value = stallValue(w, s, r.c.valueLen)
	switch r.c.mode {
	case keyedDefault:
		rec.Partition = samsa.AnyPartition
	case unkeyedSticky:
		rec.Partition, rec.Key = samsa.AnyPartition, nil
	case murmur2Custom:
		rec.Partition = samsa.AnyPartition
		if s%3 == 0 {
			rec.Key = nil
		}
	}
	return rec, func(md samsa.RecordMetadata, err error) {
		cb(md, err)
		r.progress.Add(1)
		r.insideCallback(w, s)
	}
}

// Writers numbered from followUps produce inside callbacks, from
// multiSends with SendSyncAll.
const (
	followUps  = 2000
	multiSends = 1000
)

// insideCallback does what the case does inside the callback of record s
// of writer w: produce a follow-up record, or close the producer (which
// returns at once there).
func (r *stallRun) insideCallback(w, s int) {
	if w >= multiSends {
		return
	}
	if r.c.reenter && s%10 == 3 {
		rec, cb := r.record(followUps+w, s)
		if s%20 == 3 {
			r.p.Produce(context.Background(), rec, cb)
		} else {
			_ = r.p.TryProduce(rec, cb)
		}
		r.note("Produce in callback")
	}
	if r.c.closeInCb && w == 0 && s == r.c.perWriter/2 {
		_ = r.p.Close(context.Background())
		r.note("Close in callback")
	}
}

// op sends record s of writer w one of the ways a producer can, and
// flushes now and then.
func (r *stallRun) op(rng *rand.Rand, w, s int) {
	rec, cb := r.record(w, s)
	switch n := rng.Intn(12); {
	case n < 6:
		r.p.Produce(context.Background(), rec, cb)
		r.note("Produce")
	case n == 6:
		// A short context: waiting for memory or metadata ends early.
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.Intn(20))*time.Millisecond)
		r.p.Produce(ctx, rec, cb)
		cancel()
		r.note("Produce(short ctx)")
	case n < 9:
		_ = r.p.TryProduce(rec, cb) // its error also goes to cb
		r.note("TryProduce")
	case n == 9:
		cb(r.p.SendSync(context.Background(), rec))
		r.note("SendSync")
	case n == 10:
		r.sendSyncAll(rec, cb, w, s)
	default:
		// Send, and a Wait that may give up first: the record's outcome
		// comes later, checked on its future after Close.
		cb(samsa.RecordMetadata{}, nil) // the ledger entry is settled by the future
		f := r.p.Send(context.Background(), rec)
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.Intn(100))*time.Millisecond)
		_, _ = f.Wait(ctx)
		cancel()
		r.mu.Lock()
		r.futures = append(r.futures, f)
		r.mu.Unlock()
		r.note("Send+Wait")
	}
	if r.c.flushEvery > 0 && rng.Intn(r.c.flushEvery) == 0 {
		r.flush(rng)
	}
}

// sendSyncAll sends rec and two more records with SendSyncAll.
func (r *stallRun) sendSyncAll(rec samsa.Record, cb func(samsa.RecordMetadata, error), w, s int) {
	recs, cbs := []samsa.Record{rec}, []func(samsa.RecordMetadata, error){cb}
	for k := range 2 {
		rk, cbk := r.record(multiSends+w, s*2+k)
		recs, cbs = append(recs, rk), append(cbs, cbk)
	}
	for i, res := range r.p.SendSyncAll(context.Background(), recs) {
		cbs[i](res.Metadata, res.Err)
	}
	r.note("SendSyncAll")
}

// flush runs Flush with context.Background or a deadline.
func (r *stallRun) flush(rng *rand.Rand) {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if rng.Intn(2) == 0 {
		ctx, cancel = context.WithTimeout(ctx, time.Duration(rng.Intn(2000))*time.Millisecond)
	}
	_ = r.p.Flush(ctx)
	cancel()
	r.note("Flush")
}

// run runs the workload and closes the producer, after the workload or
// while it runs.
func (r *stallRun) run(ch *stallChaos) error {
	if r.c.closeEarly == 0 {
		r.workload()
		ch.stop(r.c.faults.heal)
		return r.close()
	}
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		r.workload()
	}()
	time.Sleep(r.c.closeEarly)
	ch.stop(r.c.faults.heal)
	err := r.close()
	<-wrote
	return err
}

// close closes the producer with the case's deadline, or none.
func (r *stallRun) close() error {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if r.c.closeLimit > 0 {
		ctx, cancel = context.WithTimeout(ctx, r.c.closeLimit)
	}
	defer cancel()
	var wg sync.WaitGroup
	if r.c.racers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_ = r.p.Flush(context.Background())
			r.note("racing Flush")
		}()
		go func() {
			defer wg.Done()
			_ = r.p.Close(context.Background())
			r.note("racing Close")
		}()
	}
	err := r.p.Close(ctx)
	r.note("Close")
	wg.Wait()
	return err
}

// checkFutures fails the test for a future sent before Close that has no
// outcome after Close returned.
func (r *stallRun) checkFutures() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, f := range r.futures {
		if _, done, _ := f.Result(); !done {
			r.t.Errorf("future %d of %d has no outcome after Close returned", i, len(r.futures))
		}
	}
}

// checkAcknowledgedInLog reads the topic back: every record acknowledged
// is in it, and with idempotence exactly once.
func (r *stallRun) checkAcknowledgedInLog(addrs []string) {
	seen := map[string]int{}
	for _, rec := range readBack(r.t, addrs, stallTopic) {
		if w, s, ok := parseValue(rec.Value); ok {
			seen[recordValue(w, s)]++
		}
	}
	idem := r.c.cfg.Idempotence == samsa.IdempotenceOn
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	bad := 0
	for _, sr := range r.l.recs {
		n := seen[recordValue(sr.writer, sr.seq)]
		if sr.err != nil || sr.md == (samsa.RecordMetadata{}) || (n == 1 || (n > 1 && !idem)) {
			continue
		}
		if bad++; bad <= 5 {
			r.t.Errorf("record %s acknowledged at %d@%d is in the log %d times", recordValue(sr.writer, sr.seq),
				sr.md.Partition, sr.md.Offset, n)
		}
	}
	if bad > 0 {
		r.t.Errorf("%d acknowledged records not in the log exactly once (idempotence %v)", bad, idem)
	}
}
