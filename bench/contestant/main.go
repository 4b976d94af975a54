// Command contestant runs the multi-client benchmark harness's produce
// workload (peers/bench, "Adding a contestant"; the harness is not part of
// this repository, see README.md) through samsa's public API: knob flags
// (or BENCH_* variables) in, one JSON result line out.
//
//	go build -o /tmp/samsa-contestant ./bench/contestant
//	go run ./cmd/compare -extra 'samsa=exec /tmp/samsa-contestant {flags}'
//
// SAMSA_SPOOL=interval|always|os produces through a spool (spool.fsync)
// in a fresh directory under SAMSA_SPOOL_DIR (default the system's
// temporary directory), removed at exit: with the harness,
//
//	-extra 'samsa-spool=exec env SAMSA_SPOOL=interval /tmp/samsa-contestant {flags}'
//
// SAMSA_BUFFER_MEMORY=bytes sets buffer.memory instead of the budget
// derived from -max-buffered (see config), e.g. 33554432 for samsa's
// default.
//
// SAMSA_PROPS="key=value,key=value" sets further configuration
// properties over the ones the knobs give (experiments such as
// send.buffer.bytes=-1); a property samsa does not know stops the run.
//
// SAMSA_CRC_FOLD=0 turns off the AVX-512 CRC-32C folding, to measure what
// a CPU without it (or another architecture) runs.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/recordbatch"
)

// knobs are the workload settings, named as the harness names them.
type knobs struct {
	brokers, topic, keys, acks, compression string
	n, size, partitions, batchBytes         int
	maxInFlight, maxBuffered, sampleEvery   int
	goroutines                              int
	lingerMs                                float64
	idempotent                              bool
	timeout                                 time.Duration
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	v, err := strconv.Atoi(env(name, strconv.Itoa(def)))
	if err != nil {
		fatalf("%s: %v", name, err)
	}
	return v
}

func parseKnobs() *knobs {
	k := &knobs{}
	flag.StringVar(&k.brokers, "brokers", env("BENCH_BROKERS", "127.0.0.1:9092"), "bootstrap address")
	flag.StringVar(&k.topic, "topic", env("BENCH_TOPIC", "bench"), "topic")
	flag.IntVar(&k.n, "n", envInt("BENCH_RECORDS", 1000000), "records")
	flag.IntVar(&k.size, "size", envInt("BENCH_VALUE_SIZE", 100), "value bytes")
	flag.StringVar(&k.keys, "keys", env("BENCH_KEYS", "none"), "none | random")
	flag.IntVar(&k.partitions, "partitions", envInt("BENCH_PARTITIONS", 6), "partitions (broker side)")
	flag.StringVar(&k.acks, "acks", env("BENCH_ACKS", "1"), "0 | 1 | all")
	lm, _ := strconv.ParseFloat(env("BENCH_LINGER_MS", "5"), 64)
	flag.Float64Var(&k.lingerMs, "linger-ms", lm, "linger in ms")
	flag.IntVar(&k.batchBytes, "batch-bytes", envInt("BENCH_BATCH_BYTES", 65536), "batch size")
	flag.StringVar(&k.compression, "compression", env("BENCH_COMPRESSION", "none"), "codec")
	idem, _ := strconv.ParseBool(env("BENCH_IDEMPOTENT", "false"))
	flag.BoolVar(&k.idempotent, "idempotent", idem, "idempotent producer")
	flag.IntVar(&k.maxInFlight, "max-inflight", envInt("BENCH_MAX_INFLIGHT", 5), "requests in flight")
	flag.IntVar(&k.maxBuffered, "max-buffered", envInt("BENCH_MAX_BUFFERED", 100000), "records buffered")
	flag.IntVar(&k.sampleEvery, "sample-every", envInt("BENCH_SAMPLE_EVERY", 100), "latency sampling")
	flag.IntVar(&k.goroutines, "goroutines", envInt("BENCH_GOROUTINES", 1), "goroutines sharing the producer, each producing its contiguous share of the records in order")
	to, err := time.ParseDuration(env("BENCH_TIMEOUT", "2m"))
	if err != nil {
		fatalf("BENCH_TIMEOUT: %v", err)
	}
	flag.DurationVar(&k.timeout, "timeout", to, "run timeout")
	flag.Parse()
	return k
}

// config maps the knobs onto samsa's configuration. max-buffered is a
// record count; samsa bounds bytes, so the budget is that many records'
// worth of encoded batch space.
func (k *knobs) config() (samsa.Config, string) {
	props := map[string]string{
		"bootstrap.servers":                     k.brokers,
		"acks":                                  k.acks,
		"linger.ms":                             strconv.FormatFloat(k.lingerMs, 'f', -1, 64),
		"batch.size":                            strconv.Itoa(k.batchBytes),
		"compression.type":                      k.compression,
		"max.in.flight.requests.per.connection": strconv.Itoa(k.maxInFlight),
		"enable.idempotence":                    strconv.FormatBool(k.idempotent),
		"client.id":                             "samsa-bench",
	}
	perRecord := k.size + 24
	if k.keys == "random" {
		perRecord += keySize
	}
	memory := max(int64(k.maxBuffered)*int64(perRecord), int64(8*k.batchBytes*max(k.partitions, 1)))
	if v := envInt("SAMSA_BUFFER_MEMORY", 0); v > 0 { // samsa's own budget, e.g. its 32 MiB default
		memory = int64(v)
	}
	props["buffer.memory"] = strconv.FormatInt(memory, 10)
	notes := fmt.Sprintf("max-buffered %d records mapped to buffer.memory=%d bytes", k.maxBuffered, memory)
	if extra := os.Getenv("SAMSA_PROPS"); extra != "" {
		for _, kv := range strings.Split(extra, ",") {
			key, value, ok := strings.Cut(kv, "=")
			if !ok {
				fatalf("SAMSA_PROPS: %q is not key=value", kv)
			}
			props[strings.TrimSpace(key)] = strings.TrimSpace(value)
		}
		notes += "; SAMSA_PROPS " + extra
	}
	cfg, err := samsa.ConfigFromProperties(props)
	if err != nil {
		fatalf("config: %v", err)
	}
	return cfg, notes
}

// run is the clock and the books of one timed run.
type run struct {
	n        int
	settled  atomic.Int64
	failed   atomic.Int64
	allDone  chan struct{}
	end      time.Time
	sent     []time.Time
	lat      []time.Duration
	firstErr atomic.Pointer[string]
}

func (r *run) ack(err error) {
	if err != nil {
		r.failed.Add(1)
		s := err.Error()
		r.firstErr.CompareAndSwap(nil, &s)
	}
	if r.settled.Add(1) == int64(r.n) {
		r.end = time.Now()
		close(r.allDone)
	}
}

func main() {
	k := parseKnobs()
	if os.Getenv("SAMSA_CRC_FOLD") == "0" {
		recordbatch.SetFolding(false)
	}
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	defer startWaitProfiles()()
	if path := os.Getenv("BENCH_TRACE"); path != "" {
		if f, err := os.Create(path); err == nil && trace.Start(f) == nil {
			defer trace.Stop()
		}
	}
	cfg, notes := k.config()
	if policy := os.Getenv("SAMSA_SPOOL"); policy != "" {
		dir, err := os.MkdirTemp(os.Getenv("SAMSA_SPOOL_DIR"), "samsa-bench-spool")
		if err != nil {
			fatalf("spool: %v", err)
		}
		defer func() { _ = os.RemoveAll(dir) }()
		c, err := samsa.ConfigFromProperties(map[string]string{"bootstrap.servers": k.brokers, "spool.dir": dir, "spool.fsync": policy})
		if err != nil {
			fatalf("spool: %v", err)
		}
		cfg.Spool = c.Spool
		cfg.Spool.MaxBytes = 1 << 40 // never the bottleneck: the run's records, written once
		notes += fmt.Sprintf("; spool.fsync=%s in %s", policy, dir)
	}
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		fatalf("producer: %v", err)
	}
	pay := newPayload(k.size, k.keys == "random")
	slots := (k.n + k.sampleEvery - 1) / k.sampleEvery
	r := &run{n: k.n, allDone: make(chan struct{}), sent: make([]time.Time, slots), lat: make([]time.Duration, slots)}
	ctx := context.Background()

	warm := make(chan error, 1)
	p.Produce(ctx, samsa.Record{Topic: k.topic, Key: pay.key(0), Value: pay.value(0)},
		func(_ samsa.RecordMetadata, err error) { warm <- err })
	select {
	case err := <-warm:
		if err != nil {
			fatalf("warm-up record failed: %v", err)
		}
	case <-time.After(k.timeout):
		fatalf("warm-up record not acknowledged within %v", k.timeout)
	}

	ack := func(_ samsa.RecordMetadata, err error) { r.ack(err) }
	produce := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rec := samsa.Record{Topic: k.topic, Key: pay.key(i), Value: pay.value(i)}
			if i%k.sampleEvery != 0 {
				p.Produce(ctx, rec, ack)
				continue
			}
			slot := i / k.sampleEvery
			r.sent[slot] = time.Now()
			p.Produce(ctx, rec, func(_ samsa.RecordMetadata, err error) {
				r.lat[slot] = time.Since(r.sent[slot])
				r.ack(err)
			})
		}
	}
	cpu0 := processCPU()
	start := time.Now()
	if g := max(k.goroutines, 1); g == 1 {
		produce(0, k.n)
	} else {
		// As the harness splits the records: goroutine j takes
		// j*n/g up to (j+1)*n/g, in order, on the one producer.
		var wg sync.WaitGroup
		for j := range g {
			wg.Add(1)
			go func() {
				defer wg.Done()
				produce(j*k.n/g, (j+1)*k.n/g)
			}()
		}
		wg.Wait()
	}
	var waitErr error
	select {
	case <-r.allDone:
	case <-time.After(k.timeout - time.Since(start)):
		waitErr = fmt.Errorf("timed out with %d of %d records settled", r.settled.Load(), k.n)
	}
	report(k, r, start, processCPU()-cpu0, notes, waitErr)
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = p.Close(cctx)
}

type result struct {
	Contestant string   `json:"contestant"`
	Version    string   `json:"version,omitempty"`
	Records    int64    `json:"records"`
	Errors     int64    `json:"errors"`
	Bytes      int64    `json:"bytes"`
	ElapsedS   float64  `json:"elapsed_s"`
	LatSamples int      `json:"lat_samples,omitempty"`
	LatP50Ms   *float64 `json:"lat_p50_ms,omitempty"`
	LatP99Ms   *float64 `json:"lat_p99_ms,omitempty"`
	CPUWindowS float64  `json:"cpu_window_s,omitempty"`
	FirstError string   `json:"first_error,omitempty"`
	Notes      string   `json:"notes,omitempty"`
}

var reportOnce sync.Once

func report(k *knobs, r *run, start time.Time, cpu time.Duration, notes string, waitErr error) {
	reportOnce.Do(func() {
		end := r.end
		if waitErr != nil || end.IsZero() {
			end = time.Now()
		}
		settled, failed := r.settled.Load(), r.failed.Load()
		res := result{
			Contestant: "samsa", Version: "samsa " + samsa.Version(),
			Records: settled - failed, Errors: int64(k.n) - settled + failed,
			ElapsedS: end.Sub(start).Seconds(), CPUWindowS: cpu.Seconds(), Notes: notes,
		}
		per := int64(k.size)
		if k.keys == "random" {
			per += keySize
		}
		res.Bytes = res.Records * per
		var lats []time.Duration
		for _, l := range r.lat {
			if l > 0 {
				lats = append(lats, l)
			}
		}
		if len(lats) > 0 {
			slices.Sort(lats)
			p50 := float64(lats[len(lats)/2].Microseconds()) / 1000
			p99 := float64(lats[min(len(lats)-1, len(lats)*99/100)].Microseconds()) / 1000
			res.LatSamples, res.LatP50Ms, res.LatP99Ms = len(lats), &p50, &p99
		}
		if s := r.firstErr.Load(); s != nil {
			res.FirstError = *s
		} else if waitErr != nil {
			res.FirstError = waitErr.Error()
		}
		b, _ := json.Marshal(res)
		_, _ = os.Stdout.Write(append(b, '\n'))
	})
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "samsa contestant: "+format+"\n", args...)
	os.Exit(1)
}

// startWaitProfiles turns on the block and mutex profiles when
// BENCH_BLOCKPROFILE or BENCH_MUTEXPROFILE name a file, and returns a
// function that writes them.
func startWaitProfiles() func() {
	block, mutex := os.Getenv("BENCH_BLOCKPROFILE"), os.Getenv("BENCH_MUTEXPROFILE")
	allocs := os.Getenv("BENCH_MEMPROFILE") // what was allocated over the run (alloc_space)
	if block != "" {
		runtime.SetBlockProfileRate(1)
	}
	if mutex != "" {
		runtime.SetMutexProfileFraction(1)
	}
	return func() {
		for name, path := range map[string]string{"block": block, "mutex": mutex, "allocs": allocs} {
			if path == "" {
				continue
			}
			if f, err := os.Create(path); err == nil {
				_ = pprof.Lookup(name).WriteTo(f, 0)
				_ = f.Close()
			}
		}
	}
}
