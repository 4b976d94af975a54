package spool

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// worker is the log's goroutine: it syncs (group commit), runs the
// durability callbacks, deletes finished segments, and probes a disk
// that refused a write.
func (l *Log) worker() {
	defer close(l.done)
	probe := time.NewTicker(200 * time.Millisecond)
	defer probe.Stop()
	lastSync := time.Now()
	for {
		select {
		case <-l.kick:
		case <-probe.C:
			l.probeDisk()
		case <-l.stop:
			l.commit()
			l.deleteDoomed()
			return
		}
		l.deleteDoomed()
		if l.opts.Fsync == FsyncInterval {
			// Group commit: wait out the interval since the last sync,
			// gathering the writes that arrive meanwhile.
			if wait := l.opts.Interval - time.Since(lastSync); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-l.stop:
					t.Stop()
				}
			}
		}
		if l.commit() {
			lastSync = time.Now()
		}
	}
}

// commit syncs the active segment if entries were written since the
// last sync, then runs the callbacks of the entries now durable. It
// reports whether it synced.
func (l *Log) commit() bool {
	l.mu.Lock()
	if l.written == l.synced || l.opts.Fsync == FsyncNever || len(l.segs) == 0 {
		fns := l.takeWaitersLocked(l.synced)
		l.mu.Unlock()
		runWaiters(fns, nil)
		return false
	}
	seg, target := l.active(), l.written
	l.mu.Unlock()
	err := l.syncSegment(seg)
	l.mu.Lock()
	if err != nil && seg.gone {
		err = nil // synced when the next segment began, then deleted
	}
	if err != nil {
		// After a failed fsync the kernel may have dropped the dirty
		// pages: nothing written since the last good sync can be
		// trusted, and nothing written later can be made durable.
		if l.syncErr == nil {
			l.log.Error("spool: sync failed; the spool takes no more records, and records in memory are sent without being recorded", "err", err)
			if merr := markTainted(l.lock); merr != nil {
				l.log.Error("spool: cannot mark the spool as tainted", "path", l.lock.Name(), "err", merr)
			}
		}
		l.syncErr = err
		fns := l.takeWaitersLocked(^uint64(0))
		l.wakeReserveLocked()
		l.mu.Unlock()
		runWaiters(fns, err)
		return true
	}
	l.synced = max(l.synced, target)
	fns := l.takeWaitersLocked(l.synced)
	l.mu.Unlock()
	runWaiters(fns, nil)
	return true
}

// takeWaitersLocked removes the callbacks of entries up to lsn.
func (l *Log) takeWaitersLocked(lsn uint64) []func(error) {
	n := 0
	for n < len(l.waiters) && l.waiters[n].lsn <= lsn {
		n++
	}
	if n == 0 {
		return nil
	}
	fns := make([]func(error), n)
	for i := range n {
		fns[i] = l.waiters[i].fn
	}
	l.waiters = append(l.waiters[:0], l.waiters[n:]...)
	return fns
}

func runWaiters(fns []func(error), err error) {
	for _, fn := range fns {
		fn(err)
	}
}

// probeDisk retries what the disk refused (a new segment, or a write,
// with a Nop entry) while writes fail, so that records waiting for space
// go ahead once the disk takes writes again.
func (l *Log) probeDisk() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.writeErr == nil || l.closed || l.syncErr != nil {
		return
	}
	if l.rollErr {
		if l.roll() == nil {
			l.deleteDeadLocked()
		}
		return
	}
	_, _ = l.appendLocked(typeNop, nil, nil) // as before: the nop entry's result is not used here
}

// wakeReserveLocked wakes the goroutines waiting in Reserve. l.mu is
// held.
func (l *Log) wakeReserveLocked() {
	close(l.freed)
	l.freed = make(chan struct{})
}

// usedLocked is the bytes the segments hold plus the bytes reserved for
// batches not yet written. l.mu is held.
func (l *Log) usedLocked() int64 {
	n := l.reserved
	for _, s := range l.segs {
		n += s.size
	}
	for _, s := range l.doomed {
		n += s.size
	}
	return n
}

// Failed returns the sync failure that stopped the log, or nil.
func (l *Log) Failed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.syncErr
}

// Used returns the bytes the spool holds or has promised.
func (l *Log) Used() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.usedLocked()
}

// Segments returns how many segment files the log has.
func (l *Log) Segments() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.segs)
}

// FullError is Reserve's error when the spool stayed full (or its disk
// kept refusing writes) for as long as the caller would wait.
type FullError struct {
	Dir      string
	MaxBytes int64
	Need     int64
	Waited   time.Duration
	// Cause is the disk's error when writes were failing, nil when the
	// spool was merely full.
	Cause error
}

func (e *FullError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("spool %s refuses writes (%v): waited %v for it to take %d bytes", e.Dir, errText(e.Cause), e.Waited, e.Need)
	}
	return fmt.Sprintf("spool %s is full: waited %v for %d bytes of spool.max.bytes=%d; Kafka is slower than the producer, or unreachable",
		e.Dir, e.Waited, e.Need, e.MaxBytes)
}

// Unwrap returns the disk's error, if writes were failing.
func (e *FullError) Unwrap() error { return e.Cause }

// ErrWouldBlock is Reserve's error with try when the batch would wait.
var ErrWouldBlock = errors.New("the spool is full")

// Reserve takes n bytes of MaxBytes for a batch about to be created,
// waiting while the spool is full or its disk refuses writes, until ctx
// ends; with try it fails at once with ErrWouldBlock instead. A batch
// larger than MaxBytes waits until the spool is empty. The reservation is
// turned into the batch's real size by AppendBatch, or returned with
// Release.
func (l *Log) Reserve(ctx context.Context, n int64, try bool) error {
	var start time.Time
	for {
		l.mu.Lock()
		if err := l.unusableLocked(); err != nil {
			l.mu.Unlock()
			return err
		}
		used := l.usedLocked()
		if l.writeErr == nil && (used+n <= l.opts.MaxBytes || used == l.active().size && l.active().size == l.active().base) {
			l.reserved += n
			l.mu.Unlock()
			return nil
		}
		if try {
			l.mu.Unlock()
			return ErrWouldBlock
		}
		l.rollIfDoneLocked()
		freed := l.freed
		var cause error
		if l.writeErr != nil {
			cause = l.writeErr
		}
		l.mu.Unlock()
		if start.IsZero() {
			start = time.Now()
		}
		select {
		case <-freed:
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return &FullError{Dir: l.dir, MaxBytes: l.opts.MaxBytes, Need: n, Waited: time.Since(start), Cause: cause}
			}
			return ctx.Err()
		}
	}
}

// rollIfDoneLocked starts a new segment when the active one holds
// entries but no live batch, so that it can be deleted: otherwise a
// full spool whose batches are all done would wait forever for a roll
// that only a write brings. l.mu is held.
func (l *Log) rollIfDoneLocked() {
	seg := l.active()
	if seg.live > 0 || seg.size == seg.base || l.writeErr != nil {
		return
	}
	for _, s := range l.segs[:len(l.segs)-1] {
		if s.live > 0 {
			return // an older batch keeps every segment
		}
	}
	if err := l.startSegment(); err != nil {
		l.log.Warn("spool: cannot start a segment to free space", "err", err)
		return
	}
	l.deleteDeadLocked()
}

// Release returns a reservation that will not be written.
func (l *Log) Release(n int64) {
	if n <= 0 {
		return
	}
	l.mu.Lock()
	l.reserved -= n
	l.wakeReserveLocked()
	l.mu.Unlock()
}
