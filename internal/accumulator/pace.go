package accumulator

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/lockorder"
)

// pacer keeps producers from running far ahead of the sender while the
// sender is keeping up. buffer.memory is a ceiling for outages and slow
// brokers; filling all of it while batches flow only touches memory the
// sender will not reach for a long time: with a large buffer.memory the
// producer copied records into freshly faulted pages and the sender read
// them back from cold cache lines, which made a bigger allowance slower.
//
// Batches are counted from their seal (their uncompressed bytes) until
// the sender takes them (Drain), or their delivery if it never does: the
// bytes queued for the sender, which it reads (CRC, writev) only when it
// gets to them. Batches in flight are not counted: they were read while
// hot, and a broker far away may hold many. An append that opens a new
// batch while more than limit bytes are counted waits for the sender to
// take some, but only while deliveries are happening: once none came for
// stallAfter (a broker outage, a slow broker), appends go ahead into
// buffer.memory as they always did.
//
// Appends that wait are woken once the count is down to half the limit,
// not as soon as it is under it: woken at the limit, a waiting producer
// that outruns the sender opened one batch, was over the limit again and
// slept again, a round trip through the scheduler for every batch the
// sender took (with 10 KB values, 8,400 waits per 300,000 records).
type pacer struct {
	limit       int64
	stall       time.Duration // stallAfter; tests change it
	ahead       atomic.Int64  // bytes of sealed batches the sender has not taken
	lastDeliver atomic.Int64  // unix ns of the last delivery; 0 before the first
	delivering  atomic.Int32  // Deliver hooks running now
	waiters     atomic.Int32

	mu lockorder.Mutex[lockorder.Leaf]
	ch chan struct{} // closed when counted bytes leave and someone waits; under mu
}

// stallAfter is how long without a delivery makes the pacer stand aside.
const stallAfter = 100 * time.Millisecond

// sealed counts b's bytes from now until the sender takes it or it is
// delivered, and notes its size for the buffer of its partition's next
// batch. It is called once per batch, when it is closed to appends, under
// its partition's mutex.
func (a *Accumulator) sealed(b *Batch) {
	if b.P != nil {
		b.P.lastSize.Store(int32(len(b.buf)))
	}
	if a.pace.limit <= 0 || b.paced > 0 {
		return
	}
	b.paced = int64(len(b.buf))
	a.pace.ahead.Add(b.paced)
}

// taken stops counting b, which the sender took, under its partition's
// mutex. It reports whether appends wait for that (they wait for the
// count to fall to half the limit): the caller then calls pace.wake once
// the mutex is released.
func (a *Accumulator) taken(b *Batch) bool {
	if b.paced == 0 {
		return false
	}
	left := a.pace.ahead.Add(-b.paced)
	b.paced = 0
	return left <= a.pace.limit/2 && a.pace.waiters.Load() > 0
}

// delivered notes a delivery (deliveries are happening: the pacer does not
// stand aside), and stops counting b if the sender never took it.
func (a *Accumulator) delivered(b *Batch) {
	pc := &a.pace
	if pc.limit <= 0 {
		return
	}
	pc.lastDeliver.Store(time.Now().UnixNano())
	if b.paced > 0 {
		pc.ahead.Add(-b.paced)
		b.paced = 0
		if pc.waiters.Load() > 0 {
			pc.wake()
		}
	}
}

// wake wakes the appends waiting for counted bytes to leave.
func (pc *pacer) wake() {
	pc.mu.Lock()
	if pc.ch != nil {
		close(pc.ch)
		pc.ch = nil
	}
	pc.mu.Unlock()
}

// clear reports whether an append may open a batch without waiting:
// wait would return at once, short of the stall check.
func (pc *pacer) clear() bool {
	return pc.limit <= 0 || pc.delivering.Load() > 0 || pc.ahead.Load() <= pc.limit
}

// wait returns once the sender took enough for no more than half the
// limit to wait for it (or no more than the limit, seen when its timer
// fires), no delivery happened for stallAfter, or ctx ends. It does not wait while
// a Deliver hook runs: the append may come from a record's callback,
// which runs on the goroutine that delivers the next batches, and would
// wait for itself.
func (pc *pacer) wait(ctx context.Context) {
	if pc.limit <= 0 || pc.delivering.Load() > 0 {
		return
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for pc.ahead.Load() > pc.limit {
		idle := time.Duration(time.Now().UnixNano() - pc.lastDeliver.Load())
		if idle >= pc.stall {
			return
		}
		pc.waiters.Add(1)
		pc.mu.Lock()
		if pc.ch == nil {
			pc.ch = make(chan struct{})
		}
		ch := pc.ch
		pc.mu.Unlock()
		if pc.ahead.Load() <= pc.limit { // a delivery came before we waited
			pc.waiters.Add(-1)
			return
		}
		if timer == nil {
			timer = time.NewTimer(pc.stall - idle)
		} else {
			timer.Reset(pc.stall - idle)
		}
		select {
		case <-ch:
		case <-timer.C:
		case <-ctx.Done():
		}
		pc.waiters.Add(-1)
		if ctx.Err() != nil {
			return
		}
	}
}
