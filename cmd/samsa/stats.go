package main

import (
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/samsa-go/samsa/cmd/samsa/internal/hist"
)

// sample is one second (or less, for the last) of a perf run.
type sample struct {
	At       float64 `json:"t_s"` // seconds since the start, at the end of the sample
	Records  int64   `json:"records"`
	Bytes    int64   `json:"bytes"`
	RecPerS  float64 `json:"records_per_sec"`
	MBPerS   float64 `json:"mb_per_sec"`
	P50Ms    float64 `json:"p50_ms"`
	P95Ms    float64 `json:"p95_ms"`
	P99Ms    float64 `json:"p99_ms"`
	P999Ms   float64 `json:"p999_ms"`
	MaxMs    float64 `json:"max_ms"`
	AvgMs    float64 `json:"avg_ms"`
	Failures int64   `json:"errors"`
}

// window counts acknowledgements since a point in time.
type window struct {
	start   time.Time
	count   int64
	bytes   int64
	latSum  int64 // microseconds
	latMax  int64
	errors  int64
	latency *hist.Histogram // nil for the 5-second window
}

func (w *window) add(latUs int64, size int) {
	w.count++
	w.bytes += int64(size)
	w.latSum += latUs
	w.latMax = max(w.latMax, latUs)
	if w.latency != nil {
		w.latency.Record(latUs)
	}
}

func (w *window) reset(now time.Time) {
	h := w.latency
	*w = window{start: now, latency: h}
	if h != nil {
		h.Reset()
	}
}

// perfStats gathers a perf run's latencies: over the whole run, the
// current 5-second window (Kafka's periodic lines) and the current second
// (the report's samples). Callbacks record into it concurrently.
type perfStats struct {
	mu      sync.Mutex
	start   time.Time
	total   *hist.Histogram // microseconds
	bytes   int64
	errors  int64
	first   error
	five    window
	second  window
	samples []sample
}

func newPerfStats(now time.Time) *perfStats {
	return &perfStats{start: now, total: hist.New(7), five: window{start: now},
		second: window{start: now, latency: hist.New(7)}}
}

// record counts one acknowledged record.
func (s *perfStats) record(latency time.Duration, size int) {
	us := latency.Microseconds()
	s.mu.Lock()
	s.total.Record(us)
	s.bytes += int64(size)
	s.five.add(us, size)
	s.second.add(us, size)
	s.mu.Unlock()
}

// fail counts one failed record and reports whether it was the first.
func (s *perfStats) fail(err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors++
	s.second.errors++
	if s.first == nil {
		s.first = err
		return true
	}
	return false
}

// counts returns the records acknowledged, failed and bytes so far.
func (s *perfStats) counts() (ok, failed, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(s.total.Count()), s.errors, s.bytes
}

// takeSample ends the current second's window and keeps it as a sample.
func (s *perfStats) takeSample(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &s.second
	secs := now.Sub(w.start).Seconds()
	if secs <= 0 || (w.count == 0 && w.errors == 0 && now.Sub(w.start) < 100*time.Millisecond) {
		return
	}
	sm := sample{At: now.Sub(s.start).Seconds(), Records: w.count, Bytes: w.bytes,
		RecPerS: float64(w.count) / secs, MBPerS: float64(w.bytes) / secs / (1024 * 1024), Failures: w.errors}
	if w.count > 0 {
		sm.P50Ms, sm.P95Ms = usToMs(w.latency.Quantile(0.5)), usToMs(w.latency.Quantile(0.95))
		sm.P99Ms, sm.P999Ms = usToMs(w.latency.Quantile(0.99)), usToMs(w.latency.Quantile(0.999))
		sm.MaxMs, sm.AvgMs = usToMs(w.latMax), float64(w.latSum)/float64(w.count)/1000
	}
	s.samples = append(s.samples, sm)
	w.reset(now)
}

func usToMs(us int64) float64 { return float64(us) / 1000 }

// printWindow prints the 5-second window in kafka-producer-perf-test's
// format and starts a new one.
func (s *perfStats) printWindow(w io.Writer, now time.Time) {
	s.mu.Lock()
	win := s.five
	s.five.reset(now)
	s.mu.Unlock()
	secs := now.Sub(win.start).Seconds()
	avg := 0.0
	if win.count > 0 {
		avg = float64(win.latSum) / float64(win.count) / 1000
	}
	fmt.Fprintf(w, "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.\n",
		win.count, float64(win.count)/secs, float64(win.bytes)/secs/(1024*1024), avg, usToMs(win.latMax))
}

// result is the outcome of a perf run, as --json prints it.
type result struct {
	Topic       string   `json:"topic"`
	Embedded    bool     `json:"embedded_broker"`
	Records     int64    `json:"records"`
	Errors      int64    `json:"errors"`
	FirstError  string   `json:"first_error,omitempty"`
	Bytes       int64    `json:"bytes"`
	RecordSize  int      `json:"record_size,omitempty"`
	ElapsedS    float64  `json:"elapsed_s"`
	RecPerS     float64  `json:"records_per_sec"`
	MBPerS      float64  `json:"mb_per_sec"`
	AvgMs       float64  `json:"avg_latency_ms"`
	MaxMs       float64  `json:"max_latency_ms"`
	P50Ms       float64  `json:"p50_ms"`
	P95Ms       float64  `json:"p95_ms"`
	P99Ms       float64  `json:"p99_ms"`
	P999Ms      float64  `json:"p999_ms"`
	Interrupted bool     `json:"interrupted,omitempty"`
	Samples     []sample `json:"samples"`
}

// result summarizes the run, which ended at end.
func (s *perfStats) result(end time.Time) *result {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.total
	secs := end.Sub(s.start).Seconds()
	r := &result{Records: int64(h.Count()), Errors: s.errors, Bytes: s.bytes, ElapsedS: secs,
		RecPerS: float64(h.Count()) / secs, MBPerS: float64(s.bytes) / secs / (1024 * 1024),
		AvgMs: h.Mean() / 1000, MaxMs: usToMs(h.Max()),
		P50Ms: usToMs(h.Quantile(0.5)), P95Ms: usToMs(h.Quantile(0.95)),
		P99Ms: usToMs(h.Quantile(0.99)), P999Ms: usToMs(h.Quantile(0.999)), Samples: s.samples}
	if s.first != nil {
		r.FirstError = s.first.Error()
	}
	r.round()
	return r
}

// round keeps three decimals of the figures, enough for microseconds.
func (r *result) round() {
	for _, f := range []*float64{&r.ElapsedS, &r.RecPerS, &r.MBPerS, &r.AvgMs, &r.MaxMs, &r.P50Ms, &r.P95Ms, &r.P99Ms, &r.P999Ms} {
		*f = round3(*f)
	}
	for i := range r.Samples {
		sm := &r.Samples[i]
		for _, f := range []*float64{&sm.At, &sm.RecPerS, &sm.MBPerS, &sm.P50Ms, &sm.P95Ms, &sm.P99Ms, &sm.P999Ms, &sm.MaxMs, &sm.AvgMs} {
			*f = round3(*f)
		}
	}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// printFinal prints r in kafka-producer-perf-test's final format
// (percentiles in whole milliseconds, as Kafka prints them).
func (r *result) printFinal(w io.Writer) {
	fmt.Fprintf(w, "%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
		r.Records, r.RecPerS, r.MBPerS, r.AvgMs, r.MaxMs, int64(r.P50Ms), int64(r.P95Ms), int64(r.P99Ms), int64(r.P999Ms))
}
