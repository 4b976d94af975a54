package hist

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBucketsCoverEveryValueInOrder(t *testing.T) {
	for _, b := range []uint{4, 7} {
		prevHi := int64(-1)
		last := bucketIndex(b, MaxValue)
		for i := 0; i <= last; i++ {
			lo, hi := bucketRange(b, i)
			if lo != prevHi+1 || hi < lo {
				t.Fatalf("bits %d bucket %d = [%d,%d], previous ended at %d", b, i, lo, hi, prevHi)
			}
			for _, v := range []int64{lo, hi, lo + (hi-lo)/2} {
				if got := bucketIndex(b, v); got != i {
					t.Fatalf("bits %d: bucketIndex(%d) = %d, want %d", b, v, got, i)
				}
			}
			if lo >= 1<<b && float64(hi-lo+1)/float64(lo) > 1.0/float64(int64(1)<<(b-1))+1e-12 {
				t.Fatalf("bits %d bucket %d [%d,%d] wider than the precision promised", b, i, lo, hi)
			}
			prevHi = hi
		}
		if prevHi != MaxValue {
			t.Fatalf("bits %d: last bucket ends at %d, want %d", b, prevHi, MaxValue)
		}
	}
}

func TestQuantilesMatchSortedSample(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := New(7)
	var vals []int64
	for range 100000 {
		v := int64(r.ExpFloat64()*2000) + 100 // µs, a long tail
		vals = append(vals, v)
		h.Record(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0, 0.5, 0.95, 0.99, 0.999, 1} {
		idx := min(int(q*float64(len(vals))), len(vals)-1)
		want, got := vals[idx], h.Quantile(q)
		if d := float64(got-want) / float64(want); d > 0.01 || d < -0.01 {
			t.Errorf("q %v: got %d, want %d (±1%%)", q, got, want)
		}
	}
	if h.Max() != vals[len(vals)-1] || h.Min() != vals[0] || h.Count() != uint64(len(vals)) {
		t.Errorf("max/min/count = %d/%d/%d", h.Max(), h.Min(), h.Count())
	}
}

func TestMergeResetAndEdges(t *testing.T) {
	a, b := New(5), New(5)
	if a.Quantile(0.5) != 0 || a.Mean() != 0 || a.Min() != 0 {
		t.Fatal("empty histogram must report zeros")
	}
	a.Record(-5) // counts as 0
	b.Record(MaxValue + 100)
	a.Merge(b)
	if a.Count() != 2 || a.Max() != MaxValue || a.Min() != 0 || a.Quantile(1) != MaxValue {
		t.Fatalf("after merge: count %d max %d min %d", a.Count(), a.Max(), a.Min())
	}
	a.Reset()
	if a.Count() != 0 || a.Quantile(0.99) != 0 {
		t.Fatal("reset did not empty")
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	h := New(7)
	v := int64(1)
	if n := testing.AllocsPerRun(1000, func() { h.Record(v); v = v*3 + 1 }); n != 0 {
		t.Fatalf("Record allocates %v times", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	h := New(7)
	for i := range b.N {
		h.Record(int64(i & 0xfffff))
	}
}
