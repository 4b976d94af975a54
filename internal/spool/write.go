package spool

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"
)

// active returns the segment written to. l.mu is held.
func (l *Log) active() *segment { return l.segs[len(l.segs)-1] }

// startSegment starts a new segment, whose first entry is a header
// naming this session. The previous segment, if any, is synced first
// (unless the policy is FsyncNever), so that only the newest segment can
// have a torn tail. l.mu is held, or the log is not yet shared.
func (l *Log) startSegment() error {
	if n := len(l.segs); n > 0 {
		if err := l.syncSegment(l.segs[n-1]); err != nil {
			return err
		}
	}
	seg := &segment{first: l.nextLSN, path: filepath.Join(l.dir, segmentName(l.nextLSN))}
	f, err := l.fs.openFile(seg.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return &Error{Op: "create", Path: seg.path, Err: err}
	}
	seg.f = f
	if err := l.fs.preallocate(f, l.segBytes+smallReserve); err != nil {
		_ = f.Close()
		_ = os.Remove(seg.path)
		return &Error{Op: "preallocate", Path: seg.path, Err: err}
	}
	if l.opts.Fsync != FsyncNever {
		if err := syncDir(l.dir); err != nil {
			_ = f.Close()
			_ = os.Remove(seg.path)
			return &Error{Op: "sync directory", Path: l.dir, Err: err}
		}
	}
	h := header{version: formatVersion, fsync: l.opts.Fsync, gen: l.gen, pid: int32(os.Getpid()), unixMill: time.Now().UnixMilli(), bootID: l.boot}
	for _, k := range l.known {
		if l.segmentExists(k.segment) {
			h.known = append(h.known, k)
		}
	}
	l.scratch.b = l.scratch.b[:0]
	l.scratch.header(h)
	if _, err := l.writeFrame(seg, typeHeader, l.scratch.b, nil, nil); err != nil {
		_ = f.Close()
		_ = os.Remove(seg.path)
		return err
	}
	seg.base = seg.size
	l.segs = append(l.segs, seg)
	return nil
}

func (l *Log) segmentExists(first uint64) bool {
	for _, s := range l.segs {
		if s.first == first && !s.gone {
			return true
		}
	}
	return false
}

// syncSegment makes seg's writes durable, unless the policy leaves that
// to the operating system.
func (l *Log) syncSegment(seg *segment) error {
	if l.opts.Fsync == FsyncNever {
		return nil
	}
	if err := l.fs.syncData(seg.f); err != nil {
		return &Error{Op: "sync", Path: seg.path, Err: err}
	}
	return nil
}

// writeFrame writes a frame of type t whose payload is meta then wire,
// at the end of seg, and assigns it the next LSN. On failure it cuts the
// partial write off (so the next write starts on a frame boundary) and
// returns the error. l.mu is held.
func (l *Log) writeFrame(seg *segment, t entryType, meta, wire []byte, ref *Ref) (uint64, error) {
	lsn := l.nextLSN
	var hdr [frameHeader]byte
	n := 9 + len(meta) + len(wire)
	pre := appendFrameHeader(hdr[:0], lsn, t, n)
	putCRC(pre, wireFrameCRC(pre[8:], meta, wire))
	off := seg.size
	err := writeAll(seg.f, off, pre, meta, wire)
	if err != nil {
		if terr := seg.f.Truncate(off); terr != nil {
			l.log.Error("spool: cannot cut off a failed write", "path", seg.path, "err", terr)
		}
		l.setWriteErr(&Error{Op: "write", Path: seg.path, Err: err}, false)
		return 0, l.writeErr
	}
	if ref != nil {
		*ref = Ref{seg: seg, frameOff: off, frameLen: int64(frameHeader + len(meta) + len(wire)),
			wireOff: off + int64(frameHeader+len(meta)), wireLen: int64(len(wire))}
	}
	seg.size += int64(frameHeader + len(meta) + len(wire))
	l.nextLSN++
	l.written = lsn
	if l.writeErr != nil && !l.rollErr {
		l.clearWriteErr(seg.path)
	}
	return lsn, nil
}

// setWriteErr records that the disk refused a write (roll: the creation
// of a new segment). Until the same kind of write succeeds, Reserve
// waits. l.mu is held.
func (l *Log) setWriteErr(err *Error, roll bool) {
	if l.writeErr == nil {
		l.log.Error("spool: write failed; new records wait for the disk", "err", err)
	}
	l.writeErr, l.rollErr = err, roll
}

func (l *Log) clearWriteErr(path string) {
	l.writeErr, l.rollErr = nil, false
	l.log.Info("spool: writes succeed again", "path", path)
	l.wakeReserveLocked()
}

func appendFrameHeader(dst []byte, lsn uint64, t entryType, n int) []byte {
	dst = binary.BigEndian.AppendUint32(dst, frameMagic)
	dst = append(dst, 0, 0, 0, 0) // the CRC, once known
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	dst = binary.BigEndian.AppendUint64(dst, lsn)
	return append(dst, byte(t))
}

func putCRC(frame []byte, crc uint32) { binary.BigEndian.PutUint32(frame[4:], crc) }

// kafkaCRCOffset is where a record batch's CRC-32C is, and where the
// bytes it covers begin.
const (
	kafkaCRCAt     = 17
	kafkaCRCCovers = 21
)

// wireFrameCRC is frameCRC(head, meta, wire) where wire, if not empty,
// is a record batch whose header holds the CRC-32C of its bytes from
// kafkaCRCCovers on: that CRC is combined in rather than computed again,
// so the batch's bytes are read once (when the batch was sealed). A batch
// whose header CRC is wrong therefore makes a frame whose checksum fails:
// recovery reports it as damage rather than trusting it.
func wireFrameCRC(head, meta, wire []byte) uint32 {
	if len(wire) < kafkaCRCCovers {
		return frameCRC(head, meta, wire)
	}
	crc := frameCRC(head, meta, wire[:kafkaCRCCovers])
	body := binary.BigEndian.Uint32(wire[kafkaCRCAt:])
	return crcCombine(crc, body, int64(len(wire)-kafkaCRCCovers))
}

// frameCRC is the CRC-32C of the pieces, in order.
func frameCRC(pieces ...[]byte) uint32 {
	var crc uint32
	for _, p := range pieces {
		crc = crc32.Update(crc, castagnoli, p)
	}
	return crc
}

func writeAll(f file, off int64, pieces ...[]byte) error {
	for _, p := range pieces {
		if len(p) == 0 {
			continue
		}
		if _, err := f.WriteAt(p, off); err != nil {
			return err
		}
		off += int64(len(p))
	}
	return nil
}

// roomFor starts a new segment if an entry of size bytes does not fit in
// the active one: batches must fit under the segment size, small entries
// may use the reserve past it. A segment holding only its header takes
// any entry. l.mu is held.
func (l *Log) roomFor(size int64, small bool) error {
	seg := l.active()
	limit := l.segBytes
	if small {
		limit += smallReserve
	}
	if seg.size+size <= limit || seg.size == seg.base {
		return nil
	}
	if err := l.roll(); err != nil {
		return err
	}
	l.deleteDeadLocked()
	return nil
}

// roll starts a new segment, recording a refusal as a write error and
// clearing one a refused roll left. l.mu is held.
func (l *Log) roll() error {
	if err := l.startSegment(); err != nil {
		var se *Error
		if errors.As(err, &se) {
			l.setWriteErr(se, true)
		}
		return err
	}
	if l.writeErr != nil && l.rollErr {
		l.clearWriteErr(l.active().path)
	}
	return nil
}

// appendLocked writes a small entry. l.mu is held.
func (l *Log) appendLocked(t entryType, payload []byte, fn func(error)) (uint64, error) {
	if err := l.roomFor(int64(frameHeader+len(payload)), true); err != nil {
		return 0, err
	}
	lsn, err := l.writeFrame(l.active(), t, payload, nil, nil)
	if err != nil {
		return 0, err
	}
	if fn != nil {
		l.waiters = append(l.waiters, waiter{lsn: lsn, fn: fn})
	}
	return lsn, nil
}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("spool closed")

// errClosed is ErrClosed.
var errClosed = ErrClosed

// unusableLocked returns why nothing more can be written: the log is
// closed, or a sync failed. l.mu is held.
func (l *Log) unusableLocked() error {
	if l.closed {
		return errClosed
	}
	return l.syncErr
}

// AppendBatch writes b, assigning its ID, and returns where its bytes
// are. reserved is what Reserve granted for it, now replaced by what the
// entry takes. durable, if not nil, is called once the entry is durable
// under the fsync policy (at once with FsyncNever), with nil, or with the
// error that kept it from being synced; it runs on the log's worker or
// the caller's goroutine, without locks, and must not block.
func (l *Log) AppendBatch(b *BatchEntry, reserved int64, durable func(error)) (Ref, error) {
	l.mu.Lock()
	if err := l.unusableLocked(); err != nil {
		l.mu.Unlock()
		return Ref{}, err
	}
	b.ID = l.nextID
	l.scratch.b = l.scratch.b[:0]
	l.scratch.batchMeta(b)
	var ref Ref
	size := int64(frameHeader + len(l.scratch.b) + len(b.Wire))
	err := l.roomFor(size, false)
	var lsn uint64
	if err == nil {
		lsn, err = l.writeFrame(l.active(), typeBatch, l.scratch.b, b.Wire, &ref)
	}
	if err != nil {
		l.mu.Unlock()
		return Ref{}, err
	}
	l.nextID++
	ref.seg.live++
	l.batches[b.ID] = ref.seg
	l.reserved -= reserved
	if reserved > size {
		l.wakeReserveLocked()
	}
	l.finishWriteLocked(lsn, durable)
	return ref, nil
}

// finishWriteLocked registers durable for lsn, to be run by the worker
// after the sync that covers it (at once with FsyncNever, whose writes
// are as durable as they get once written), and releases l.mu.
func (l *Log) finishWriteLocked(lsn uint64, durable func(error)) {
	if l.opts.Fsync == FsyncNever {
		l.synced = lsn
	}
	if durable != nil {
		l.waiters = append(l.waiters, waiter{lsn: lsn, fn: durable})
	}
	l.mu.Unlock()
	l.signal()
}

func (l *Log) signal() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// AppendSequenced records that batch id is about to be sent with the
// given producer id, epoch and base sequence (-1s for a producer that is
// not idempotent); duplicate says the batch may already be in Kafka
// under another producer state, which a recovery then still knows. The
// entry is written before the batch goes out, so that a recovery after a
// process crash knows what the broker may hold; with FsyncAlways the
// caller then waits for SyncWritten, which makes that true after an
// operating system crash too.
func (l *Log) AppendSequenced(id uint64, pid int64, epoch int16, baseSeq int32, duplicate bool) error {
	var e enc
	e.sequenced(sequenced{id: id, pid: pid, epoch: epoch, baseSeq: baseSeq, unixMill: time.Now().UnixMilli(), duplicate: duplicate})
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.unusableLocked(); err != nil {
		return err
	}
	_, err := l.appendLocked(typeSequenced, e.b, nil)
	return err
}

// SyncWritten waits, with FsyncAlways, until every entry written so far
// is durable (one sync for all the Sequenced entries of a request); with
// the other policies it returns at once.
func (l *Log) SyncWritten() error {
	if l.opts.Fsync != FsyncAlways {
		return nil
	}
	wait := make(chan error, 1)
	l.mu.Lock()
	if err := l.unusableLocked(); err != nil {
		l.mu.Unlock()
		return err
	}
	if l.synced >= l.written {
		l.mu.Unlock()
		return nil
	}
	l.waiters = append(l.waiters, waiter{lsn: l.written, fn: func(err error) { wait <- err }})
	l.mu.Unlock()
	l.signal()
	return <-wait
}

// AppendDone records that batch id has its outcome; once every batch of
// the oldest segments is done, those segments are deleted. Done entries
// are not waited for: if one is lost in a crash, the batch is sent again
// and the broker deduplicates it, or it is counted as a possible
// duplicate.
func (l *Log) AppendDone(id uint64) error {
	var e enc
	e.u64(id)
	l.mu.Lock()
	defer l.mu.Unlock()
	seg := l.batches[id]
	if seg == nil {
		return nil
	}
	delete(l.batches, id)
	seg.live--
	if l.closed {
		return errClosed
	}
	_, err := l.appendLocked(typeDone, e.b, nil)
	l.deleteDeadLocked()
	return err
}

// AppendSplit records that batch orig was replaced by parts (assigning
// their IDs) and returns where each part's bytes are. The entry is one
// frame, so a crash keeps either the original or all the parts.
func (l *Log) AppendSplit(orig uint64, parts []*BatchEntry, durable func(error)) ([]Ref, error) {
	l.mu.Lock()
	if err := l.unusableLocked(); err != nil {
		l.mu.Unlock()
		return nil, err
	}
	var e enc
	e.u64(orig)
	e.u16(uint16(len(parts)))
	metaOff := make([]int, len(parts))
	for i, p := range parts {
		p.ID = l.nextID + uint64(i)
		var pe enc
		pe.batchMeta(p)
		e.u32(uint32(len(pe.b) + len(p.Wire)))
		e.b = append(e.b, pe.b...)
		metaOff[i] = len(e.b)
		e.b = append(e.b, p.Wire...)
	}
	if err := l.roomFor(int64(frameHeader+len(e.b)), false); err != nil {
		l.mu.Unlock()
		return nil, err
	}
	var whole Ref
	lsn, err := l.writeFrame(l.active(), typeSplit, e.b, nil, &whole)
	if err != nil {
		l.mu.Unlock()
		return nil, err
	}
	l.nextID += uint64(len(parts))
	if seg := l.batches[orig]; seg != nil {
		delete(l.batches, orig)
		seg.live--
	}
	refs := make([]Ref, len(parts))
	for i, p := range parts {
		refs[i] = Ref{seg: whole.seg, frameOff: whole.frameOff, frameLen: whole.frameLen,
			wireOff: whole.frameOff + frameHeader + int64(metaOff[i]), wireLen: int64(len(p.Wire))}
		whole.seg.live++
		l.batches[p.ID] = whole.seg
	}
	l.deleteDeadLocked()
	l.finishWriteLocked(lsn, durable)
	return refs, nil
}

// deleteDeadLocked queues for deletion the oldest segments while every
// batch in them is done; the active segment stays. Only the oldest go,
// because Done entries for batches in older segments live in newer
// ones. l.mu is held.
func (l *Log) deleteDeadLocked() {
	n := 0
	for n < len(l.segs)-1 && l.segs[n].live == 0 {
		n++
	}
	if n == 0 {
		return
	}
	for _, s := range l.segs[:n] {
		s.gone = true
	}
	l.doomed = append(l.doomed, l.segs[:n]...)
	l.segs = append(l.segs[:0:0], l.segs[n:]...)
	l.signal()
}

// deleteDoomed removes the segments queued for deletion, oldest first,
// and syncs the directory so that a crash cannot bring back an older one
// without a newer one. It runs on the worker, or in Open.
func (l *Log) deleteDoomed() {
	l.mu.Lock()
	doomed := l.doomed
	l.doomed = nil
	l.mu.Unlock()
	if len(doomed) == 0 {
		return
	}
	for _, s := range doomed {
		_ = s.f.Close()
		if err := os.Remove(s.path); err != nil && !os.IsNotExist(err) {
			l.log.Error("spool: cannot delete a segment whose batches are all acknowledged", "path", s.path, "err", err)
		}
	}
	if l.opts.Fsync != FsyncNever {
		if err := syncDir(l.dir); err != nil {
			l.log.Warn("spool: sync directory", "path", l.dir, "err", err)
		}
	}
	l.mu.Lock()
	l.wakeReserveLocked()
	l.mu.Unlock()
}
