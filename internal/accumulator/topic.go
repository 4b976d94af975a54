package accumulator

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
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
	// lanes are the sticky choices for records without a key: lane 0
	// takes them while it is free, the others only while the lanes before
	// are busy (see AppendSticky).
	lanes [maxLanes]atomic.Pointer[stickyState]
	// contended is set when an append found a lane's mutex held by
	// another append (not by the sender draining or completing its
	// partition): appends then start at their processor's lane
	// (laneHint) rather than lane 0. A sticky switch clears it, so a
	// producer back to one goroutine returns to lane 0.
	contended atomic.Bool

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

// stickyState is one lane's choice of the uniform sticky partitioner for
// records without a key (KIP-794): its records go to part until batch.size
// bytes went there or its batch filled, then another partition is chosen.
type stickyState struct {
	lane     *atomic.Pointer[stickyState] // the lane it is the choice of
	part     *Partition
	produced atomic.Int64 // bytes appended since this choice
	// retired is set, under part's mutex, once no more records may go to
	// part under this choice; the next choice is made without the mutex.
	retired atomic.Bool
	// seen is produced as another lane's switch last saw it (dropIdle).
	seen atomic.Int64
}

// newStickyState is a new choice of part for lane. Its seen count starts
// below any produced count, so that the first switch of another lane to
// look at it (dropIdle) records it rather than dropping it: a choice made
// a moment ago has had no time to take a record.
func newStickyState(lane *atomic.Pointer[stickyState], part *Partition) *stickyState {
	s := &stickyState{lane: lane, part: part}
	s.seen.Store(-1)
	return s
}

// current reports whether s is still its lane's choice and takes records.
// appendNewLocked checks it under the partition's mutex after a wait.
func (s *stickyState) current() bool { return s.lane.Load() == s && !s.retired.Load() }

// maxLanes bounds the sticky lanes of a topic.
const maxLanes = 8

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
func (t *Topic) pickSticky(prev *Partition) *Partition { return t.pickFor(prev, -1) }

// pickFor is pickSticky for lane (-1: none), which also avoids the
// partitions the topic's other lanes write to while there are others to
// choose from. No partition lock may be held: it reads queue lengths and
// stall state under each partition's mutex in turn.
func (t *Topic) pickFor(prev *Partition, lane int) *Partition {
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
	var buf [32]int32
	cands = t.avoid(buf[:0], parts, cands, prev, lane)
	p := parts[cands[rand.IntN(len(cands))]]
	if t.acc.cfg.Adaptive && len(cands) > 1 {
		if q := parts[cands[rand.IntN(len(cands))]]; q.QueuedBatches() < p.QueuedBatches() {
			p = q
		}
	}
	return p
}

// avoid returns the candidates other than prev and the partitions of the
// lanes other than lane, appended to keep; failing any, those other than
// prev; failing any, cands.
func (t *Topic) avoid(keep []int32, parts []*Partition, cands []int32, prev *Partition, lane int) []int32 {
	var others [maxLanes]*Partition
	if lane >= 0 {
		for i := range t.lanes {
			if s := t.lanes[i].Load(); i != lane && s != nil && !s.retired.Load() {
				others[i] = s.part
			}
		}
	}
	for _, id := range cands {
		if p := parts[id]; p != prev && !slices.Contains(others[:], p) {
			keep = append(keep, id)
		}
	}
	if len(keep) > 0 {
		return keep
	}
	for _, id := range cands {
		if parts[id] != prev {
			keep = append(keep, id)
		}
	}
	if len(keep) > 0 {
		return keep
	}
	return cands
}

// laneCount is how many lanes records without a key may use: one per
// core and one more (a lane's holder may be descheduled), at most one per
// partition.
func (t *Topic) laneCount() int {
	return max(1, min(t.acc.lanes, len(t.Partitions())))
}

// currentLane returns lane i's sticky state, choosing a partition first
// if there is none (nil only when the topic has no partitions). A choice
// that loses to a concurrent one looks at the lane again, and chooses
// again if another lane's switch emptied it meanwhile (dropIdle).
func (t *Topic) currentLane(i int) *stickyState {
	for {
		if s := t.lanes[i].Load(); s != nil {
			return s
		}
		p := t.pickFor(nil, i)
		if p == nil {
			return nil
		}
		s := newStickyState(&t.lanes[i], p)
		if laneChoiceHook != nil {
			laneChoiceHook(t, i, false)
		}
		if t.lanes[i].CompareAndSwap(nil, s) {
			return s
		}
		if laneChoiceHook != nil {
			laneChoiceHook(t, i, true)
		}
	}
}

// laneChoiceHook, set by tests only, runs in currentLane before its
// choice is installed (lost false) and after a concurrent choice won
// (lost true), to order those steps against other lanes' switches.
var laneChoiceHook func(t *Topic, lane int, lost bool)

// lockLane returns a lane's sticky state with its partition's mutex held
// (nil when the topic has no partitions), or ctx's error:
// the first lane whose partition is free, so that one goroutine keeps to
// lane 0 and its one sticky partition, and concurrent goroutines spread
// over other lanes (other partitions) instead of queueing on one mutex.
// A lane whose next batch another goroutine is waiting to open (memory,
// the pacer) counts as busy while another lane may take the record.
//
// It does not wait on a busy lane's mutex while it can help it: there are
// more lanes than cores, so when every lane is busy a holder was
// descheduled, and yielding lets it run. Parking on the mutex instead
// pushes it into starvation mode after a millisecond, where every lock is
// handed over through the scheduler and TryLock fails: one lane's
// slowness would spread to all of them. After lockSpins yields it waits
// on a random lane.
func (t *Topic) lockLane(ctx context.Context) (*stickyState, error) {
	n := t.laneCount()
	first := 0
	if t.contended.Load() {
		first = laneHint(n)
	}
	for spin := 0; ; spin++ {
		busy := false
		var opening *stickyState
		for j := range n {
			i := first + j // first < n: no division on the per-record path
			if i >= n {
				i -= n
			}
			s := t.currentLane(i)
			if s == nil {
				return nil, nil
			}
			if !s.part.mu.TryLock() {
				if !t.contended.Load() && !s.part.servicing.Load() {
					t.contended.Store(true) // another append holds it
				}
				busy = true
				continue
			}
			if !s.part.awaitingBatchLocked() {
				return s, nil
			}
			s.part.mu.Unlock()
			if opening == nil {
				opening = s
			}
		}
		if !busy {
			// Every lane waits for memory for its next batch: yielding
			// would not help. Wait for the first lane's opener, without
			// its mutex, and look again.
			if done := opening.part.openDone.Load(); done != nil {
				if t.acc.deliverers.inside() {
					return nil, ErrNoWaitInDeliver // see appendNewLocked
				}
				if err := awaitOpener(ctx, *done); err != nil {
					return nil, err
				}
			}
			spin = -1
			continue
		}
		if spin < lockSpins {
			runtime.Gosched()
			continue
		}
		s := t.currentLane(rand.IntN(n))
		if s != nil {
			s.part.mu.Lock()
		}
		return s, nil
	}
}

// lockSpins is how many times lockLane yields before it waits on a lane.
const lockSpins = 32

// laneHint returns the lane of n a goroutine tries first while a topic's
// lanes are contended: the number of a token from a sync.Pool, whose
// items stay with the processor that put them back, so that each
// processor keeps to a lane of its own. Appends running on one core then
// find their partition's mutex, open batch and buffer in that core's
// cache, instead of taking whichever lane is free at the moment and
// pulling its cache lines from the other core on every record. A token
// is made when a processor has none (a new processor, or after a
// garbage collection emptied the pool), with the next number.
func laneHint(n int) int {
	h := laneHints.Get().(*uint32)
	i := int(*h % uint32(n))
	laneHints.Put(h)
	return i
}

var (
	laneTokens atomic.Uint32
	laneHints  = sync.Pool{New: func() any { h := laneTokens.Add(1) - 1; return &h }}
)

// switchSticky moves s's lane to another partition, if s is still the
// lane's choice. No partition lock may be held: choosing takes them one at
// a time.
func (t *Topic) switchSticky(s *stickyState) {
	lane := -1
	for i := range t.lanes {
		if s.lane == &t.lanes[i] {
			lane = i
		}
	}
	t.dropIdle(lane)
	if next := t.pickFor(s.part, lane); next != nil {
		s.lane.CompareAndSwap(s, newStickyState(s.lane, next))
	}
	if t.contended.Load() {
		t.contended.Store(false)
	}
}

// dropIdle empties the lanes other than lane that took no record since
// lane's previous switch, so that their partitions are no longer kept out
// of the lanes' choices (avoid): a lone producing goroutine that once
// moved to lane 1 while the sender held lane 0's mutex never comes back
// to lane 1, and lane 0 then skipped lane 1's partition for good. With 6
// partitions, 10 KB values and up to three lanes, one or two partitions
// got no batches for most of a run, and requests carried 4 or 5 batches
// where 6 could go. An emptied lane picks a partition again when an
// append next needs it; an append holding its old choice finds it
// replaced under the partition's mutex and looks again.
func (t *Topic) dropIdle(lane int) {
	for i := range t.lanes {
		o := t.lanes[i].Load()
		if i == lane || o == nil || o.retired.Load() {
			continue
		}
		if n := o.produced.Load(); n != o.seen.Load() {
			o.seen.Store(n)
			continue
		}
		t.lanes[i].CompareAndSwap(o, nil)
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
