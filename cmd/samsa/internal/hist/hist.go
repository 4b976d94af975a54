package hist

import (
	"math"
	"math/bits"
)

// MaxValue is the largest value counted separately; larger ones are counted
// as MaxValue (for microseconds, about 19 hours).
const MaxValue = 1<<36 - 1

// Histogram counts values in log-linear buckets.
type Histogram struct {
	bits   uint // sub-bucket bits: 2^bits exact values, 2^(bits-1) buckets per octave above
	counts []uint64
	n      uint64
	sum    float64
	min    int64
	max    int64
}

// New returns an empty histogram whose reported values are within 2^-bits
// of the recorded ones (bits 4 to 10; 7 gives 0.8%).
func New(bits uint) *Histogram {
	bits = min(max(bits, 4), 10)
	return &Histogram{bits: bits, counts: make([]uint64, bucketIndex(bits, MaxValue)+1), min: math.MaxInt64}
}

// bucketIndex returns the bucket of v: v itself below 2^bits; above, the
// octave of v and its top bits after the leading one.
func bucketIndex(b uint, v int64) int {
	if v < 1<<b {
		return int(v)
	}
	shift := uint(bits.Len64(uint64(v))) - b // >= 1
	half := int64(1) << (b - 1)
	return int(int64(1)<<b + int64(shift-1)*half + (v>>shift - half))
}

// bucketRange returns the smallest and largest values of bucket i.
func bucketRange(b uint, i int) (lo, hi int64) {
	if i < 1<<b {
		return int64(i), int64(i)
	}
	half := 1 << (b - 1)
	k := i - 1<<b
	shift := uint(k/half) + 1
	lo = int64(half+k%half) << shift
	return lo, lo + int64(1)<<shift - 1
}

// Record counts one value; negative values count as 0.
func (h *Histogram) Record(v int64) {
	v = min(max(v, 0), MaxValue)
	h.counts[bucketIndex(h.bits, v)]++
	h.n++
	h.sum += float64(v)
	h.min = min(h.min, v)
	h.max = max(h.max, v)
}

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the largest value recorded, or 0.
func (h *Histogram) Max() int64 { return h.max }

// Min returns the smallest value recorded, or 0.
func (h *Histogram) Min() int64 {
	if h.n == 0 {
		return 0
	}
	return h.min
}

// Mean returns the exact mean of the recorded values, or 0.
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}

// Quantile returns the value at quantile q (0 to 1): the value of rank
// floor(q*count) in sorted order, as Kafka's kafka-producer-perf-test picks
// its percentiles, estimated as the middle of its bucket and clamped to the
// recorded minimum and maximum (which the first and last ranks return exactly). It returns 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(min(max(q, 0), 1) * float64(h.n))
	switch {
	case rank >= h.n-1:
		return h.max
	case rank == 0:
		return h.min
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			lo, hi := bucketRange(h.bits, i)
			return min(max(lo+(hi-lo)/2, h.min), h.max)
		}
	}
	return h.max
}

// Merge adds the counts of o, which must have been made with the same bits.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Reset empties the histogram, keeping its memory.
func (h *Histogram) Reset() {
	clear(h.counts)
	h.n, h.sum, h.min, h.max = 0, 0, math.MaxInt64, 0
}
