package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/samsa-go/samsa/cmd/samsa/internal/cli"
)

const perfUsage = `Usage: samsa perf [flags]

Produces --num-records records as fast as allowed (or at --throughput)
and reports throughput and latency, from Produce to the record's
acknowledgement, with the lines of Kafka's kafka-producer-perf-test: one
every 5 seconds and a final one with percentiles, so that results compare
directly. That tool's flags work here under the same names.

On a terminal a progress line with rate and ETA is drawn on stderr
(otherwise a plain progress line every 5 s). --json prints one JSON result
on stdout instead of Kafka's lines, and --report FILE.html (or .svg)
charts throughput and latency percentiles over time and the latency
distribution, under a header with every setting of the run.

Without --bootstrap-server it runs against an embedded in-process broker
(topic samsa-perf, 1000000 records of 100 bytes unless told otherwise):
that measures samsa, not Kafka.

Examples:
  samsa perf
  samsa perf --bootstrap-server localhost:9092 --topic t --num-records 1000000 \
      --record-size 100 --throughput -1 --producer-props acks=all linger.ms=5
  samsa perf -b localhost:9092 --topic t --num-records 2000000 --goroutines 64 \
      --warmup-records 200000 --report run.html
  samsa perf -b localhost:9092 --topic t --num-records 100000 --json | jq .p99_ms
  samsa perf -b localhost:9092 --topic t --num-records 300000 --throughput 30000 \
      --transaction-duration-ms 1000 --print-metrics
`

// Defaults for the embedded broker, chosen to finish in a few seconds.
const (
	embeddedTopic      = "samsa-perf"
	embeddedNumRecords = 1_000_000
	defaultRecordSize  = 100
	// maxGoroutines bounds --goroutines.
	maxGoroutines = 100000
	// txnIDPrefix is Kafka's tool's prefix for a generated transactional.id.
	txnIDPrefix = "performance-producer-"
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
	warmup           int64
	printMetrics     bool
	goroutines       int64
	keys             bool
	json             bool
	report           string
	progress         string
	reportingMs      int64
	monotonic        bool
}

func (pf *perfFlags) flagSet() *cli.FlagSet {
	fs := cli.New("samsa perf")
	fs.Section("Workload (kafka-producer-perf-test's flags)")
	fs.String(&pf.topic, "--topic,-t", "TOPIC", "Topic to produce to (required with --bootstrap-server; samsa-perf on the embedded broker).")
	fs.Int(&pf.numRecords, "--num-records,-n", "N", "Number of records to produce (required with --bootstrap-server; 1000000 on the embedded broker).")
	fs.Int(&pf.recordSize, "--record-size,-s", "BYTES", "Size of each record's value: random uppercase letters, fresh for every record as Kafka's tool makes them (default 100).")
	fs.String(&pf.payloadFile, "--payload-file", "FILE", "Take values from FILE, split at --payload-delimiter, chosen at random for each record.")
	fs.String(&pf.payloadDelimiter, "--payload-delimiter", "DELIM", `Delimiter of --payload-file (default \n).`)
	fs.Bool(&pf.monotonic, "--payload-monotonic", "Each value is the record's number in decimal (0, 1, 2, ...), as Kafka's tool makes it.")
	fs.Float(&pf.throughput, "--throughput", "REC/S", "Target records per second; -1 (the default) for no limit.")
	fs.Int(&pf.txnDurationMs, "--transaction-duration-ms", "MS", "Commit a transaction every MS milliseconds (default 3000 with transactions); without a transactional.id, one is made up as Kafka's tool does.")
	fs.Int(&pf.warmup, "--warmup-records", "N", "Treat the first N records as warm-up: the summary (the steady-state line, --json, the report) leaves them out and says so.")
	fs.Bool(&pf.printMetrics, "--print-metrics", "Print the producer's metrics at the end, as Kafka's tool does.")
	fs.Section("samsa's additions")
	fs.Int(&pf.goroutines, "--goroutines,-g", "N", "Produce from N goroutines sharing the one producer, as a service's request handlers do (default 1).")
	fs.Bool(&pf.keys, "--keys", "Give records 16-byte random keys (default: null keys, as Kafka's tool sends).")
	fs.Bool(&pf.json, "--json", "Print one JSON result on stdout instead of Kafka's lines.")
	fs.String(&pf.report, "--report", "FILE", "Write a chart of throughput and latency over time and the latency distribution, with the run's settings: FILE.html (a self-contained page) or FILE.svg.")
	fs.String(&pf.progress, "--progress", "auto|bar|lines|never", "Progress on stderr: a line redrawn in place (bar), a plain line every --reporting-interval (lines), or none; auto picks bar on a terminal, lines otherwise.")
	fs.Int(&pf.reportingMs, "--reporting-interval", "MS", "Print Kafka's periodic line every MS milliseconds (default 5000).")
	pf.conn.define(fs)
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
	case pf.warmup < 0 || (pf.warmup > 0 && pf.warmup >= pf.numRecords):
		return fmt.Errorf("--warmup-records %d: must be at least 0 and fewer than --num-records (%d)", pf.warmup, pf.numRecords)
	case pf.goroutines < 1 || pf.goroutines > maxGoroutines:
		return fmt.Errorf("--goroutines %d: must be from 1 to %d", pf.goroutines, maxGoroutines)
	case fs.Seen("--transaction-duration-ms") && pf.txnDurationMs <= 0:
		return fmt.Errorf("--transaction-duration-ms %d: must be positive", pf.txnDurationMs)
	}
	if err := pf.checkPayload(fs); err != nil {
		return err
	}
	return pf.checkOutput()
}

// checkPayload checks the flags that choose the values.
func (pf *perfFlags) checkPayload(fs *cli.FlagSet) error {
	switch {
	case fs.Seen("--record-size") && pf.payloadFile != "":
		return fmt.Errorf("--record-size and --payload-file exclude each other")
	case pf.monotonic && (fs.Seen("--record-size") || pf.payloadFile != ""):
		return fmt.Errorf("--payload-monotonic excludes --record-size and --payload-file")
	case fs.Seen("--record-size") && (pf.recordSize <= 0 || pf.recordSize > 1<<30):
		return fmt.Errorf("--record-size %d: must be between 1 and 1073741824", pf.recordSize)
	case pf.throughput == 0 || (pf.throughput < 0 && pf.throughput != -1):
		return fmt.Errorf("--throughput %v: must be positive, or -1 for no limit", pf.throughput)
	case fs.Seen("--payload-delimiter") && pf.payloadFile == "":
		return fmt.Errorf("--payload-delimiter needs --payload-file")
	}
	return nil
}

// checkOutput checks the flags that choose the output.
func (pf *perfFlags) checkOutput() error {
	if pf.reportingMs <= 0 {
		return fmt.Errorf("--reporting-interval %d: must be positive", pf.reportingMs)
	}
	if _, err := parseProgress(pf.progress); err != nil {
		return err
	}
	if pf.report != "" {
		if ext := strings.ToLower(filepath.Ext(pf.report)); ext != ".html" && ext != ".htm" && ext != ".svg" {
			return fmt.Errorf("--report %q: the file name must end in .html or .svg", pf.report)
		}
	}
	return nil
}

// transactions turns transactions on as Kafka's tool does: a
// --transaction-duration-ms without a transactional.id gets a made-up
// one; a transactional.id without a duration commits every 3000 ms.
func (pf *perfFlags) transactions(fs *cli.FlagSet) error {
	props, _, err := pf.conn.properties(&env{stderr: discard{}}, fs.Name)
	if err != nil {
		return err
	}
	hasID := strings.TrimSpace(props["transactional.id"]) != ""
	if fs.Seen("--transaction-duration-ms") && !hasID {
		pf.conn.transactionalID = txnIDPrefix + randomUUID()
	}
	if !fs.Seen("--transaction-duration-ms") {
		pf.txnDurationMs = 3000
	}
	return nil
}

// randomUUID returns a random (version 4) UUID.
func randomUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func runPerf(e *env, args []string) int {
	pf := &perfFlags{recordSize: defaultRecordSize, throughput: -1, progress: "auto", reportingMs: 5000, goroutines: 1}
	fs := pf.flagSet()
	if code := parseFlags(e, fs, perfUsage, args); code >= 0 {
		return code
	}
	real, err := pf.conn.hasBootstrap(fs.Name)
	if err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	if err := pf.check(fs, !real); err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	if err := pf.transactions(fs); err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	values, err := pf.payloads()
	if err != nil {
		return usageError(e, fs.Name, "%v", err)
	}
	mode, _ := parseProgress(pf.progress)
	if mode == progressAuto {
		mode = progressLines
		if e.stderrTTY {
			mode = progressBar
		}
	}
	term := newTermWriter(e.stderr, mode == progressBar, e.width)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := pf.conn.connect(ctx, e, connectOpts{cmd: fs.Name, topic: pf.topic, term: term, clientID: "perf-producer-client"})
	if err != nil {
		return connectError(e, fs.Name, err)
	}
	run := &perfRun{pf: pf, e: e, s: s, term: term, mode: mode, values: values}
	return run.run(ctx, stop)
}

// payloads returns the pieces of --payload-file, or none: then each
// record gets a fresh random value of --record-size bytes (fillLetters).
func (pf *perfFlags) payloads() ([][]byte, error) {
	if pf.payloadFile == "" {
		return nil, nil
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

// announce prints the lines Kafka's tool prints before it starts.
func (pf *perfFlags) announce(out io.Writer, values [][]byte) {
	if pf.payloadFile != "" {
		abs, _ := filepath.Abs(pf.payloadFile)
		fmt.Fprintf(out, "Reading payloads from: %s\n", abs)
		fmt.Fprintf(out, "Number of messages read: %d\n", len(values))
	}
	if pf.warmup > 0 {
		fmt.Fprintf(out, "Warmup first %d records. Steady state results will print after the complete test summary.\n", pf.warmup)
	}
}

// writeJSON prints res as indented JSON.
func writeJSON(w io.Writer, res *result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
