package accumulator

import (
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Topic is one topic's partitions in the accumulator.
type Topic struct {
	Name string
	acc  *Accumulator

	parts     atomic.Pointer[[]*Partition] // index = partition id
	available atomic.Pointer[[]int32]      // partitions whose leader can take writes
	all       atomic.Pointer[[]int32]      // 0..n-1
	sticky    atomic.Pointer[stickyState]

	refused   atomic.Int64 // the smallest batch size the broker refused as too large
	refusedAt atomic.Int64 // unix nanos of that refusal
}

// refusalMemory is how long a refusal as too large counts: the topic's
// max.message.bytes may be raised, and a batch at least as large as the
// one refused is tried again after this long.
const refusalMemory = 5 * time.Minute

// NoteRefused records that the broker refused a batch of size bytes of
// the topic as too large (its max.message.bytes, or the broker's
// message.max.bytes, is smaller).
func (t *Topic) NoteRefused(size int, now time.Time) {
	for {
		cur := t.refused.Load()
		if cur > 0 && cur <= int64(size) && now.UnixNano()-t.refusedAt.Load() < int64(refusalMemory) {
			t.refusedAt.Store(now.UnixNano())
			return
		}
		if t.refused.CompareAndSwap(cur, int64(size)) {
			t.refusedAt.Store(now.UnixNano())
			return
		}
	}
}

// Refused returns the smallest batch size of the topic the broker refused
// as too large within refusalMemory, or 0: batches of that size or more
// are split before they are sent, sparing a request the broker would
// refuse.
func (t *Topic) Refused(now time.Time) int {
	r := t.refused.Load()
	if r == 0 || now.UnixNano()-t.refusedAt.Load() >= int64(refusalMemory) {
		return 0
	}
	return int(r)
}

// stickyState is the uniform sticky partitioner's current choice for
// records without a key (KIP-794): all go to part until batch.size bytes
// went there or its batch filled, then another partition is chosen.
type stickyState struct {
	t        *Topic
	part     *Partition
	produced atomic.Int64 // bytes appended since this choice
	// retired is set, under part's mutex, once no more records may go to
	// part under this choice; the next choice is made without the mutex.
	retired atomic.Bool
}

// current reports whether s is still the topic's choice and takes records.
// appendNew checks it under the partition's mutex.
func (s *stickyState) current() bool { return s.t.sticky.Load() == s && !s.retired.Load() }

// Partitions returns the topic's partitions, indexed by id.
func (t *Topic) Partitions() []*Partition {
	if p := t.parts.Load(); p != nil {
		return *p
	}
	return nil
}

// All returns the ids 0..n-1 of the topic's partitions.
func (t *Topic) All() []int32 {
	if p := t.all.Load(); p != nil {
		return *p
	}
	return nil
}

// Available returns the ids of partitions whose leader is known and
// accepting writes.
func (t *Topic) Available() []int32 {
	if p := t.available.Load(); p != nil {
		return *p
	}
	return nil
}

// SetPartitions grows the topic to n partitions (Kafka never shrinks a
// topic; a smaller n is ignored) and sets which are available.
func (t *Topic) SetPartitions(n int, available []int32) {
	t.acc.topicsMu.Lock()
	old := t.Partitions()
	if n > len(old) {
		parts := make([]*Partition, n)
		copy(parts, old)
		all := make([]int32, n)
		for i := range parts {
			all[i] = int32(i)
			if parts[i] == nil {
				parts[i] = newPartition(t, int32(i))
				t.acc.restoreLocked(parts[i])
			}
		}
		t.parts.Store(&parts)
		t.all.Store(&all)
	}
	t.acc.topicsMu.Unlock()
	t.available.Store(&available)
}

// pickSticky chooses the next sticky partition, avoiding prev when there
// is a choice. With adaptive partitioning it draws two available
// partitions and keeps the one with fewer queued batches, which steers
// records away from partitions whose broker is slow.
func (t *Topic) pickSticky(prev *Partition) *Partition {
	parts := t.Partitions()
	cands := t.Available()
	if len(cands) == 0 {
		cands = t.All()
	}
	if len(cands) == 0 {
		return nil
	}
	if d := t.acc.cfg.AvailabilityTimeout; d > 0 && t.acc.cfg.Adaptive {
		cands = notStalled(parts, cands, d)
	}
	pick := func() *Partition {
		if len(cands) == 1 {
			return parts[cands[0]]
		}
		for {
			p := parts[cands[rand.IntN(len(cands))]]
			if p != prev {
				return p
			}
		}
	}
	p := pick()
	if t.acc.cfg.Adaptive && len(cands) > 2 {
		if q := pick(); q.QueuedBatches() < p.QueuedBatches() {
			p = q
		}
	}
	return p
}

// currentSticky returns the sticky state, choosing a partition first if
// there is none.
func (t *Topic) currentSticky() *stickyState {
	if s := t.sticky.Load(); s != nil {
		return s
	}
	p := t.pickSticky(nil)
	if p == nil {
		return nil
	}
	s := &stickyState{t: t, part: p}
	if t.sticky.CompareAndSwap(nil, s) {
		return s
	}
	return t.sticky.Load()
}

// switchSticky moves the sticky choice away from s, if s is still current.
// No partition lock may be held: choosing takes them one at a time.
func (t *Topic) switchSticky(s *stickyState) {
	if next := t.pickSticky(s.part); next != nil {
		t.sticky.CompareAndSwap(s, &stickyState{t: t, part: next})
	}
}

// notStalled drops the partitions whose leader has not taken their batches
// within d, unless that would leave none.
func notStalled(parts []*Partition, cands []int32, d time.Duration) []int32 {
	now := time.Now().UnixNano()
	var keep []int32
	for i, id := range cands {
		if parts[id].stalled(now, d) {
			if keep == nil {
				keep = append(make([]int32, 0, len(cands)), cands[:i]...)
			}
			continue
		}
		if keep != nil {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return cands
	}
	return keep
}
