package main

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/cmd/samsa/internal/cli"
)

const produceUsage = `Usage: samsa produce --topic TOPIC [flags] [FILE...]

Produces records read from the FILEs, or from standard input when there
are none ("-" also names standard input): one record a line (or a
--delimiter), with an optional key before a --key-separator, or one JSON
object a line (--json), or one record a file (--file-per-record).
Blank lines are skipped. The options of kafka-console-producer and of
kcat -P work under their own names.

A record that cannot be parsed or produced is reported on stderr with its
place in the input (stdin:12, orders.txt:3); the others are still
produced. The exit status is 1 when any record failed, 2 for a mistake on
the command line. A summary line ends the run; Ctrl-C (or SIGTERM) stops
reading, delivers what was read, prints the summary and exits with 130.
When no bootstrap broker answers, it says why for each address and exits
with 1 (within --connect-timeout).

With --spool DIR, records are kept in a durable spool in DIR until Kafka
acknowledges them: those a run cannot deliver before it ends (the
cluster is down) stay there, are not counted as failed, and the next run
with --spool DIR sends them first. It does not wait for the cluster.

Examples:
  printf 'k1:hello\nk2:world\n' | samsa produce -b localhost:9092 -t greetings -K :
  samsa produce -b localhost:9092 -t events --json events.jsonl -H source=backfill
  samsa produce -t images --file-per-record --partition 0 *.png
  kafka-console-producer style:
    samsa produce --bootstrap-server localhost:9092 --topic t \
        --property parse.key=true --property key.separator=: --request-required-acks 1
  kcat style:
    samsa produce -b localhost:9092 -t t -K : -z lz4 -X linger.ms=20 -T -c 100
`

// produceFlags are samsa produce's flags.
type produceFlags struct {
	conn         connFlags
	topic        string
	delimiter    string
	keySep       string
	fixedKey     string
	json         bool
	base64       bool
	wholeFile    bool
	lineMode     bool
	headers      []string
	partition    int64
	quiet        bool
	timeoutSec   float64
	readerArgs   [][2]string // --property KEY=VALUE, in order
	readerConfig string
	sync         bool
	tee          bool
	count        int64
	emptyAsNull  bool
	progress     string
	spool        string
}

func (pf *produceFlags) flagSet() *cli.FlagSet {
	fs := cli.New("samsa produce")
	fs.Section("Input and records")
	fs.String(&pf.topic, "--topic,-t", "TOPIC", "Topic to produce to (required unless every JSON record names one).")
	fs.String(&pf.delimiter, "--delimiter,-D", "DELIM", `Record delimiter; escapes \n \t \r \0 \\ \xHH are understood (default \n).`)
	fs.String(&pf.keySep, "--key-separator,-K", "SEP", "Split each record into key and value at the first SEP; a record without SEP is an error (unless --property ignore.error=true).")
	fs.String(&pf.fixedKey, "--key,-k", "KEY", "The key of every record that has none of its own (kcat's -k).")
	fs.List(&pf.headers, "--header,-H", "KEY[=VALUE]", "Add a header to every record (without =VALUE, a null value); repeatable, order kept.")
	fs.Int(&pf.partition, "--partition,-p", "N", "Produce to partition N; -1 (the default) lets the partitioner choose.")
	fs.Bool(&pf.json, "--json", `Each line is a JSON object: {"key":..,"value":..,"headers":{..},"partition":N,"timestamp":MS,"topic":..}. String keys and values are taken as text, other JSON values as their JSON text, null as null.`)
	fs.Bool(&pf.base64, "--base64", "Keys and values are base64 (standard encoding), for binary data.")
	fs.Bool(&pf.wholeFile, "--file-per-record", "Each FILE is one record (its whole content is the value).")
	fs.Bool(&pf.lineMode, "-l", "kcat's -l: FILEs are split into records like standard input, which samsa does by default (--file-per-record does otherwise).")
	fs.Bool(&pf.emptyAsNull, "--empty-as-null,-Z", "An empty key or value is sent as null (kcat's -Z).")
	fs.Int(&pf.count, "--count,-c", "N", "Stop after producing N records.")
	fs.Func("--property", "KEY=VALUE", "kafka-console-producer's line reader settings: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error. Repeatable.", func(kv string) error {
		k, v, ok := cutKV(kv)
		if !ok {
			return fmt.Errorf("want KEY=VALUE, such as --property parse.key=true")
		}
		if err := defaultReaderProps().set(k, v); err != nil {
			return err // checked now, applied in order with --reader-config
		}
		pf.readerArgs = append(pf.readerArgs, [2]string{k, v})
		return nil
	})
	fs.String(&pf.readerConfig, "--reader-config", "FILE", "Line reader settings from a properties file; --property wins over it.")
	fs.Section("Delivery and output")
	fs.Bool(&pf.sync, "--sync", "Produce one record at a time, waiting for each to be acknowledged before reading the next (slow; for ordering tests).")
	fs.Bool(&pf.tee, "--tee,-T", "Echo each record produced to stdout, as read (kcat's -T).")
	fs.Float(&pf.timeoutSec, "--flush-timeout", "SECONDS", "How long to wait for outstanding records at the end (default 60).")
	fs.String(&pf.progress, "--progress", "auto|bar|lines|never", "Progress on stderr: a line redrawn in place (bar), a plain line every 5 s (lines), or none; auto draws the bar when stderr is a terminal and the input is not.")
	fs.Bool(&pf.quiet, "--quiet,-q", "Do not print the summary line.")
	fs.String(&pf.spool, "--spool", "DIR", "Keep records in a durable spool in DIR until Kafka acknowledges them (spool.dir); what a run cannot deliver stays there for the next run with --spool DIR.")
	pf.conn.define(fs)
	fs.Section("Settings under kafka-console-producer's names")
	pf.conn.defineDedicated(fs, consolePropFlags)
	defineKcatModes(fs)
	return fs
}

// consolePropFlags are kafka-console-producer's flags that set one
// producer property each. Unlike that tool, samsa keeps the producer's
// own defaults when they are not given.
var consolePropFlags = []propFlag{
	{"--batch-size", "BYTES", "batch.size", "batch.size (Kafka's tool describes it in messages but sets batch.size, in bytes)."},
	{"--timeout", "MS", "linger.ms", "linger.ms: how long a batch waits for more records."},
	{"--request-timeout-ms", "MS", "request.timeout.ms", "request.timeout.ms."},
	{"--message-send-max-retries", "N", "retries", "retries."},
	{"--retry-backoff-ms", "MS", "retry.backoff.ms", "retry.backoff.ms."},
	{"--metadata-expiry-ms", "MS", "metadata.max.age.ms", "metadata.max.age.ms."},
	{"--max-block-ms", "MS", "max.block.ms", "max.block.ms."},
	{"--max-memory-bytes", "BYTES", "buffer.memory", "buffer.memory."},
	{"--max-partition-memory-bytes", "BYTES", "batch.size", "batch.size."},
	{"--socket-buffer-size", "BYTES", "send.buffer.bytes", "send.buffer.bytes."},
}

// defineKcatModes accepts kcat's -P (producer mode: what samsa produce
// always is) and refuses its other modes and kafka-console-producer's
// --line-reader with a reason.
func defineKcatModes(fs *cli.FlagSet) {
	fs.Bool(new(bool), "-P", "kcat's producer mode; samsa produce always is.").Hide()
	for _, m := range []string{"-C", "-G", "-L", "-Q"} {
		fs.Func(m, "", "", func(string) error { return fmt.Errorf("samsa only produces: kcat's %s mode is not supported", m) }).Hide()
	}
	fs.Func("--line-reader", "CLASS", "", func(string) error {
		return fmt.Errorf("samsa cannot load a Java class; its reader takes --property parse.key, parse.headers, ... and --json")
	}).Hide()
}

func cutKV(kv string) (string, string, bool) {
	k, v, ok := cutTrim(kv)
	return k, v, ok && k != ""
}

// spoolConfig sets the spool up when --spool is given: the recovery of
// what an earlier run left is reported on stderr.
func (pf *produceFlags) spoolConfig(e *env) func(*samsa.Config) {
	if pf.spool == "" {
		return nil
	}
	return func(c *samsa.Config) {
		c.Spool.Dir = pf.spool
		c.Spool.OnRecovery = func(r samsa.SpoolRecovery) {
			fmt.Fprintf(e.stderr, "samsa produce: the spool held %d records of an earlier run: %d delivered, %d failed, %d still spooled, %d possibly duplicated\n",
				r.Records, r.Acked, r.Failed, r.Unsent, r.PossibleDuplicates)
			for _, d := range r.Damage {
				fmt.Fprintf(e.stderr, "samsa produce: spool damage, records lost: %s bytes %d..%d: %s (%d entries)\n",
					d.Path, d.Offset, d.Offset+d.Length, d.Reason, d.Entries)
			}
		}
	}
}

// produceStats counts a produce run; callbacks update it concurrently.
type produceStats struct {
	sent, failed, bytes atomic.Int64
	spooled             atomic.Int64                         // left in the spool for the next run
	produced            int64                                // records handed to Produce (read side only)
	mu                  lockorder.Mutex[lockorder.CLIOutput] // serializes error lines
	term                *termWriter
}

func runProduce(e *env, args []string) int {
	pf := &produceFlags{timeoutSec: 60, partition: -1, progress: "auto"}
	fs := pf.flagSet()
	if code := parseFlags(e, fs, produceUsage, args); code >= 0 {
		return code
	}
	format, err := pf.inputFormat(e, fs)
	if err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	mode, err := pf.progressMode(fs, e)
	if err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	term := newTermWriter(e.stderr, mode == progressBar, e.width)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := pf.conn.connect(ctx, e, connectOpts{cmd: fs.Name, topic: pf.topic, term: term,
		clientID: "console-producer", mod: pf.spoolConfig(e), noWait: pf.spool != ""})
	if err != nil {
		return connectError(e, fs.Name, err)
	}
	run := &produceRun{pf: pf, e: e, format: format, s: s, term: term, mode: mode,
		st: &produceStats{term: term}}
	return run.all(ctx, stop, fs.Args)
}

// progressMode resolves --progress: auto draws the bar when stderr is a
// terminal and the input is not (a person typing records needs no bar).
func (pf *produceFlags) progressMode(fs *cli.FlagSet, e *env) (progressMode, error) {
	m, err := parseProgress(pf.progress)
	if err != nil || m != progressAuto {
		return m, err
	}
	if e.stderrTTY && (len(fs.Args) > 0 || !e.stdinTTY) {
		return progressBar, nil
	}
	return progressOff, nil
}

// produceRun is one run of samsa produce.
type produceRun struct {
	pf     *produceFlags
	e      *env
	format *inputFormat
	s      *setup
	term   *termWriter
	mode   progressMode
	st     *produceStats
}

// all produces the inputs, then flushes, closes and reports.
func (r *produceRun) all(ctx context.Context, stop func(), files []string) int {
	start := time.Now()
	p := r.s.producer
	txn := r.s.cfg.TransactionalID != ""
	if txn {
		if err := beginTxn(ctx, p); err != nil {
			fmt.Fprintf(r.e.stderr, "samsa produce: %v\n", err)
			_ = r.s.close(5 * time.Second)
			return exitFailure
		}
	}
	prog := startProgress(r.mode, r.term, 5*time.Second, func(now time.Time) progress {
		return progress{done: r.st.sent.Load(), failed: r.st.failed.Load(), bytes: r.st.bytes.Load(), elapsed: now.Sub(start)}
	}, func(p progress) string { return plainProgress("samsa produce", p) })
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	readErr := readInputs(readCtx, r.e, r.format, files, func(in inputRecord) {
		if r.pf.count > 0 && r.st.produced >= r.pf.count {
			return // read before the reading stopped
		}
		r.one(ctx, in)
		if r.pf.count > 0 && r.st.produced >= r.pf.count {
			stopReading()
		}
	})
	interrupted := ctx.Err() != nil
	stop() // a second Ctrl-C kills
	code := r.finish(txn, readErr, interrupted)
	prog.stop()
	return r.summary(code, start, interrupted)
}

// finish flushes (or ends the transaction) and closes the producer.
func (r *produceRun) finish(txn bool, readErr error, interrupted bool) int {
	code := exitOK
	if readErr != nil {
		r.term.print(fmt.Sprintf("samsa produce: %v\n", readErr))
		code = exitFailure
	}
	p := r.s.producer
	fctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.pf.timeoutSec*float64(time.Second)))
	defer cancel()
	closeTimeout := 10 * time.Second
	spool := r.pf.spool != ""
	if txn {
		if err := endTxn(fctx, p, r.st.failed.Load() == 0 && readErr == nil && !interrupted); err != nil {
			r.term.print(fmt.Sprintf("samsa produce: %v\n", err))
			code = exitFailure
		}
	} else if err := p.Flush(fctx); err != nil {
		if !spool {
			r.term.print(fmt.Sprintf("samsa produce: flushing: %v\n", err))
			code = exitFailure
		}
		closeTimeout = time.Second // what is left stays in the spool
	}
	if err := r.s.close(closeTimeout); err != nil && (!spool || !errors.Is(err, context.DeadlineExceeded)) {
		r.term.print(fmt.Sprintf("samsa produce: closing: %v\n", err))
	}
	return code
}

// summary prints the summary line and returns the exit status.
func (r *produceRun) summary(code int, start time.Time, interrupted bool) int {
	st := r.st
	if st.failed.Load() > 0 {
		code = exitFailure
	} else if interrupted && code == exitOK {
		code = exitInterrupted
	}
	if !r.pf.quiet {
		note := ""
		if interrupted {
			note = " (interrupted)"
		}
		if n := st.spooled.Load(); n > 0 {
			note += fmt.Sprintf("; %d records stay in the spool %s for the next run", n, r.pf.spool)
		}
		fmt.Fprintf(r.e.stderr, "samsa produce: %d records (%d bytes) delivered, %d failed, in %.3fs%s\n",
			st.sent.Load(), st.bytes.Load(), st.failed.Load(), time.Since(start).Seconds(), note)
	}
	return code
}

func beginTxn(ctx context.Context, p *samsa.Producer) error {
	if err := p.InitTransactions(ctx); err != nil {
		return fmt.Errorf("initializing transactions: %w", err)
	}
	if err := p.BeginTransaction(); err != nil {
		return fmt.Errorf("beginning the transaction: %w", err)
	}
	return nil
}

// endTxn commits the transaction when commit is true and that works, and
// aborts it otherwise.
func endTxn(ctx context.Context, p *samsa.Producer, commit bool) error {
	if commit {
		err := p.CommitTransaction(ctx)
		if err == nil {
			return nil
		}
		if aerr := p.AbortTransaction(ctx); aerr != nil {
			return fmt.Errorf("committing the transaction: %w; aborting it: %v", err, aerr)
		}
		return fmt.Errorf("committing the transaction: %w (aborted: no record of it is visible to read_committed consumers)", err)
	}
	if err := p.AbortTransaction(ctx); err != nil {
		return fmt.Errorf("aborting the transaction: %w", err)
	}
	return fmt.Errorf("transaction aborted because records failed or the run was interrupted: no record of it is visible to read_committed consumers")
}

// one produces in, or reports why its input is not a record. With --sync
// it waits for the acknowledgement; with --tee it echoes the input.
func (r *produceRun) one(ctx context.Context, in inputRecord) {
	if in.err == nil && in.rec.Topic == "" {
		in.err = fmt.Errorf("no topic: give --topic or a \"topic\" field")
	}
	st := r.st
	if in.err != nil {
		st.fail(in.pos, in.err)
		return
	}
	size := int64(in.size())
	pos := in.pos
	var acked chan struct{}
	if r.pf.sync {
		acked = make(chan struct{})
	}
	st.produced++
	r.s.producer.Produce(ctx, in.rec, func(_ samsa.RecordMetadata, err error) {
		switch {
		case errors.Is(err, samsa.ErrLeftInSpool):
			st.spooled.Add(1)
		case err != nil:
			st.fail(pos, err)
		default:
			st.sent.Add(1)
			st.bytes.Add(size)
		}
		if acked != nil {
			close(acked)
		}
	})
	if r.pf.tee {
		if !r.format.wholeFile {
			in.raw = append(in.raw, r.format.delimiter...)
		}
		_, _ = r.e.stdout.Write(in.raw)
	}
	if acked != nil {
		<-acked
	}
}

func (st *produceStats) fail(pos string, err error) {
	st.failed.Add(1)
	st.mu.Lock()
	st.term.print(fmt.Sprintf("samsa produce: %s: %v\n", pos, err))
	st.mu.Unlock()
}
