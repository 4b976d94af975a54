package spool

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FsyncPolicy says when the log makes its writes durable.
type FsyncPolicy int

const (
	// FsyncInterval syncs at most Interval after a write (group commit):
	// every write of the interval shares one fdatasync.
	FsyncInterval FsyncPolicy = iota
	// FsyncAlways syncs as soon as possible after every write; writes
	// that arrive during a sync share the next one.
	FsyncAlways
	// FsyncNever leaves writing back to the operating system: a write
	// survives the process, not the machine.
	FsyncNever
)

func (p FsyncPolicy) String() string {
	switch p {
	case FsyncInterval:
		return "interval"
	case FsyncAlways:
		return "always"
	case FsyncNever:
		return "os"
	}
	return "invalid"
}

// Options configure a Log.
type Options struct {
	Fsync    FsyncPolicy
	Interval time.Duration // FsyncInterval's period
	// MaxBytes bounds the segment files' total size; Reserve waits while a
	// batch would exceed it.
	MaxBytes int64
	// SegmentBytes is the size at which a new segment is started; 0
	// derives it from MaxBytes.
	SegmentBytes int64
	Logger       *slog.Logger

	fs fsys // tests inject faults here
}

// Limits of SegmentBytes derived from MaxBytes.
const (
	minSegment = 256 << 10
	maxSegment = 64 << 20
	// smallReserve is room past SegmentBytes that only small entries
	// (Sequenced, Done) may use, preallocated with the segment, so that
	// recording sends and acknowledgements does not fail for lack of
	// space even when batches do.
	smallReserve = 1 << 20
)

// segment is one file of the log.
type segment struct {
	first uint64 // LSN of its first entry, also its name
	path  string
	f     file
	size  int64 // bytes written
	base  int64 // size after the header: a segment this size holds no entry
	live  int   // batches whose Batch entry is here and that are not done
	gone  bool  // deleted
}

func segmentName(first uint64) string { return fmt.Sprintf("%020d.seg", first) }

// Ref locates a batch's bytes in the log.
type Ref struct {
	seg      *segment
	frameOff int64 // the frame holding the batch
	frameLen int64
	wireOff  int64 // the batch's bytes within the file
	wireLen  int64
}

// Size returns the size of the batch's bytes.
func (r Ref) Size() int { return int(r.wireLen) }

// Valid reports whether r locates a batch.
func (r Ref) Valid() bool { return r.seg != nil }

// Log is a spool directory opened for writing: an append-only sequence
// of segment files. It is safe for concurrent use.
type Log struct {
	dir  string
	opts Options
	log  *slog.Logger
	fs   *fsys
	lock *os.File
	gen  uint32
	boot string

	mu       lockorder.Mutex[lockorder.Leaf]
	segs     []*segment // oldest first; the last is written to
	segBytes int64
	nextLSN  uint64
	nextID   uint64
	batches  map[uint64]*segment // live batch id -> the segment holding it
	known    []damageKey         // damage already reported, for the next header
	written  uint64              // LSN of the last entry written
	synced   uint64              // LSN up to which entries are durable
	waiters  []waiter            // durability callbacks, in LSN order
	syncErr  error               // a sync failed: nothing more is durable
	writeErr error               // the last write failed (cleared by a successful one)
	rollErr  bool                // writeErr is a new segment the disk refused: only a new segment clears it
	reserved int64               // bytes reserved by batches not yet written
	freed    chan struct{}       // closed and replaced when space frees or writes resume
	doomed   []*segment          // segments to delete, oldest first, for the worker
	closed   bool
	scratch  enc

	kick chan struct{} // wakes the worker
	stop chan struct{}
	done chan struct{}
}

type waiter struct {
	lsn uint64
	fn  func(error)
}

// Open opens (creating it if needed) the spool directory dir, takes its
// lock, recovers what earlier sessions left, and starts a new segment.
// It fails only when the directory cannot be used (it is locked, or the
// system refused to create, read, lock or write its files); damaged data
// is reported in the Recovery, never an error.
func Open(dir string, opts Options) (*Log, *Recovery, error) {
	if opts.MaxBytes <= 0 {
		return nil, nil, errors.New("spool: MaxBytes must be positive")
	}
	if opts.Interval <= 0 {
		opts.Interval = 10 * time.Millisecond
	}
	l := &Log{dir: dir, opts: opts, log: opts.Logger, fs: &opts.fs, batches: make(map[uint64]*segment),
		freed: make(chan struct{}), kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		boot: bootID()}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.segBytes = opts.SegmentBytes
	if l.segBytes <= 0 {
		l.segBytes = min(max(opts.MaxBytes/8, minSegment), maxSegment)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, &Error{Op: "create directory", Path: dir, Err: err}
	}
	lock, tainted, err := lockDir(dir)
	if err != nil {
		var le *LockedError
		if errors.As(err, &le) {
			return nil, nil, err
		}
		return nil, nil, &Error{Op: "lock", Path: filepath.Join(dir, lockName), Err: err}
	}
	l.lock = lock
	rec, err := l.recover()
	if rec != nil && tainted {
		// A session could not sync: its log may lack records of what it
		// sent, and a clean close since does not bring them back.
		rec.Unclean, rec.Restarted = true, true
	}
	if err == nil {
		err = l.startSegment()
	}
	if err != nil {
		l.closeFiles()
		return nil, nil, err
	}
	// The earlier sessions' segments whose batches are all done go now.
	l.deleteDeadLocked()
	l.deleteDoomed()
	go l.worker()
	return l, rec, nil
}

// Gen returns this session's generation: one more than any earlier
// session's, so that batches created now order after recovered ones.
func (l *Log) Gen() uint32 { return l.gen }

// Dir returns the spool directory.
func (l *Log) Dir() string { return l.dir }

// recover reads every segment, oldest first, and rebuilds the live
// batches.
func (l *Log) recover() (*Recovery, error) {
	names, err := l.segmentFiles()
	if err != nil {
		return nil, err
	}
	r := newRecoverer()
	var torn int64
	for i, first := range names {
		seg := &segment{first: first, path: filepath.Join(l.dir, segmentName(first))}
		data, err := l.readAll(seg.path)
		if err != nil {
			return nil, err
		}
		res := scanSegment(data)
		last := i == len(names)-1
		r.segment(seg, res, int64(len(data)), last)
		seg.size = int64(len(data))
		if last && res.end < seg.size {
			torn = seg.size - res.end
			seg.size = res.end
		}
		f, err := l.fs.openFile(seg.path, os.O_RDWR, 0)
		if err != nil {
			return nil, &Error{Op: "open", Path: seg.path, Err: err}
		}
		seg.f = f
		l.segs = append(l.segs, seg)
	}
	if n := len(l.segs); n > 0 && torn > 0 {
		// The last session's torn write: drop it, as well as any
		// preallocated space after it.
		if err := l.segs[n-1].f.Truncate(l.segs[n-1].size); err != nil {
			return nil, &Error{Op: "truncate", Path: l.segs[n-1].path, Err: err}
		}
	}
	batches, fresh, keys := r.finish()
	for _, lb := range r.live {
		l.batches[lb.ID] = lb.seg
	}
	l.nextLSN = max(r.maxLSN+1, 1)
	if n := len(l.segs); n > 0 {
		l.nextLSN = max(l.nextLSN, l.segs[n-1].first+1)
	}
	l.nextID = r.maxID + 1
	l.gen = r.maxGen + 1
	l.known = keys
	rec := &Recovery{Batches: batches, Damage: fresh, TornBytes: torn}
	if len(fresh) > 0 {
		rec.Lost = r.lost // batches lost to damage an earlier session reported were reported then
	}
	if len(l.segs) > 0 && !r.closed {
		rec.Unclean = true
		rec.Restarted = r.last.bootID == "" || l.boot == "" || r.last.bootID != l.boot
		rec.LastFsync = r.last.fsync
	}
	for _, d := range fresh {
		l.log.Error("spool damage: records may be lost", "damage", d.String())
	}
	return rec, nil
}

// segmentFiles lists the segment files' first LSNs, in order.
func (l *Log) segmentFiles() ([]uint64, error) {
	ents, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, &Error{Op: "read directory", Path: l.dir, Err: err}
	}
	var out []uint64
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".seg") || e.IsDir() {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(name, ".seg"), 10, 64)
		if err != nil || segmentName(n) != name {
			l.log.Warn("spool: ignoring a file that is not a segment", "path", filepath.Join(l.dir, name))
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

func (l *Log) readAll(path string) ([]byte, error) {
	f, err := l.fs.openFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, &Error{Op: "open", Path: path, Err: err}
	}
	defer func() { _ = f.Close() }()
	var data []byte
	buf := make([]byte, 1<<20)
	for off := int64(0); ; {
		n, err := f.ReadAt(buf, off)
		data = append(data, buf[:n]...)
		off += int64(n)
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, &Error{Op: "read", Path: path, Err: err}
		}
	}
}

// Error is a failure of the file system under the spool.
type Error struct {
	Op   string // what the spool was doing: "write", "sync", "open", ...
	Path string
	Err  error
}

func (e *Error) Error() string { return "spool: " + e.Op + " " + e.Path + ": " + errText(e.Err) }

// errText drops the path an *os.PathError repeats.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// Unwrap returns the system's error.
func (e *Error) Unwrap() error { return e.Err }

// Read returns the bytes of the batch ref locates, read into buf (grown
// if too small), after checking the checksum of the entry holding them.
func (l *Log) Read(ref Ref, buf []byte) ([]byte, error) {
	seg := ref.seg
	if seg == nil {
		return nil, errors.New("spool: read of a batch that is not in the log")
	}
	l.mu.Lock()
	gone := seg.gone
	l.mu.Unlock()
	if gone {
		return nil, fmt.Errorf("spool: read from deleted segment %s", seg.path)
	}
	// The frame before and after the batch's bytes, and the bytes.
	pre := make([]byte, ref.wireOff-ref.frameOff)
	if _, err := seg.f.ReadAt(pre, ref.frameOff); err != nil {
		return nil, &Error{Op: "read", Path: seg.path, Err: err}
	}
	if int64(cap(buf)) < ref.wireLen {
		buf = make([]byte, ref.wireLen)
	}
	buf = buf[:ref.wireLen]
	if _, err := seg.f.ReadAt(buf, ref.wireOff); err != nil {
		return nil, &Error{Op: "read", Path: seg.path, Err: err}
	}
	post := make([]byte, ref.frameOff+ref.frameLen-ref.wireOff-ref.wireLen)
	if len(post) > 0 {
		if _, err := seg.f.ReadAt(post, ref.wireOff+ref.wireLen); err != nil {
			return nil, &Error{Op: "read", Path: seg.path, Err: err}
		}
	}
	f, err := parseFrameHeader(pre)
	if err != nil || f.size() != ref.frameLen || frameCRC(pre[8:], buf, post) != f.crc {
		return nil, &Error{Op: "read", Path: seg.path,
			Err: fmt.Errorf("checksum mismatch in the entry at offset %d: the file changed since it was written", ref.frameOff)}
	}
	return buf, nil
}

// Close syncs and closes the log, marking it closed cleanly, and
// releases the directory. Batches not marked done stay for the next
// session.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done // the worker synced what was written and deleted what was done
	l.mu.Lock()
	err := l.syncErr
	if err == nil {
		_, err = l.appendLocked(typeClose, nil, nil)
	}
	seg := l.active()
	l.mu.Unlock()
	if err == nil {
		err = l.syncSegment(seg)
	}
	// Give back the preallocated space past the last entry.
	if terr := seg.f.Truncate(seg.size); err == nil && terr != nil {
		err = &Error{Op: "truncate", Path: seg.path, Err: terr}
	}
	l.mu.Lock()
	empty := len(l.batches) == 0
	l.mu.Unlock()
	if err == nil && empty {
		_ = clearTainted(l.lock) // no batch is left whose sends may be unrecorded
	}
	l.mu.Lock()
	fns := l.takeWaitersLocked(^uint64(0))
	l.mu.Unlock()
	runWaiters(fns, err)
	l.closeFiles()
	return err
}

func (l *Log) closeFiles() {
	for _, s := range l.segs {
		if s.f != nil {
			_ = s.f.Close()
		}
	}
	if l.lock != nil {
		_ = l.lock.Close()
	}
}
