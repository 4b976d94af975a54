package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/cmd/samsa/internal/cli"
)

const perfUsage = `Usage: samsa perf [flags]

Produces --num-records records as fast as allowed and reports throughput
and latency (from Produce to the record's acknowledgement) with the same
lines as Kafka's kafka-producer-perf-test: one every 5 seconds and a final
one with percentiles, so that results compare directly. The flags are
that tool's, so a command line written for it works here.

On a terminal, a progress bar with rate and ETA is drawn on stderr.
--json prints one JSON result on stdout instead of Kafka's lines, and
--report FILE.html (or .svg) draws throughput and latency percentiles per
second.

Without --bootstrap-server it runs against an embedded in-process broker
(topic samsa-perf, 1000000 records of 100 bytes unless told otherwise).

Examples:
  samsa perf
  samsa perf --bootstrap-server localhost:9092 --topic t --num-records 1000000 \
      --record-size 100 --throughput -1 --producer-props acks=all linger.ms=5
  samsa perf -b localhost:9092 --topic t --num-records 200000 --record-size 512 \
      --throughput 20000 --report run.html
`

// Defaults for the embedded broker, chosen to finish in a few seconds.
const (
	embeddedTopic      = "samsa-perf"
	embeddedNumRecords = 1_000_000
	defaultRecordSize  = 100
)

// perfFlags are samsa perf's flags.
type perfFlags struct {
	conn             connFlags
	topic            string
	numRecords       int64
	recordSize       int64
	payloadFile      string
	payloadDelimiter string
	throughput       float64
	txnDurationMs    int64
	keys             bool
	json             bool
	report           string
	progress         string
	reportingMs      int64
	monotonic        bool
}

func (pf *perfFlags) flagSet() *cli.FlagSet {
	fs := cli.New("samsa perf")
	fs.String(&pf.topic, "--topic,-t", "TOPIC", "Topic to produce to (required with --bootstrap-server; samsa-perf on the embedded broker).")
	fs.Int(&pf.numRecords, "--num-records,-n", "N", "Number of records to produce (required with --bootstrap-server; 1000000 on the embedded broker).")
	fs.Int(&pf.recordSize, "--record-size,-s", "BYTES", "Size of each record's value, random uppercase letters as Kafka's tool makes them (default 100).")
	fs.String(&pf.payloadFile, "--payload-file", "FILE", "Take values from FILE, split at --payload-delimiter, chosen at random for each record.")
	fs.String(&pf.payloadDelimiter, "--payload-delimiter", "DELIM", `Delimiter of --payload-file (default \n).`)
	fs.Float(&pf.throughput, "--throughput", "REC/S", "Target records per second; -1 (the default) for no limit.")
	pf.conn.define(fs)
	fs.Int(&pf.txnDurationMs, "--transaction-duration-ms", "MS", "With --transactional-id, commit a transaction every MS milliseconds (default 3000).")
	fs.Bool(&pf.monotonic, "--payload-monotonic", "Each value is the record's number in decimal (0, 1, 2, ...), as Kafka's tool makes it.")
	fs.Int(&pf.reportingMs, "--reporting-interval", "MS", "Print a periodic line every MS milliseconds (default 5000).")
	fs.Bool(&pf.keys, "--keys", "Give records 16-byte random keys (default: null keys, as Kafka's tool sends).")
	fs.Bool(&pf.json, "--json", "Print one JSON result on stdout instead of Kafka's lines.")
	fs.String(&pf.report, "--report", "FILE", "Write a chart of throughput and latency per second: FILE.html (self-contained page) or FILE.svg.")
	fs.String(&pf.progress, "--progress", "auto|always|never", "Progress bar on stderr: auto (when stderr is a terminal), always or never.")
	return fs
}

// check validates the flags and fills in the defaults; embedded says no
// bootstrap server was given.
func (pf *perfFlags) check(fs *cli.FlagSet, embedded bool) error {
	if embedded {
		if pf.topic == "" {
			pf.topic = embeddedTopic
		}
		if !fs.Seen("--num-records") {
			pf.numRecords = embeddedNumRecords
		}
	}
	switch {
	case pf.topic == "":
		return fmt.Errorf("--topic is required with --bootstrap-server")
	case !fs.Seen("--num-records") && !embedded:
		return fmt.Errorf("--num-records is required with --bootstrap-server")
	case pf.numRecords <= 0:
		return fmt.Errorf("--num-records %d: must be positive", pf.numRecords)
	case fs.Seen("--record-size") && pf.payloadFile != "":
		return fmt.Errorf("--record-size and --payload-file exclude each other")
	case pf.monotonic && (fs.Seen("--record-size") || pf.payloadFile != ""):
		return fmt.Errorf("--payload-monotonic excludes --record-size and --payload-file")
	case pf.reportingMs <= 0:
		return fmt.Errorf("--reporting-interval %d: must be positive", pf.reportingMs)
	case fs.Seen("--record-size") && (pf.recordSize <= 0 || pf.recordSize > 1<<30):
		return fmt.Errorf("--record-size %d: must be between 1 and 1073741824", pf.recordSize)
	case pf.throughput == 0 || (pf.throughput < 0 && pf.throughput != -1):
		return fmt.Errorf("--throughput %v: must be positive, or -1 for no limit", pf.throughput)
	case pf.txnDurationMs <= 0:
		return fmt.Errorf("--transaction-duration-ms %d: must be positive", pf.txnDurationMs)
	case fs.Seen("--transaction-duration-ms") && pf.conn.transactionalID == "":
		return fmt.Errorf("--transaction-duration-ms needs --transactional-id")
	case pf.progress != "auto" && pf.progress != "always" && pf.progress != "never":
		return fmt.Errorf("--progress %q: must be auto, always or never", pf.progress)
	}
	if pf.report != "" {
		if ext := strings.ToLower(filepath.Ext(pf.report)); ext != ".html" && ext != ".htm" && ext != ".svg" {
			return fmt.Errorf("--report %q: the file name must end in .html or .svg", pf.report)
		}
	}
	return nil
}

// hasBootstrap reports whether flags or config name bootstrap servers.
func (c *connFlags) hasBootstrap() (bool, error) {
	props, err := c.properties()
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(props["bootstrap.servers"]) != "", nil
}

func runPerf(e *env, args []string) int {
	pf := &perfFlags{recordSize: defaultRecordSize, throughput: -1, txnDurationMs: 3000, progress: "auto", reportingMs: 5000}
	fs := pf.flagSet()
	if code := parseFlags(e, fs, perfUsage, args); code >= 0 {
		return code
	}
	real, err := pf.conn.hasBootstrap()
	if err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	if err := pf.check(fs, !real); err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	values, err := pf.payloads()
	if err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	s, err := pf.conn.connect(e, fs.Name, pf.topic, nil)
	if err != nil {
		return connectError(e, fs.Name, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return pf.run(ctx, stop, e, s, values)
}

// payloads returns the values to send: one random value of --record-size
// bytes, or the pieces of --payload-file.
func (pf *perfFlags) payloads() ([][]byte, error) {
	if pf.payloadFile == "" {
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		v := make([]byte, pf.recordSize)
		for i := range v {
			v[i] = byte('A' + rng.IntN(26))
		}
		return [][]byte{v}, nil
	}
	data, err := os.ReadFile(pf.payloadFile)
	if err != nil {
		return nil, fmt.Errorf("--payload-file: %v", err)
	}
	delim := []byte{'\n'}
	if pf.payloadDelimiter != "" {
		if delim, err = unescape(pf.payloadDelimiter); err != nil {
			return nil, fmt.Errorf("--payload-delimiter %q: %v", pf.payloadDelimiter, err)
		}
	}
	var out [][]byte
	for _, p := range bytes.Split(data, delim) {
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--payload-file %s: no payloads in it", pf.payloadFile)
	}
	return out, nil
}

// run produces the records, prints the lines and writes the report.
func (pf *perfFlags) run(ctx context.Context, stop func(), e *env, s *setup, values [][]byte) int {
	p := s.producer
	txn := pf.conn.transactionalID != ""
	if txn {
		if err := beginTxn(ctx, p); err != nil {
			fmt.Fprintf(e.stderr, "samsa perf: %v\n", err)
			s.close(5 * time.Second)
			return exitFailure
		}
	}
	out := e.stdout
	if pf.json {
		out = io.Discard
	}
	term := &termWriter{w: e.stderr}
	stats := newPerfStats(time.Now())
	bg := pf.startBackground(e, stats, term, out)
	sent, txnErr := pf.sendAll(ctx, e, p, stats, values)
	interrupted := ctx.Err() != nil
	stop()
	code := exitOK
	fctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if txn {
		if err := endTxn(fctx, p, txnErr == nil && !interrupted); err != nil {
			fmt.Fprintf(e.stderr, "samsa perf: %v\n", err)
			code = exitFailure
		}
	} else if err := p.Flush(fctx); err != nil {
		fmt.Fprintf(e.stderr, "samsa perf: flushing: %v\n", err)
		code = exitFailure
	}
	end := time.Now()
	bg.stop(end)
	res := stats.result(end)
	res.Topic, res.Embedded, res.Interrupted = pf.topic, s.embedded != nil, interrupted
	if pf.payloadFile == "" && !pf.monotonic {
		res.RecordSize = int(pf.recordSize)
	}
	if err := s.close(10 * time.Second); err != nil {
		fmt.Fprintf(e.stderr, "samsa perf: closing: %v\n", err)
	}
	if txnErr != nil {
		fmt.Fprintf(e.stderr, "samsa perf: stopped after %d records: %v\n", sent, txnErr)
		code = exitFailure
	}
	if res.Errors > 0 {
		fmt.Fprintf(e.stderr, "samsa perf: %d of %d records failed; the first: %s\n", res.Errors, sent, res.FirstError)
		code = exitFailure
	}
	if interrupted && code == exitOK {
		code = exitInterrupted
	}
	return pf.finish(e, out, res, code)
}

// finish prints the final line or JSON and writes the report.
func (pf *perfFlags) finish(e *env, out io.Writer, res *result, code int) int {
	res.printFinal(out)
	if pf.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(e.stderr, "samsa perf: %v\n", err)
			return exitFailure
		}
	}
	if pf.report != "" {
		if err := writeReport(pf.report, res, pf.describe()); err != nil {
			fmt.Fprintf(e.stderr, "samsa perf: --report: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(e.stderr, "samsa perf: report written to %s\n", pf.report)
	}
	return code
}

// describe is the run's settings, for the report's subtitle.
func (pf *perfFlags) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "topic %s, %d records", pf.topic, pf.numRecords)
	switch {
	case pf.monotonic:
		b.WriteString(", values 0, 1, 2, ...")
	case pf.payloadFile != "":
		fmt.Fprintf(&b, ", payloads from %s", filepath.Base(pf.payloadFile))
	default:
		fmt.Fprintf(&b, " of %d bytes", pf.recordSize)
	}
	if pf.throughput > 0 {
		fmt.Fprintf(&b, ", target %.0f rec/s", pf.throughput)
	}
	if len(pf.conn.props) > 0 {
		fmt.Fprintf(&b, ", %s", strings.Join(pf.conn.props, " "))
	}
	return b.String()
}

// sendAll produces the records at the target rate, committing
// transactions every --transaction-duration-ms. It returns how many it
// produced and a transaction error that stopped it.
func (pf *perfFlags) sendAll(ctx context.Context, e *env, p *samsa.Producer, stats *perfStats, values [][]byte) (int64, error) {
	var keys []byte
	if pf.keys {
		keys = make([]byte, 1<<16)
		for i := range keys {
			keys[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[rand.IntN(36)]
		}
	}
	rng := rand.New(rand.NewPCG(2, 3))
	throttle := newThrottle(pf.throughput, stats.start)
	txnStart := time.Now()
	txnEvery := time.Duration(pf.txnDurationMs) * time.Millisecond
	var i int64
	var number []byte
	for ; i < pf.numRecords && ctx.Err() == nil; i++ {
		rec := samsa.Record{Topic: pf.topic, Value: values[0]}
		switch {
		case pf.monotonic:
			number = strconv.AppendInt(number[:0], i, 10)
			rec.Value = number // Produce copies it
		case len(values) > 1:
			rec.Value = values[rng.IntN(len(values))]
		}
		if keys != nil {
			off := rng.IntN(len(keys) - 16)
			rec.Key = keys[off : off+16]
		}
		size := len(rec.Key) + len(rec.Value)
		sentAt := time.Now()
		p.Produce(ctx, rec, func(_ samsa.RecordMetadata, err error) {
			if err != nil {
				if stats.fail(err) {
					fmt.Fprintf(e.stderr, "samsa perf: record failed: %v\n", err)
				}
				return
			}
			stats.record(time.Since(sentAt), size)
		})
		if pf.conn.transactionalID != "" && time.Since(txnStart) >= txnEvery {
			if err := commitAndBegin(ctx, p); err != nil {
				return i + 1, err
			}
			txnStart = time.Now()
		}
		throttle.wait(ctx, i+1)
	}
	return i, nil
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

// throttle keeps the send rate at most perSec records a second.
type throttle struct {
	perSec float64
	start  time.Time
}

func newThrottle(perSec float64, start time.Time) *throttle {
	return &throttle{perSec: perSec, start: start}
}

// wait sleeps until sent records are due, sleeping at least a millisecond
// at a time to keep the timer cheap.
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

// background runs the per-second sampler, the 5-second lines and the
// progress bar.
type background struct {
	done chan struct{}
	wg   sync.WaitGroup
	last func(end time.Time)
}

func (pf *perfFlags) startBackground(e *env, stats *perfStats, term *termWriter, out io.Writer) *background {
	bg := &background{done: make(chan struct{})}
	showBar := pf.progress == "always" || (pf.progress == "auto" && e.stderrTTY)
	bar := &progressBar{total: pf.numRecords, term: term, stats: stats}
	bg.wg.Add(1)
	go func() {
		defer bg.wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		nextSample := stats.start.Add(time.Second)
		every := time.Duration(pf.reportingMs) * time.Millisecond
		nextLine := stats.start.Add(every)
		for {
			select {
			case <-bg.done:
				return
			case now := <-tick.C:
				if !now.Before(nextSample) {
					stats.takeSample(now)
					nextSample = nextSample.Add(time.Second)
				}
				if !now.Before(nextLine) {
					term.clearThen(func() { stats.printWindow(out, now) })
					nextLine = nextLine.Add(every)
				}
				if showBar {
					bar.draw(now)
				}
			}
		}
	}()
	bg.last = func(end time.Time) {
		stats.takeSample(end)
		if showBar {
			bar.draw(end)
			term.finish()
		}
	}
	return bg
}

// stop ends the background work and takes the last sample.
func (bg *background) stop(end time.Time) {
	close(bg.done)
	bg.wg.Wait()
	bg.last(end)
}
