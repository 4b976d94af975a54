package main

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa"
)

// perfRun is one run of samsa perf.
type perfRun struct {
	pf     *perfFlags
	e      *env
	s      *setup
	term   *termWriter
	mode   progressMode
	values [][]byte
	out    io.Writer // Kafka's lines: stdout, or nothing with --json

	stats    *perfStats
	next     atomic.Int64 // the number of the next record to send
	keys     []byte       // random key material with --keys
	throttle *throttle
	txnMu    lockorder.RWMutex[lockorder.CLITxn] // held to commit; read-held around Produce
	stopErr  atomic.Pointer[error]
}

// run sends the records, prints the results and writes the report.
func (r *perfRun) run(ctx context.Context, stop func()) int {
	pf, p := r.pf, r.s.producer
	r.out = r.e.stdout
	if pf.json {
		r.out = io.Discard
	}
	settings := pf.settings(ctx, r.s, r.values)
	pf.announce(r.out, r.values)
	txn := r.s.cfg.TransactionalID != ""
	if txn {
		if err := beginTxn(ctx, p); err != nil {
			fmt.Fprintf(r.e.stderr, "samsa perf: %v\n", err)
			_ = r.s.close(5 * time.Second)
			return exitFailure
		}
	}
	r.prepare()
	bg := r.startBackground()
	sendCtx, cancelSend := context.WithCancel(ctx)
	defer cancelSend()
	stopCommits := r.startCommitter(sendCtx, cancelSend, txn)
	r.sendAll(sendCtx)
	stopCommits()
	interrupted := ctx.Err() != nil
	stop() // a second Ctrl-C kills
	code := r.finish(txn, interrupted)
	end := time.Now()
	bg.stop()
	res := r.stats.result(end)
	res.Settings, res.Topic, res.Embedded, res.Interrupted = settings, pf.topic, r.s.embedded != nil, interrupted
	if pf.payloadFile == "" && !pf.monotonic {
		res.RecordSize = int(pf.recordSize)
	}
	return r.report(res, code, interrupted)
}

// prepare makes the stats, keys and throttle.
func (r *perfRun) prepare() {
	now := time.Now()
	r.stats = newPerfStats(now, r.pf.warmup)
	if r.pf.keys {
		r.keys = make([]byte, 1<<16)
		for i := range r.keys {
			r.keys[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[rand.IntN(36)]
		}
	}
	r.throttle = &throttle{perSec: r.pf.throughput, start: now}
}

// finish ends the transaction or flushes, and reports a failure.
func (r *perfRun) finish(txn, interrupted bool) int {
	code := exitOK
	p := r.s.producer
	fctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stopErr := r.stopErr.Load()
	if txn {
		if err := endTxn(fctx, p, stopErr == nil && !interrupted); err != nil && stopErr == nil {
			r.term.print(fmt.Sprintf("samsa perf: %v\n", err))
			code = exitFailure
		}
	} else if err := p.Flush(fctx); err != nil {
		r.term.print(fmt.Sprintf("samsa perf: flushing: %v\n", err))
		code = exitFailure
	}
	if stopErr != nil {
		r.term.print(fmt.Sprintf("samsa perf: stopped after %d records: %v\n", min(r.next.Load(), r.pf.numRecords), *stopErr))
		code = exitFailure
	}
	return code
}

// report prints the final lines (or JSON), the metrics and the report,
// closes the producer and returns the exit status.
func (r *perfRun) report(res *result, code int, interrupted bool) int {
	pf := r.pf
	if res.Errors > 0 {
		r.term.print(fmt.Sprintf("samsa perf: %d of %d records failed; the first: %s\n", res.Errors, min(r.next.Load(), pf.numRecords), res.FirstError))
		code = exitFailure
	}
	r.term.clearThen(func() {
		if res.Total != nil {
			printKafkaSummary(r.out, *res.Total, false)
			printKafkaSummary(r.out, res.summary, true)
		} else {
			printKafkaSummary(r.out, res.summary, false)
		}
	})
	res.round()
	if pf.printMetrics {
		ms := r.s.producer.Metrics()
		printKafkaMetrics(r.out, ms)
		res.Metrics = newStatsLine("samsa perf", ms, r.stats.start, time.Now()).Metrics
	}
	if err := r.s.close(10 * time.Second); err != nil {
		fmt.Fprintf(r.e.stderr, "samsa perf: closing: %v\n", err)
	}
	if pf.json {
		if err := writeJSON(r.e.stdout, res); err != nil {
			fmt.Fprintf(r.e.stderr, "samsa perf: %v\n", err)
			return exitFailure
		}
	}
	if pf.report != "" {
		if err := writeReport(pf.report, res); err != nil {
			fmt.Fprintf(r.e.stderr, "samsa perf: --report: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(r.e.stderr, "samsa perf: report written to %s\n", pf.report)
	}
	if interrupted && code == exitOK {
		code = exitInterrupted
	}
	return code
}

// sendAll produces the records from --goroutines goroutines.
func (r *perfRun) sendAll(ctx context.Context) {
	var wg sync.WaitGroup
	for g := range r.pf.goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(ctx, uint64(g))
		}()
	}
	wg.Wait()
}

// worker produces records, taking their numbers from the shared counter,
// until all are sent or ctx ends.
func (r *perfRun) worker(ctx context.Context, g uint64) {
	rng := rand.New(rand.NewPCG(2, 3+g))
	txn := r.s.cfg.TransactionalID != ""
	var (
		value   []byte // this goroutine's value, made afresh for each record
		letters *letterSource
	)
	if len(r.values) == 0 && !r.pf.monotonic {
		value = make([]byte, r.pf.recordSize)
		letters = newLetterSource(g)
	}
	for ctx.Err() == nil {
		i := r.next.Add(1) - 1
		if i >= r.pf.numRecords {
			return
		}
		if i == r.pf.warmup && i > 0 {
			r.stats.beginSteady(time.Now())
		}
		rec := samsa.Record{Topic: r.pf.topic}
		switch {
		case r.pf.monotonic:
			value = strconv.AppendInt(value[:0], i, 10)
			rec.Value = value // Produce copies it
		case len(r.values) > 0:
			rec.Value = r.values[rng.IntN(len(r.values))]
		default:
			fillLetters(letters, value)
			rec.Value = value // Produce copies it
		}
		if r.keys != nil {
			off := rng.IntN(len(r.keys) - 16)
			rec.Key = r.keys[off : off+16]
		}
		if txn {
			r.txnMu.RLock()
		}
		r.produce(ctx, i, rec)
		if txn {
			r.txnMu.RUnlock()
		}
		r.throttle.wait(ctx, i+1)
	}
}

// letterSource makes random values for one goroutine: wyrand, a
// 64-bit generator of one multiplication per 8 letters (statistically
// sound, not cryptographic). It is seeded by the goroutine's number, so
// every run sends the same values, as Kafka's tool does (it seeds its
// SplittableRandom with 0).
type letterSource struct{ state uint64 }

func newLetterSource(g uint64) *letterSource {
	return &letterSource{state: 0x9e3779b97f4a7c15 * (g + 1)}
}

func (l *letterSource) next() uint64 {
	l.state += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(l.state, l.state^0xe7037ed1a0b428db)
	return hi ^ lo
}

// fillLetters fills b with random uppercase letters A-Z, as Kafka's
// producer perf test makes every record's value (a fresh one per record,
// so that compressed runs compare). Each random byte is scaled to 26
// letters (each letter comes from 9 or 10 of the 256 byte values: within
// 0.4 percentage points of uniform), eight at a time in 16-bit lanes.
func fillLetters(src *letterSource, b []byte) {
	const (
		even = 0x00ff00ff00ff00ff
		odd  = 0xff00ff00ff00ff00
		as   = 0x4141414141414141 // 'A' in every byte
	)
	var tail [8]byte
	for len(b) > 0 {
		r := src.next()
		w := ((r&even)*26>>8)&even | ((r>>8)&even*26)&odd + as
		if len(b) < 8 {
			binary.LittleEndian.PutUint64(tail[:], w)
			copy(b, tail[:])
			return
		}
		binary.LittleEndian.PutUint64(b, w)
		b = b[8:]
	}
}

// produce sends record number i and records its outcome.
func (r *perfRun) produce(ctx context.Context, i int64, rec samsa.Record) {
	size := len(rec.Key) + len(rec.Value)
	sentAt := time.Now()
	r.s.producer.Produce(ctx, rec, func(_ samsa.RecordMetadata, err error) {
		now := time.Now()
		if err != nil {
			if r.stats.fail(err, now) {
				r.term.print(fmt.Sprintf("samsa perf: record failed: %v\n", err))
			}
			return
		}
		r.stats.record(i, sentAt, now, size)
	})
}

// startCommitter commits the transaction every --transaction-duration-ms
// while no goroutine is inside Produce, and begins the next; a failure
// stops the run. The returned function stops it.
func (r *perfRun) startCommitter(ctx context.Context, cancel func(), txn bool) func() {
	if !txn {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Duration(r.pf.txnDurationMs) * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			r.txnMu.Lock()
			err := commitAndBegin(ctx, r.s.producer)
			r.txnMu.Unlock()
			if err != nil {
				r.stopErr.Store(&err)
				cancel()
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func commitAndBegin(ctx context.Context, p *samsa.Producer) error {
	if err := p.CommitTransaction(ctx); err != nil {
		return fmt.Errorf("committing a transaction: %w", err)
	}
	if err := p.BeginTransaction(); err != nil {
		return fmt.Errorf("beginning a transaction: %w", err)
	}
	return nil
}

// throttle keeps the send rate at most perSec records a second, over all
// goroutines: record n is due n/perSec seconds after the start.
type throttle struct {
	perSec float64
	start  time.Time
}

// wait sleeps until the record numbered sent is due, at least a
// millisecond at a time to keep the timer cheap.
func (t *throttle) wait(ctx context.Context, sent int64) {
	if t.perSec <= 0 {
		return
	}
	due := t.start.Add(time.Duration(float64(sent) / t.perSec * float64(time.Second)))
	if d := time.Until(due); d >= time.Millisecond {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
}

// background prints Kafka's periodic lines and draws the progress.
type background struct {
	done     chan struct{}
	wg       sync.WaitGroup
	progress *progressTicker
}

func (r *perfRun) startBackground() *background {
	bg := &background{done: make(chan struct{})}
	stats := r.stats
	bg.progress = startProgress(r.mode, r.term, time.Duration(r.pf.reportingMs)*time.Millisecond, func(now time.Time) progress {
		ok, failed, bytes := stats.counts()
		return progress{done: ok + failed, failed: failed, total: r.pf.numRecords, bytes: bytes, elapsed: now.Sub(stats.start)}
	}, func(p progress) string { return plainProgress("samsa perf", p) })
	bg.wg.Add(1)
	go func() {
		defer bg.wg.Done()
		tick := time.NewTicker(time.Duration(r.pf.reportingMs) * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-bg.done:
				return
			case now := <-tick.C:
				r.term.clearThen(func() { stats.printWindow(r.out, now) })
			}
		}
	}()
	return bg
}

// stop ends the periodic lines and leaves the final progress on screen.
func (bg *background) stop() {
	close(bg.done)
	bg.wg.Wait()
	bg.progress.stop()
}
