package main

import (
	"math"
	"testing"
	"time"
)

// A short run gets fine intervals; the remainder of the run after the
// last whole interval joins that interval, and every rate is over the
// interval's real length: a steady 1000 records/s run shows 1000 records/s
// in every interval, the last included.
func TestTimelineNoExtrapolation(t *testing.T) {
	start := time.Unix(1000, 0)
	for _, run := range []time.Duration{35 * time.Millisecond, 250 * time.Millisecond, 1234 * time.Millisecond, 7*time.Second + 10*time.Millisecond, 95 * time.Second} {
		tl := newTimeline(start)
		n := int(run / time.Millisecond)
		for i := 0; i < n; i++ { // one record a millisecond
			tl.ack(start.Add(time.Duration(i)*time.Millisecond+time.Microsecond), 1000, 10)
		}
		samples := tl.samples(start.Add(run))
		if len(samples) == 0 || len(samples) > maxPoints {
			t.Fatalf("run of %v: %d samples, want 1 to %d", run, len(samples), maxPoints)
		}
		if run > 200*time.Millisecond && len(samples) < 10 {
			t.Errorf("run of %v: only %d samples", run, len(samples))
		}
		var total int64
		for i, s := range samples {
			total += s.Records
			if math.Abs(s.RecPerS-1000) > 1000*0.03 {
				t.Errorf("run of %v, sample %d (%.3f-%.3f s): %.1f records/s, want 1000", run, i, s.Start, s.End, s.RecPerS)
			}
			if i > 0 && s.Start != samples[i-1].End {
				t.Errorf("run of %v: sample %d starts at %v, the last ended at %v", run, i, s.Start, samples[i-1].End)
			}
			if s.P50Ms < 0.95 || s.P50Ms > 1.05 {
				t.Errorf("run of %v, sample %d: p50 %v ms, want 1", run, i, s.P50Ms)
			}
		}
		if total != int64(n) || samples[len(samples)-1].End != run.Seconds() {
			t.Errorf("run of %v: samples hold %d records up to %v s, want %d up to %v", run, total, samples[len(samples)-1].End, n, run.Seconds())
		}
	}
}

// A long run coarsens its slots without losing or moving records, and
// keeps at most maxSlots of them.
func TestTimelineCoarsens(t *testing.T) {
	start := time.Unix(0, 0)
	tl := newTimeline(start)
	for i := 0; i < 2000; i++ { // one record every 3 s: 6000 s
		tl.ack(start.Add(time.Duration(i)*3*time.Second), 5000, 1)
	}
	if len(tl.slots) > maxSlots || tl.width() < 10*time.Second {
		t.Errorf("%d slots of %v", len(tl.slots), tl.width())
	}
	var n int64
	for _, s := range tl.slots {
		n += s.records
	}
	samples := tl.samples(start.Add(6000 * time.Second))
	var m int64
	for _, s := range samples {
		m += s.Records
	}
	if n != 2000 || m != 2000 {
		t.Errorf("slots hold %d records, samples %d; want 2000", n, m)
	}
}
