package accumulator

import (
	"context"
	"errors"
)

// Opening a partition's next batch.
//
// A new batch reserves its memory (its first buffer's capacity, see
// firstReserve) before it exists. When the pacer lets the append through and the pool
// has the bytes, that takes no waiting and happens under the partition's
// mutex, like the append itself. Otherwise one goroutine per partition,
// the opener, waits for them without the mutex (p.opening), and the
// others that need the same partition's next batch wait for the opener
// instead of reserving batches of their own: with hundreds of producing
// goroutines, each reserving a batch, the pool ran dry, and all but one
// queued in it only to hand their memory back on finding the opener's
// batch, one wake-up at a time. They wait on a channel the opener closes
// (Partition.openDone), not on the partition's mutex: when every sticky
// lane waits for its opener, hundreds of goroutines queueing on one mutex
// to register would be handed it one by one through the scheduler.

// batchNeed is the size limit of a new batch holding r, and the most
// memory it reserves: batch.size, or the exact size of one larger record.
func (p *Partition) batchNeed(r *Record) int64 {
	a := p.acc
	need := max(int64(a.cfg.BatchSize), int64(r.size()+batchOverhead))
	if total := a.pool.Total(); need > total {
		// batch.size above buffer.memory: a full-size batch could never
		// be reserved, so the batch gets what the budget has.
		need = max(total, int64(r.size()+batchOverhead))
	}
	return need
}

// firstReserve is the memory a new batch of at most limit bytes reserves
// when its first buffer is for size bytes: that buffer's capacity (at
// most limit), so that a producer with many open batches of a few records
// each (thousands of partitions, random keys) counts the memory they
// hold, not batch.size each. Appends that grow the buffer reserve what
// they add (Batch.grow). A spooling producer reserves limit at once, of
// memory as of spool space, which it writes the batch into when sealed.
func (a *Accumulator) firstReserve(limit int64, size int) int64 {
	if a.cfg.Spool != nil {
		return limit
	}
	return min(int64(a.bufs.capFor(size)), limit)
}

// appendNewLocked appends r to a new batch of p, which replaces the open
// one (full, or none). p.mu is held; it is released. When the memory must
// be waited for, it is reserved without p.mu (blocking until ctx ends),
// and r goes to the open batch if one with room appeared meanwhile. valid
// is checked under p.mu after such a wait; if it reports false nothing is
// appended. It returns the bytes added, or -1 when nothing was appended
// and the caller should try again (valid failed, or another goroutine was
// opening p's next batch and has finished).
func (p *Partition) appendNewLocked(ctx context.Context, r *Record, try bool, valid func() bool) (int, error) {
	a := p.acc
	limit := p.batchNeed(r)
	size := p.bufSize(limit, r)
	need := a.firstReserve(limit, size)
	if a.reserveNow(need, try) {
		return p.openLocked(r, a.bufs.get(size), limit, need), nil
	}
	// Inside the Deliver hook an append does not wait: waiting would hold
	// up the deliveries that free memory.
	inDeliver := !try && a.deliverers.inside()
	try = try || inDeliver
	if done := p.openDone.Load(); done != nil && !try {
		p.mu.Unlock()
		return -1, awaitOpener(ctx, *done)
	}
	var done chan struct{} // TryProduce never waits, so nobody waits for it
	if !try {
		done = make(chan struct{})
		p.openDone.Store(&done)
	}
	p.mu.Unlock()
	err := a.reserve(ctx, need, try)
	if inDeliver && errors.Is(err, ErrBufferFull) {
		err = ErrNoWaitInDeliver
	}
	var buf []byte
	if err == nil {
		buf = a.bufs.get(size)
	}
	p.mu.Lock()
	if done != nil {
		p.openDone.Store(nil)
		close(done)
	}
	if err != nil {
		p.mu.Unlock()
		return -1, err
	}
	if err := a.gateError(); err != nil {
		p.mu.Unlock()
		a.unreserve(need)
		a.bufs.put(buf)
		return -1, err
	}
	if valid != nil && !valid() {
		p.mu.Unlock()
		a.unreserve(need)
		a.bufs.put(buf)
		return -1, nil
	}
	if n := p.appendOpen(r); n >= 0 {
		p.mu.Unlock()
		a.unreserve(need)
		a.bufs.put(buf)
		return n, nil
	}
	return p.openLocked(r, buf, limit, need), nil
}

// openLocked makes a new batch of p in buf, of at most limit bytes and
// holding need bytes of memory, appends r to it and returns the bytes
// added. The open batch, if any, is sealed. p.mu is held; it is released.
func (p *Partition) openLocked(r *Record, buf []byte, limit, need int64) int {
	a := p.acc
	replaced := p.open != nil
	sealed := p.sealOpenLocked()
	b := p.newBatchLocked(buf, limit, need)
	n := b.tryAppend(r)
	p.bufRecords++
	p.bufBytes += int64(n)
	p.open = b
	p.addUndeliveredLocked(b)
	due := b.Created.Add(a.cfg.Linger)
	p.mu.Unlock()
	if sealed != nil {
		p.sealInBackground(sealed)
	}
	a.batchesCreated.Add(1)
	if replaced || a.cfg.WakeAt == nil || a.cfg.Linger <= 0 {
		a.cfg.Wake(p) // a sealed batch is sendable now
	} else {
		a.cfg.WakeAt(p, due) // only a linger began
	}
	return n
}

// reserveNow reserves need bytes for a new batch if that takes no
// waiting: the pacer lets it through (TryProduce does not pace) and the
// pool has them with nobody queued. A spooling producer always goes
// through reserve, which also takes spool space.
func (a *Accumulator) reserveNow(need int64, try bool) bool {
	if a.cfg.Spool != nil || (!try && !a.pace.clear()) {
		return false
	}
	return a.pool.TryReserve(need)
}

// awaitingBatchLocked reports whether an append to p must wait for the
// opener: p has no open batch and a goroutine is reserving the next one.
// p.mu is held.
func (p *Partition) awaitingBatchLocked() bool { return p.openDone.Load() != nil && p.open == nil }

// awaitOpener waits until the goroutine opening a partition's next batch
// is done (with or without a batch: done is closed), or ctx ends.
func awaitOpener(ctx context.Context, done chan struct{}) error {
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
