package histogram

import (
	"math/bits"
	"sync/atomic"
)

// subBits sets the precision: each power of two is split into 2^subBits
// linear buckets, so a bucket spans at most 1/16 (6.25%) of its values.
const subBits = 4

const sub = 1 << subBits

// maxExp caps the recorded values at 2^(maxExp+subBits+1)-1 nanoseconds
// (about 36 minutes); larger values land in the last bucket.
const maxExp = 37

// Buckets is the number of buckets.
const Buckets = (maxExp + 2) * sub

// H is a histogram of non-negative values (nanoseconds). The zero value
// is empty and ready; it is safe for concurrent use.
type H struct {
	counts [Buckets]atomic.Int64
}

// index returns v's bucket: values below 16 have one bucket each; above,
// the top five significant bits select the bucket.
func index(v int64) int {
	if v < sub {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	e := bits.Len64(uint64(v)) - subBits - 1 // v >> e is in [16, 32)
	if e > maxExp {
		return Buckets - 1
	}
	return (e+1)*sub + int(v>>e) - sub
}

// bounds returns the smallest and largest value of bucket i.
func bounds(i int) (lo, hi int64) {
	if i < sub {
		return int64(i), int64(i)
	}
	e := i/sub - 1
	m := int64(i%sub + sub)
	return m << e, (m+1)<<e - 1
}

// Record adds one value.
func (h *H) Record(v int64) { h.counts[index(v)].Add(1) }

// Snapshot is the bucket counts at one moment.
type Snapshot [Buckets]int64

// Snapshot copies the counts into s.
func (h *H) Snapshot(s *Snapshot) {
	for i := range h.counts {
		s[i] = h.counts[i].Load()
	}
}

// Quantiles returns the values at quantiles qs (each in [0, 1]) of the
// values recorded between base and cur (base nil: since the start): the
// midpoint of the bucket holding each, 0 when nothing was recorded.
func Quantiles(cur, base *Snapshot, qs ...float64) []float64 {
	var total int64
	for i := range cur {
		total += delta(cur, base, i)
	}
	out := make([]float64, len(qs))
	if total == 0 {
		return out
	}
	for j, q := range qs {
		rank := int64(q*float64(total) + 0.5)
		rank = min(max(rank, 1), total)
		var seen int64
		for i := range cur {
			seen += delta(cur, base, i)
			if seen >= rank {
				lo, hi := bounds(i)
				out[j] = float64(lo) + float64(hi-lo)/2
				break
			}
		}
	}
	return out
}

func delta(cur, base *Snapshot, i int) int64 {
	if base == nil {
		return cur[i]
	}
	return cur[i] - base[i]
}
