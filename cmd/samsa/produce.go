package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
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
Blank lines are skipped.

A record that cannot be parsed or produced is reported on stderr with its
place in the input (stdin:12, orders.txt:3); the others are still
produced. The exit status is 1 when any record failed, 2 for a mistake on
the command line. A summary line ends the run; Ctrl-C (or SIGTERM) stops
reading, delivers what was read, prints the summary and exits with 130.

With --spool DIR, records are kept in a durable spool in DIR until Kafka
acknowledges them: those a run cannot deliver before it ends (the
cluster is down) stay there, are not counted as failed, and the next run
with --spool DIR sends them first.

Examples:
  printf 'k1:hello\nk2:world\n' | samsa produce -b localhost:9092 -t greetings -K :
  samsa produce -t events --json events.jsonl
  samsa produce -t images --file-per-record --partition 0 *.png
`

// produceFlags are samsa produce's flags.
type produceFlags struct {
	conn       connFlags
	topic      string
	delimiter  string
	keySep     string
	json       bool
	base64     bool
	wholeFile  bool
	headers    []string
	partition  int64
	quiet      bool
	timeoutSec float64
	spool      string
}

func (pf *produceFlags) flagSet() *cli.FlagSet {
	fs := cli.New("samsa produce")
	fs.String(&pf.topic, "--topic,-t", "TOPIC", "Topic to produce to (required unless every JSON record names one).")
	pf.conn.define(fs)
	fs.String(&pf.delimiter, "--delimiter,-D", "DELIM", `Record delimiter; escapes \n \t \r \0 \\ \xHH are understood (default \n).`)
	fs.String(&pf.keySep, "--key-separator,-K", "SEP", "Split each record into key and value at the first SEP; a record without SEP is an error.")
	fs.Bool(&pf.json, "--json", `Each line is a JSON object: {"key":..,"value":..,"headers":{..},"partition":N,"timestamp":MS,"topic":..}. String keys and values are taken as text, other JSON values as their JSON text, null as null.`)
	fs.Bool(&pf.base64, "--base64", "Keys and values are base64 (standard encoding), for binary data.")
	fs.Bool(&pf.wholeFile, "--file-per-record", "Each FILE is one record (its whole content is the value).")
	fs.List(&pf.headers, "--header,-H", "KEY=VALUE", "Add a header to every record; repeatable.")
	fs.Int(&pf.partition, "--partition,-p", "N", "Produce to partition N (default: the partitioner chooses).")
	fs.Bool(&pf.quiet, "--quiet,-q", "Do not print the summary line.")
	fs.Float(&pf.timeoutSec, "--flush-timeout", "SECONDS", "How long to wait for outstanding records at the end (default 60).")
	fs.String(&pf.spool, "--spool", "DIR", "Keep records in a durable spool in DIR until Kafka acknowledges them (spool.dir); what a run cannot deliver stays there for the next run with --spool DIR.")
	return fs
}

// inputFormat checks the flags and returns the input format.
func (pf *produceFlags) inputFormat(fs *cli.FlagSet) (*inputFormat, error) {
	f := &inputFormat{delimiter: []byte{'\n'}, json: pf.json, base64: pf.base64, wholeFile: pf.wholeFile, topic: pf.topic}
	var err error
	if fs.Seen("--delimiter") {
		if f.delimiter, err = unescape(pf.delimiter); err != nil {
			return nil, fmt.Errorf("--delimiter %q: %v", pf.delimiter, err)
		}
	}
	if fs.Seen("--key-separator") {
		if pf.json {
			return nil, fmt.Errorf("--key-separator and --json do not go together (JSON records have a key field)")
		}
		if f.keySep, err = unescape(pf.keySep); err != nil {
			return nil, fmt.Errorf("--key-separator %q: %v", pf.keySep, err)
		}
	}
	for _, h := range pf.headers {
		hd, err := parseHeaderFlag(h)
		if err != nil {
			return nil, fmt.Errorf("--header %q: %v", h, err)
		}
		f.headers = append(f.headers, hd)
	}
	f.partition = samsa.AnyPartition
	if fs.Seen("--partition") {
		if pf.partition < 0 || pf.partition > 1<<31-1 {
			return nil, fmt.Errorf("--partition %d: must be 0 or more", pf.partition)
		}
		f.partition = samsa.PartitionOf(int32(pf.partition))
	}
	if pf.topic == "" && !pf.json {
		return nil, fmt.Errorf("--topic is required")
	}
	if pf.wholeFile && len(fs.Args) == 0 {
		return nil, fmt.Errorf("--file-per-record needs FILE arguments")
	}
	return f, nil
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
	spooled             atomic.Int64 // left in the spool for the next run
	mu                  sync.Mutex   // serializes error lines
}

func runProduce(e *env, args []string) int {
	pf := &produceFlags{timeoutSec: 60}
	fs := pf.flagSet()
	if code := parseFlags(e, fs, produceUsage, args); code >= 0 {
		return code
	}
	format, err := pf.inputFormat(fs)
	if err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	s, err := pf.conn.connect(e, fs.Name, pf.topic, pf.spoolConfig(e))
	if err != nil {
		return connectError(e, fs.Name, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return produceAll(ctx, stop, e, pf, format, fs.Args, s)
}

// produceAll produces the inputs, then flushes, closes and reports.
func produceAll(ctx context.Context, stop func(), e *env, pf *produceFlags, format *inputFormat, files []string, s *setup) int {
	start := time.Now()
	st := &produceStats{}
	p := s.producer
	txn := pf.conn.transactionalID != ""
	code := exitOK
	if txn {
		if err := beginTxn(ctx, p); err != nil {
			fmt.Fprintf(e.stderr, "samsa produce: %v\n", err)
			s.close(5 * time.Second)
			return exitFailure
		}
	}
	readErr := readInputs(ctx, e, format, files, func(r inputRecord) {
		produceOne(ctx, e, p, r, st)
	})
	interrupted := ctx.Err() != nil
	stop() // a second Ctrl-C kills
	if readErr != nil {
		fmt.Fprintf(e.stderr, "samsa produce: %v\n", readErr)
		code = exitFailure
	}
	fctx, cancel := context.WithTimeout(context.Background(), time.Duration(pf.timeoutSec*float64(time.Second)))
	defer cancel()
	closeTimeout := 10 * time.Second
	if txn {
		if err := endTxn(fctx, p, st.failed.Load() == 0 && readErr == nil && !interrupted); err != nil {
			fmt.Fprintf(e.stderr, "samsa produce: %v\n", err)
			code = exitFailure
		}
	} else if err := p.Flush(fctx); err != nil {
		if pf.spool == "" {
			fmt.Fprintf(e.stderr, "samsa produce: flushing: %v\n", err)
			code = exitFailure
		}
		closeTimeout = time.Second // what is left stays in the spool
	}
	if err := s.close(closeTimeout); err != nil && (pf.spool == "" || !errors.Is(err, context.DeadlineExceeded)) {
		fmt.Fprintf(e.stderr, "samsa produce: closing: %v\n", err)
	}
	if st.failed.Load() > 0 {
		code = exitFailure
	} else if interrupted && code == exitOK {
		code = exitInterrupted
	}
	if !pf.quiet {
		note := ""
		if interrupted {
			note = " (interrupted)"
		}
		if n := st.spooled.Load(); n > 0 {
			note += fmt.Sprintf("; %d records stay in the spool %s for the next run", n, pf.spool)
		}
		fmt.Fprintf(e.stderr, "samsa produce: %d records (%d bytes) delivered, %d failed, in %.3fs%s\n",
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

// produceOne produces r, or reports why its input is not a record.
func produceOne(ctx context.Context, e *env, p *samsa.Producer, r inputRecord, st *produceStats) {
	if r.err == nil && r.rec.Topic == "" {
		r.err = fmt.Errorf("no topic: give --topic or a \"topic\" field")
	}
	if r.err != nil {
		st.fail(e, r.pos, r.err)
		return
	}
	size := int64(r.size())
	pos := r.pos
	p.Produce(ctx, r.rec, func(_ samsa.RecordMetadata, err error) {
		if errors.Is(err, samsa.ErrLeftInSpool) {
			st.spooled.Add(1)
			return
		}
		if err != nil {
			st.fail(e, pos, err)
			return
		}
		st.sent.Add(1)
		st.bytes.Add(size)
	})
}

func (st *produceStats) fail(e *env, pos string, err error) {
	st.failed.Add(1)
	st.mu.Lock()
	fmt.Fprintf(e.stderr, "samsa produce: %s: %v\n", pos, err)
	st.mu.Unlock()
}

// readInputs parses files (stdin when none, or "-") and calls each for
// every record, until the inputs end or ctx is done. Reading runs in its
// own goroutine so that Ctrl-C is seen while a read blocks.
func readInputs(ctx context.Context, e *env, f *inputFormat, files []string, each func(inputRecord)) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	recs := make(chan inputRecord, 256)
	errc := make(chan error, len(files))
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(recs)
		emit := func(r inputRecord) bool {
			select {
			case recs <- r:
				return true
			case <-done:
				return false
			}
		}
		for _, name := range files {
			if err := scanFile(e, f, name, emit); err != nil {
				errc <- err // and go on with the next file
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case r, ok := <-recs:
			if !ok {
				close(errc)
				var errs []error
				for err := range errc {
					errs = append(errs, err)
				}
				return errors.Join(errs...)
			}
			each(r)
		}
	}
}

func scanFile(e *env, f *inputFormat, name string, emit func(inputRecord) bool) error {
	var r io.Reader = e.stdin
	label := "stdin"
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return err
		}
		defer file.Close()
		r, label = file, name
	}
	return f.scan(r, label, emit)
}
