package main

import (
	"time"

	"github.com/samsa-go/samsa/cmd/samsa/internal/hist"
)

// The timeline keeps acknowledgements in time slots whose width grows
// along a ladder of round durations as the run gets longer, so that its
// memory stays bounded (maxSlots slots) while a short run still gets fine
// intervals. Each step of the ladder is a whole multiple of the one
// before, so slots merge exactly.
var slotLadder = []time.Duration{
	10 * time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond,
	time.Second, 2 * time.Second, 10 * time.Second, 20 * time.Second, time.Minute, 2 * time.Minute,
	10 * time.Minute, 20 * time.Minute, time.Hour,
}

const (
	// maxSlots bounds the slots kept; merging halves (or fifths) them.
	maxSlots = 600
	// maxPoints bounds the intervals shown in the report and --json.
	maxPoints = 50
	// slotHistBits is the precision of the per-slot latency histograms
	// (2^-5, 3%); the whole run's are finer.
	slotHistBits = 5
)

// slot counts the acknowledgements of one time slot.
type slot struct {
	records, bytes, errors int64
	latSum                 int64 // microseconds
	lat                    *hist.Histogram
}

func (s *slot) merge(o *slot) {
	s.records += o.records
	s.bytes += o.bytes
	s.errors += o.errors
	s.latSum += o.latSum
	if o.lat != nil {
		if s.lat == nil {
			s.lat = hist.New(slotHistBits)
		}
		s.lat.Merge(o.lat)
	}
}

// timeline is the run's acknowledgements over time.
type timeline struct {
	start time.Time
	step  int // index into slotLadder
	slots []slot
}

func newTimeline(start time.Time) *timeline { return &timeline{start: start} }

func (t *timeline) width() time.Duration { return slotLadder[t.step] }

// at returns the slot of time now, growing (and coarsening) as needed.
func (t *timeline) at(now time.Time) *slot {
	i := int(max(now.Sub(t.start), 0) / t.width())
	for i >= maxSlots && t.step+1 < len(slotLadder) {
		t.coarsen()
		i = int(max(now.Sub(t.start), 0) / t.width())
	}
	i = min(i, maxSlots*5)
	for len(t.slots) <= i {
		t.slots = append(t.slots, slot{})
	}
	return &t.slots[i]
}

// coarsen moves to the next width of the ladder, merging slots.
func (t *timeline) coarsen() {
	factor := int(slotLadder[t.step+1] / slotLadder[t.step])
	merged := make([]slot, (len(t.slots)+factor-1)/factor)
	for i := range t.slots {
		merged[i/factor].merge(&t.slots[i])
	}
	t.slots, t.step = merged, t.step+1
}

// ack counts an acknowledged record.
func (t *timeline) ack(now time.Time, latUs int64, size int) {
	s := t.at(now)
	s.records++
	s.bytes += int64(size)
	s.latSum += latUs
	if s.lat == nil {
		s.lat = hist.New(slotHistBits)
	}
	s.lat.Record(latUs)
}

// fail counts a failed record.
func (t *timeline) fail(now time.Time) { t.at(now).errors++ }

// interval picks the display interval for a run of elapsed: the smallest
// width of the ladder, at least the slots', that gives at most maxPoints
// intervals.
func (t *timeline) interval(elapsed time.Duration) time.Duration {
	for _, d := range slotLadder[t.step:] {
		if elapsed <= time.Duration(maxPoints)*d {
			return d
		}
	}
	return slotLadder[len(slotLadder)-1]
}

// samples cuts the run, which ended at end, into intervals of the display
// width. A remainder shorter than an interval is merged into the last
// full interval, and every rate is over an interval's actual length:
// nothing is extrapolated.
func (t *timeline) samples(end time.Time) []sample {
	elapsed := end.Sub(t.start)
	if elapsed <= 0 {
		return nil
	}
	d := t.interval(elapsed)
	per := int(d / t.width())
	full := int(elapsed / d)
	var out []sample
	for j := 0; j == 0 || j < full; j++ {
		lo, hi := j*per, (j+1)*per
		from, to := time.Duration(j)*d, time.Duration(j+1)*d
		if j == max(full-1, 0) {
			hi, to = len(t.slots), elapsed // the remainder joins the last interval
		}
		out = append(out, t.sample(lo, hi, from, to))
	}
	return out
}

// sample sums slots [lo, hi) into one sample spanning from..to.
func (t *timeline) sample(lo, hi int, from, to time.Duration) sample {
	var s slot
	for i := lo; i < min(hi, len(t.slots)); i++ {
		s.merge(&t.slots[i])
	}
	secs := (to - from).Seconds()
	sm := sample{Start: from.Seconds(), End: to.Seconds(), Records: s.records, Bytes: s.bytes, Failures: s.errors,
		RecPerS: float64(s.records) / secs, MBPerS: float64(s.bytes) / secs / (1024 * 1024)}
	if s.records > 0 {
		h := s.lat
		sm.P50Ms, sm.P95Ms = usToMs(h.Quantile(0.5)), usToMs(h.Quantile(0.95))
		sm.P99Ms, sm.P999Ms = usToMs(h.Quantile(0.99)), usToMs(h.Quantile(0.999))
		sm.MaxMs, sm.AvgMs = usToMs(h.Max()), float64(s.latSum)/float64(s.records)/1000
	}
	return sm
}
