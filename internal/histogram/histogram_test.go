package histogram

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// TestBucketsCoverEveryValue: each value falls in a bucket whose bounds
// hold it, buckets are contiguous, and a bucket spans at most 1/16 of its
// values.
func TestBucketsCoverEveryValue(t *testing.T) {
	prevHi := int64(-1)
	for i := 0; i < Buckets; i++ {
		lo, hi := bounds(i)
		if lo != prevHi+1 || hi < lo {
			t.Fatalf("bucket %d is [%d, %d] after one ending at %d", i, lo, hi, prevHi)
		}
		if lo >= sub && float64(hi-lo+1)/float64(lo) > 1.0/sub+1e-12 {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/16 of its values", i, lo, hi)
		}
		for _, v := range []int64{lo, hi, lo + (hi-lo)/2} {
			if got := index(v); got != i {
				t.Fatalf("value %d: bucket %d, want %d", v, got, i)
			}
		}
		prevHi = hi
	}
	if index(math.MaxInt64) != Buckets-1 || index(-5) != 0 {
		t.Fatal("out-of-range values are not clamped")
	}
}

// TestQuantilesMatchSortedValues: quantiles of random latencies are within
// a bucket's width (6.25%) of the exact ones, for the whole history and
// for a window between two snapshots.
func TestQuantilesMatchSortedValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	var h H
	var base Snapshot
	var first, window []int64
	for i := range 20000 {
		v := int64(rng.ExpFloat64() * 2e6) // ~2 ms mean
		if i == 10000 {
			h.Snapshot(&base)
		}
		if i >= 10000 {
			window = append(window, v)
		}
		first = append(first, v)
		h.Record(v)
	}
	var cur Snapshot
	h.Snapshot(&cur)
	qs := []float64{0.5, 0.99, 0.999}
	check := func(name string, values []int64, got []float64) {
		slices.Sort(values)
		for j, q := range qs {
			exact := float64(values[int(q*float64(len(values)-1))])
			if math.Abs(got[j]-exact) > exact/sub+1 {
				t.Errorf("%s p%v: %.0f, exact %.0f", name, q*100, got[j], exact)
			}
		}
	}
	check("all", first, Quantiles(&cur, nil, qs...))
	check("window", window, Quantiles(&cur, &base, qs...))
	if got := Quantiles(&base, &base, 0.5); got[0] != 0 {
		t.Fatalf("empty window: %v", got)
	}
}

// TestConcurrentRecord: concurrent recorders lose no counts (run with -race).
func TestConcurrentRecord(t *testing.T) {
	var h H
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10000 {
				h.Record(int64(i * (g + 1)))
			}
		}()
	}
	wg.Wait()
	var s Snapshot
	h.Snapshot(&s)
	var n int64
	for _, c := range s {
		n += c
	}
	if n != 40000 {
		t.Fatalf("%d values recorded, want 40000", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	var h H
	for i := 0; b.Loop(); i++ {
		h.Record(int64(i) * 997)
	}
}
