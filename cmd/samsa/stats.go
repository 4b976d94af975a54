package main

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"fmt"
	"io"
	"math"
	"time"

	"github.com/samsa-go/samsa/cmd/samsa/internal/hist"
)

// sample is one interval of a perf run.
type sample struct {
	Start    float64 `json:"start_s"` // seconds since the start
	End      float64 `json:"t_s"`     // the end of the interval
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

// window counts acknowledgements since a point in time, for Kafka's
// periodic lines.
type window struct {
	start  time.Time
	count  int64
	bytes  int64
	latSum int64 // microseconds
	latMax int64
}

func (w *window) add(latUs int64, size int) {
	w.count++
	w.bytes += int64(size)
	w.latSum += latUs
	w.latMax = max(w.latMax, latUs)
}

// totals are the figures of a whole run (or of its steady state).
type totals struct {
	start time.Time
	lat   *hist.Histogram // microseconds
	bytes int64
}

func newTotals(start time.Time) *totals { return &totals{start: start, lat: hist.New(7)} }

// perfStats gathers a perf run's latencies: over the whole run, over the
// steady state after the warm-up records, in Kafka's 5-second window and
// on the timeline. Callbacks record into it concurrently.
type perfStats struct {
	mu       lockorder.Mutex[lockorder.Leaf]
	start    time.Time
	warmup   int64 // records, by number, left out of the steady state
	all      *totals
	steady   *totals // nil until the first steady-state record is sent
	window   window
	announce bool // "In steady state." is due before the next window line
	timeline *timeline
	errors   int64
	first    error
}

func newPerfStats(now time.Time, warmup int64) *perfStats {
	return &perfStats{start: now, warmup: warmup, all: newTotals(now), window: window{start: now}, timeline: newTimeline(now)}
}

// beginSteady starts the steady state: from now on Kafka's window counts
// steady-state records only, as its tool does.
func (s *perfStats) beginSteady(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beginSteadyLocked(now)
}

func (s *perfStats) beginSteadyLocked(now time.Time) {
	if s.steady == nil {
		s.steady = newTotals(now)
		s.window = window{start: now}
		s.announce = true
	}
}

// record counts the acknowledgement at now of record number i, sent at
// sentAt.
func (s *perfStats) record(i int64, sentAt, now time.Time, size int) {
	us := now.Sub(sentAt).Microseconds()
	s.mu.Lock()
	s.all.lat.Record(us)
	s.all.bytes += int64(size)
	inSteady := s.warmup > 0 && i >= s.warmup
	if inSteady {
		// Another goroutine may have sent record number warmup but not yet
		// begun the steady state.
		s.beginSteadyLocked(sentAt)
		s.steady.lat.Record(us)
		s.steady.bytes += int64(size)
	}
	if s.steady == nil || inSteady {
		s.window.add(us, size)
	}
	s.timeline.ack(now, us, size)
	s.mu.Unlock()
}

// fail counts one failed record and reports whether it was the first.
func (s *perfStats) fail(err error, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors++
	s.timeline.fail(now)
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
	return int64(s.all.lat.Count()), s.errors, s.all.bytes
}

func usToMs(us int64) float64 { return float64(us) / 1000 }

// printWindow prints the current window in kafka-producer-perf-test's
// format and starts a new one; at the first window of the steady state it
// says so first, as that tool does.
func (s *perfStats) printWindow(w io.Writer, now time.Time) {
	s.mu.Lock()
	win, announce := s.window, s.announce && s.window.count > 0
	s.window = window{start: now}
	if announce {
		s.announce = false
	}
	s.mu.Unlock()
	if win.count == 0 && !announce {
		return
	}
	if announce {
		fmt.Fprintln(w, "In steady state.")
	}
	secs := now.Sub(win.start).Seconds()
	avg := 0.0
	if win.count > 0 {
		avg = float64(win.latSum) / float64(win.count) / 1000
	}
	fmt.Fprintf(w, "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.\n",
		win.count, float64(win.count)/secs, float64(win.bytes)/secs/(1024*1024), avg, usToMs(win.latMax))
}

// summary is the figures of a run (or of its steady state).
type summary struct {
	Records  int64   `json:"records"`
	Bytes    int64   `json:"bytes"`
	ElapsedS float64 `json:"elapsed_s"`
	RecPerS  float64 `json:"records_per_sec"`
	MBPerS   float64 `json:"mb_per_sec"`
	AvgMs    float64 `json:"avg_latency_ms"`
	MaxMs    float64 `json:"max_latency_ms"`
	P50Ms    float64 `json:"p50_ms"`
	P95Ms    float64 `json:"p95_ms"`
	P99Ms    float64 `json:"p99_ms"`
	P999Ms   float64 `json:"p999_ms"`
}

func (t *totals) summary(end time.Time) summary {
	h := t.lat
	secs := end.Sub(t.start).Seconds()
	return summary{Records: int64(h.Count()), Bytes: t.bytes, ElapsedS: secs,
		RecPerS: float64(h.Count()) / secs, MBPerS: float64(t.bytes) / secs / (1024 * 1024),
		AvgMs: h.Mean() / 1000, MaxMs: usToMs(h.Max()),
		P50Ms: usToMs(h.Quantile(0.5)), P95Ms: usToMs(h.Quantile(0.95)),
		P99Ms: usToMs(h.Quantile(0.99)), P999Ms: usToMs(h.Quantile(0.999))}
}

// quantilePoint is one point of the latency distribution.
type quantilePoint struct {
	Percentile float64 `json:"percentile"`
	Ms         float64 `json:"ms"`
}

// distribution returns the latency at percentiles from 0 to 99.999 (as
// far as the count allows) and the maximum.
func distribution(h *hist.Histogram) []quantilePoint {
	if h.Count() == 0 {
		return nil
	}
	var out []quantilePoint
	for _, p := range []float64{0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999} {
		if p > 0 && float64(h.Count())*(1-p/100) < 1 {
			break // the count does not reach this percentile
		}
		out = append(out, quantilePoint{p, usToMs(h.Quantile(p / 100))})
	}
	return append(out, quantilePoint{100, usToMs(h.Max())})
}

// round keeps three decimals, enough for microseconds.
func round3(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0
	}
	return math.Round(v*1000) / 1000
}

func (sm *summary) round() {
	for _, f := range []*float64{&sm.ElapsedS, &sm.RecPerS, &sm.MBPerS, &sm.AvgMs, &sm.MaxMs, &sm.P50Ms, &sm.P95Ms, &sm.P99Ms, &sm.P999Ms} {
		*f = round3(*f)
	}
}

func (s *sample) round() {
	for _, f := range []*float64{&s.Start, &s.End, &s.RecPerS, &s.MBPerS, &s.P50Ms, &s.P95Ms, &s.P99Ms, &s.P999Ms, &s.MaxMs, &s.AvgMs} {
		*f = round3(*f)
	}
}

// printKafkaSummary prints sm in kafka-producer-perf-test's final format
// (percentiles in whole milliseconds, as Kafka prints them); steady adds
// the words that tool puts on its steady-state line.
func printKafkaSummary(w io.Writer, sm summary, steady bool) {
	label := ""
	if steady {
		label = " steady state"
	}
	fmt.Fprintf(w, "%d%s records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
		sm.Records, label, sm.RecPerS, sm.MBPerS, sm.AvgMs, sm.MaxMs, int64(sm.P50Ms), int64(sm.P95Ms), int64(sm.P99Ms), int64(sm.P999Ms))
}
