package spool

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wire returns n bytes standing for a record batch, derived from seed:
// random, but for the CRC-32C a batch header carries of its bytes from
// offset 21 on.
func wire(seed, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	if n >= kafkaCRCCovers {
		binary.BigEndian.PutUint32(b[kafkaCRCAt:], crc32.Checksum(b[kafkaCRCCovers:], castagnoli))
	}
	return b
}

func opts(policy FsyncPolicy) Options {
	return Options{Fsync: policy, Interval: time.Millisecond, MaxBytes: 64 << 20}
}

func open(t *testing.T, dir string, o Options) (*Log, *Recovery) {
	t.Helper()
	l, rec, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return l, rec
}

// crash abandons l as a killed process would: no Close entry, files and
// lock released (the kernel releases them when a process dies).
func (l *Log) crash() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	l.closeFiles()
}

// appendBatch writes a batch and waits until it is durable.
func appendBatch(t *testing.T, l *Log, topic string, part int32, seq uint64, w []byte) (uint64, Ref) {
	t.Helper()
	b := &BatchEntry{Topic: topic, Partition: part, Gen: l.Gen(), Seq: seq, Records: 3, Wire: w}
	done := make(chan error, 1)
	ref, err := l.AppendBatch(b, 0, func(err error) { done <- err })
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return b.ID, ref
}

func readBatch(t *testing.T, l *Log, ref Ref) []byte {
	t.Helper()
	b, err := l.Read(ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	for _, policy := range []FsyncPolicy{FsyncInterval, FsyncAlways, FsyncNever} {
		t.Run(policy.String(), func(t *testing.T) {
			dir := t.TempDir()
			l, rec := open(t, dir, opts(policy))
			if len(rec.Batches) != 0 || rec.Unclean {
				t.Fatalf("new spool recovered %+v", rec)
			}
			a, refA := appendBatch(t, l, "t", 0, 0, wire(1, 100))
			b, _ := appendBatch(t, l, "t", 0, 1<<20, wire(2, 200))
			c, _ := appendBatch(t, l, "u", 3, 0, wire(3, 300))
			d, _ := appendBatch(t, l, "t", 0, 2<<20, wire(4, 400))
			if !bytes.Equal(readBatch(t, l, refA), wire(1, 100)) {
				t.Fatal("read back different bytes")
			}
			if err := l.AppendSequenced(a, 7, 1, 0, false); err != nil {
				t.Fatal(err)
			}
			if err := l.AppendSequenced(c, -1, -1, -1, false); err != nil {
				t.Fatal(err)
			}
			if err := l.AppendDone(b); err != nil {
				t.Fatal(err)
			}
			parts := []*BatchEntry{
				{Topic: "t", Partition: 0, Gen: l.Gen(), Seq: 2<<20 + 0, Records: 1, Wire: wire(5, 90)},
				{Topic: "t", Partition: 0, Gen: l.Gen(), Seq: 2<<20 + 1, Records: 2, Wire: wire(6, 95)},
			}
			refs, err := l.AppendSplit(d, parts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(readBatch(t, l, refs[1]), wire(6, 95)) {
				t.Fatal("split part read back different bytes")
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}

			l, rec = open(t, dir, opts(policy))
			defer l.Close()
			if rec.Unclean || len(rec.Damage) > 0 || len(rec.Lost) > 0 {
				t.Fatalf("clean close recovered as %+v", rec)
			}
			want := []struct {
				id      uint64
				topic   string
				sent    bool
				pid     int64
				payload []byte
			}{
				{a, "t", true, 7, wire(1, 100)},
				{parts[0].ID, "t", false, -1, wire(5, 90)},
				{parts[1].ID, "t", false, -1, wire(6, 95)},
				{c, "u", true, -1, wire(3, 300)},
			}
			if len(rec.Batches) != len(want) {
				t.Fatalf("recovered %d batches, want %d: %+v", len(rec.Batches), len(want), rec.Batches)
			}
			for i, w := range want {
				g := rec.Batches[i]
				if g.ID != w.id || g.Topic != w.topic || g.Sent != w.sent || g.ProducerID != w.pid {
					t.Errorf("batch %d: got id %d topic %s sent %v pid %d, want %+v", i, g.ID, g.Topic, g.Sent, g.ProducerID, w)
				}
				if !bytes.Equal(readBatch(t, l, g.Ref), w.payload) {
					t.Errorf("batch %d: bytes differ", i)
				}
			}
			if g := rec.Batches[0]; g.ProducerEpoch != 1 || g.BaseSequence != 0 {
				t.Errorf("sequenced state %d/%d, want 1/0", g.ProducerEpoch, g.BaseSequence)
			}
			if rec.Batches[1].Gen != rec.Batches[0].Gen || l.Gen() <= rec.Batches[0].Gen {
				t.Errorf("generation %d after batches of %d", l.Gen(), rec.Batches[0].Gen)
			}
		})
	}
}

func TestUncleanRecovery(t *testing.T) {
	dir := t.TempDir()
	l, _ := open(t, dir, opts(FsyncInterval))
	a, _ := appendBatch(t, l, "t", 0, 0, wire(1, 100))
	l.crash()
	l, rec := open(t, dir, opts(FsyncInterval))
	defer l.Close()
	if !rec.Unclean || rec.Restarted && bootID() != "" {
		t.Fatalf("after a crash in the same boot: unclean %v restarted %v", rec.Unclean, rec.Restarted)
	}
	if len(rec.Batches) != 1 || rec.Batches[0].ID != a || rec.Batches[0].Sent {
		t.Fatalf("recovered %+v", rec.Batches)
	}
}

// segFiles lists the segment files of dir, oldest first.
func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTornTailIsSilent(t *testing.T) {
	for _, cut := range []int{1, 10, 21, 60, 299} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			dir := t.TempDir()
			l, _ := open(t, dir, opts(FsyncInterval))
			a, _ := appendBatch(t, l, "t", 0, 0, wire(1, 100))
			appendBatch(t, l, "t", 0, 1, wire(2, 300))
			l.crash()
			segs := segFiles(t, dir)
			last := segs[len(segs)-1]
			fi, _ := os.Stat(last)
			if err := os.Truncate(last, fi.Size()-int64(cut)); err != nil {
				t.Fatal(err)
			}
			l, rec := open(t, dir, opts(FsyncInterval))
			defer l.Close()
			if len(rec.Damage) > 0 {
				t.Fatalf("torn tail reported as damage: %v", rec.Damage)
			}
			if rec.TornBytes == 0 {
				t.Errorf("torn bytes not counted")
			}
			if len(rec.Batches) != 1 || rec.Batches[0].ID != a {
				t.Fatalf("recovered %+v, want only the intact first batch", rec.Batches)
			}
			if fi, _ := os.Stat(last); fi.Size() != rec.Batches[0].Ref.frameOff+rec.Batches[0].Ref.frameLen {
				t.Errorf("torn tail not truncated: %d bytes", fi.Size())
			}
		})
	}
}

// TestTornTailGarbage: a crash can leave garbage (a partial page)
// rather than a short file.
func TestTornTailGarbage(t *testing.T) {
	dir := t.TempDir()
	l, _ := open(t, dir, opts(FsyncInterval))
	a, _ := appendBatch(t, l, "t", 0, 0, wire(1, 100))
	l.crash()
	segs := segFiles(t, dir)
	f, _ := os.OpenFile(segs[len(segs)-1], os.O_APPEND|os.O_WRONLY, 0)
	f.Write(append(appendFrame(nil, 99, typeBatch, wire(9, 80))[:50], wire(8, 4000)...))
	f.Close()
	l, rec := open(t, dir, opts(FsyncInterval))
	if len(rec.Damage) > 0 || len(rec.Batches) != 1 || rec.Batches[0].ID != a {
		t.Fatalf("recovered %+v", rec)
	}
	l.Close()
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
}

func TestMiddleDamageIsReportedOnce(t *testing.T) {
	dir := t.TempDir()
	l, _ := open(t, dir, opts(FsyncInterval))
	a, _ := appendBatch(t, l, "t", 0, 0, wire(1, 100))
	b, refB := appendBatch(t, l, "t", 0, 1, wire(2, 200))
	c, _ := appendBatch(t, l, "t", 0, 2, wire(3, 300))
	if err := l.AppendSequenced(b, 5, 0, 3, false); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	flipByte(t, refB.seg.path, refB.wireOff+50)

	l, rec := open(t, dir, opts(FsyncInterval))
	if len(rec.Damage) != 1 {
		t.Fatalf("damage %v, want one range", rec.Damage)
	}
	d := rec.Damage[0]
	if d.Entries != 1 || d.Offset != refB.frameOff || d.Length != refB.frameLen || d.Path != refB.seg.path {
		t.Errorf("damage %v, want the second batch's entry (offset %d, %d bytes), one entry lost", d, refB.frameOff, refB.frameLen)
	}
	if len(rec.Lost) != 1 || rec.Lost[0] != b {
		t.Errorf("lost batches %v, want [%d] (its Sequenced entry survived)", rec.Lost, b)
	}
	if len(rec.Batches) != 2 || rec.Batches[0].ID != a || rec.Batches[1].ID != c {
		t.Fatalf("recovered %+v, want the batches around the damage", rec.Batches)
	}
	l.crash()
	// Reported once: the next session's header lists it as known.
	l, rec = open(t, dir, opts(FsyncInterval))
	defer l.Close()
	if len(rec.Damage) != 0 || len(rec.Batches) != 2 {
		t.Fatalf("second open: damage %v, %d batches", rec.Damage, len(rec.Batches))
	}
}

// TestDamagedLengthResyncs: a damaged length field must not make the
// reader skip the entries after it.
func TestDamagedLengthResyncs(t *testing.T) {
	dir := t.TempDir()
	l, _ := open(t, dir, opts(FsyncNever))
	var ids []uint64
	var refs []Ref
	for i := range 5 {
		id, ref := appendBatch(t, l, "t", 0, uint64(i), wire(i, 150))
		ids, refs = append(ids, id), append(refs, ref)
	}
	l.Close()
	flipByte(t, refs[1].seg.path, refs[1].frameOff+9) // the length field
	l, rec := open(t, dir, opts(FsyncNever))
	defer l.Close()
	if len(rec.Damage) != 1 || rec.Damage[0].Entries != 1 {
		t.Fatalf("damage %v", rec.Damage)
	}
	if len(rec.Batches) != 4 || rec.Batches[1].ID != ids[2] {
		t.Fatalf("recovered %d batches, want 4 (all but the damaged one)", len(rec.Batches))
	}
}

func TestReadDetectsLaterCorruption(t *testing.T) {
	dir := t.TempDir()
	l, _ := open(t, dir, opts(FsyncNever))
	defer l.Close()
	_, ref := appendBatch(t, l, "t", 0, 0, wire(1, 100))
	flipByte(t, ref.seg.path, ref.wireOff+3)
	if _, err := l.Read(ref, nil); err == nil || !bytes.Contains([]byte(err.Error()), []byte("checksum")) {
		t.Fatalf("read of a corrupted batch: %v", err)
	}
}

func TestSegmentsDeletedOldestFirst(t *testing.T) {
	dir := t.TempDir()
	o := opts(FsyncNever)
	o.SegmentBytes = 4096
	l, _ := open(t, dir, o)
	defer l.Close()
	var ids []uint64
	for i := range 40 {
		id, _ := appendBatch(t, l, "t", int32(i%3), uint64(i), wire(i, 1000))
		ids = append(ids, id)
	}
	segs := l.Segments()
	if segs < 8 {
		t.Fatalf("%d segments for 40 KB with 4 KB segments", segs)
	}
	// Everything but the first batch done: no segment may go, because
	// the Done entries of later segments' batches are in later segments
	// still and the first one holds a live batch.
	for _, id := range ids[1:] {
		if err := l.AppendDone(id); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return len(segFiles(t, dir)) == l.Segments() })
	if got := l.Segments(); got < segs {
		t.Fatalf("segments went from %d to %d while the oldest holds a live batch", segs, got)
	}
	used := l.Used()
	if err := l.AppendDone(ids[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return l.Segments() == 1 && len(segFiles(t, dir)) == 1 })
	if l.Used() >= used {
		t.Errorf("used %d bytes, before %d", l.Used(), used)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); {
		if time.Since(start) > 10*time.Second {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	l, _ := open(t, dir, opts(FsyncNever))
	_, _, err := Open(dir, opts(FsyncNever))
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || le.PID != os.Getpid() {
		t.Fatalf("second open: %v", err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte(dir)) {
		t.Errorf("error %q does not name the directory", err)
	}
	l.Close()
	l, _ = open(t, dir, opts(FsyncNever))
	l.Close()
}

func TestReserveBlocksAndFrees(t *testing.T) {
	dir := t.TempDir()
	o := opts(FsyncNever)
	o.MaxBytes = 64 << 10
	o.SegmentBytes = 8 << 10
	l, _ := open(t, dir, o)
	defer l.Close()
	ctx := context.Background()
	var ids []uint64
	for l.Used()+2000 <= o.MaxBytes {
		if err := l.Reserve(ctx, 2000, true); err != nil {
			t.Fatal(err)
		}
		b := &BatchEntry{Topic: "t", Records: 1, Wire: wire(len(ids), 1900)}
		if _, err := l.AppendBatch(b, 2000, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	if err := l.Reserve(ctx, 2000, true); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("try on a full spool: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	err := l.Reserve(tctx, 2000, false)
	var fe *FullError
	if !errors.As(err, &fe) || fe.Cause != nil || fe.Dir != dir {
		t.Fatalf("wait on a full spool: %v", err)
	}
	got := make(chan error, 1)
	go func() { got <- l.Reserve(ctx, 2000, false) }()
	select {
	case err := <-got:
		t.Fatalf("reserve did not wait: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	for _, id := range ids {
		l.AppendDone(id)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reserve still waits after every batch was done")
	}
}

// countingSync counts syncs and can fail them.
type countingSync struct {
	n    atomic.Int64
	fail atomic.Pointer[error]
}

func (c *countingSync) sync(f file) error {
	c.n.Add(1)
	if e := c.fail.Load(); e != nil {
		return *e
	}
	return datasync(f.(*os.File))
}

func TestGroupCommit(t *testing.T) {
	dir := t.TempDir()
	o := opts(FsyncInterval)
	o.Interval = 20 * time.Millisecond
	var cs countingSync
	o.fs.sync = cs.sync
	l, _ := open(t, dir, o)
	defer l.Close()
	start := cs.n.Load()
	var wg sync.WaitGroup
	var durable atomic.Int64
	const n = 400
	for i := range n {
		wg.Add(1)
		b := &BatchEntry{Topic: "t", Records: 1, Wire: wire(i, 100)}
		if _, err := l.AppendBatch(b, 0, func(err error) {
			if err == nil {
				durable.Add(1)
			}
			wg.Done()
		}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	syncs := cs.n.Load() - start
	if durable.Load() != n {
		t.Fatalf("%d of %d writes durable", durable.Load(), n)
	}
	if syncs == 0 || syncs > n/10 {
		t.Errorf("%d syncs for %d writes: not grouped", syncs, n)
	}
}

func TestSyncFailureIsSticky(t *testing.T) {
	dir := t.TempDir()
	o := opts(FsyncAlways)
	var cs countingSync
	o.fs.sync = cs.sync
	l, _ := open(t, dir, o)
	eio := error(&os.PathError{Op: "fdatasync", Path: "x", Err: syscall.EIO})
	cs.fail.Store(&eio)
	got := make(chan error, 1)
	if _, err := l.AppendBatch(&BatchEntry{Topic: "t", Records: 1, Wire: wire(1, 100)}, 0, func(err error) { got <- err }); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, syscall.EIO) {
		t.Fatalf("durability callback got %v, want EIO", err)
	}
	if err := l.Reserve(context.Background(), 100, false); !errors.Is(err, syscall.EIO) {
		t.Fatalf("reserve after a failed sync: %v", err)
	}
	if _, err := l.AppendBatch(&BatchEntry{Topic: "t", Records: 1, Wire: wire(1, 100)}, 0, nil); !errors.Is(err, syscall.EIO) {
		t.Fatalf("append after a failed sync: %v", err)
	}
	cs.fail.Store(nil)
	if err := l.Close(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("close after a failed sync: %v", err)
	}
}

// faultyFile fails writes while full is set, as a full disk does.
type faultyFile struct {
	*os.File
	full *atomic.Bool
}

func (f faultyFile) WriteAt(b []byte, off int64) (int, error) {
	if f.full.Load() {
		n := len(b) / 2
		f.File.WriteAt(b[:n], off) // a partial write, as on a nearly full disk
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.WriteAt(b, off)
}

func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	o := opts(FsyncInterval)
	var full atomic.Bool
	o.fs.open = func(name string, flag int, perm os.FileMode) (file, error) {
		f, err := os.OpenFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		return faultyFile{File: f, full: &full}, nil
	}
	o.fs.sync = func(f file) error { return datasync(f.(faultyFile).File) }
	l, _ := open(t, dir, o)
	a, _ := appendBatch(t, l, "t", 0, 0, wire(1, 100))
	full.Store(true)
	_, err := l.AppendBatch(&BatchEntry{Topic: "t", Records: 1, Wire: wire(2, 100)}, 0, nil)
	var se *Error
	if !errors.As(err, &se) || !errors.Is(err, syscall.ENOSPC) || se.Op != "write" || filepath.Dir(se.Path) != dir {
		t.Fatalf("write to a full disk: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = l.Reserve(ctx, 100, false)
	var fe *FullError
	if !errors.As(err, &fe) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("reserve while the disk is full: %v", err)
	}
	full.Store(false)
	// The probe (five times a second) finds the disk writable again.
	if err := l.Reserve(context.Background(), 100, false); err != nil {
		t.Fatal(err)
	}
	l.Release(100)
	c, _ := appendBatch(t, l, "t", 0, 2, wire(3, 100))
	l.crash()
	l, rec := open(t, dir, opts(FsyncInterval))
	defer l.Close()
	if len(rec.Damage) > 0 || len(rec.Batches) != 2 || rec.Batches[0].ID != a || rec.Batches[1].ID != c {
		t.Fatalf("after a full disk: damage %v, batches %+v", rec.Damage, rec.Batches)
	}
}

func TestPermissionError(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "spool")
	if os.Geteuid() == 0 {
		// root ignores permission bits; make the parent immutable instead.
		if err := chattr(parent, true); err != nil {
			t.Skipf("running as root and cannot make a directory immutable (%v): no way to provoke a permission error", err)
		}
		defer chattr(parent, false)
	} else {
		os.Chmod(parent, 0o500)
		defer os.Chmod(parent, 0o700)
	}
	_, _, err := Open(dir, opts(FsyncNever))
	var se *Error
	if !errors.As(err, &se) || !errors.Is(err, os.ErrPermission) || se.Path != dir {
		t.Fatalf("open under a read-only directory: %v", err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte(dir)) {
		t.Errorf("error %q does not name the path", err)
	}
}

// TestWrongBatchCRCIsDamage: the entry's checksum is derived from the
// batch header's CRC, so a batch handed over with a wrong one is
// reported as damage on recovery, never trusted.
func TestWrongBatchCRCIsDamage(t *testing.T) {
	dir := t.TempDir()
	l, _ := open(t, dir, opts(FsyncNever))
	good, _ := appendBatch(t, l, "t", 0, 0, wire(1, 100))
	bad := wire(2, 100)
	bad[kafkaCRCAt] ^= 1
	appendBatch(t, l, "t", 0, 1, bad)
	last, _ := appendBatch(t, l, "t", 0, 2, wire(3, 100))
	l.Close()
	l, rec := open(t, dir, opts(FsyncNever))
	defer l.Close()
	if len(rec.Damage) != 1 || rec.Damage[0].Entries != 1 {
		t.Fatalf("damage %v, want the batch with the wrong CRC", rec.Damage)
	}
	if len(rec.Batches) != 2 || rec.Batches[0].ID != good || rec.Batches[1].ID != last {
		t.Fatalf("recovered %+v", rec.Batches)
	}
}

// TestSyncFailureTaintsTheDirectory: after a failed sync the log may
// lack records of sends, so the next session must treat every batch as
// possibly sent (Restarted), even after that session closes cleanly,
// until the spool is empty.
func TestSyncFailureTaintsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	o := opts(FsyncAlways)
	var cs countingSync
	o.fs.sync = cs.sync
	l, _ := open(t, dir, o)
	a, _ := appendBatch(t, l, "t", 0, 0, wire(1, 100))
	eio := error(syscall.EIO)
	cs.fail.Store(&eio)
	got := make(chan error, 1)
	if _, err := l.AppendBatch(&BatchEntry{Topic: "t", Records: 1, Wire: wire(2, 100)}, 0, func(err error) { got <- err }); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, syscall.EIO) || !errors.Is(l.Failed(), syscall.EIO) {
		t.Fatalf("sync failure: %v, %v", err, l.Failed())
	}
	l.crash()
	l, rec := open(t, dir, opts(FsyncAlways))
	if !rec.Restarted || !rec.Unclean {
		t.Fatalf("after a sync failure: unclean %v restarted %v, want both", rec.Unclean, rec.Restarted)
	}
	l.Close() // a clean close with batches left keeps the mark
	l, rec = open(t, dir, opts(FsyncAlways))
	if !rec.Restarted {
		t.Fatal("the mark went with a clean close although batches were left")
	}
	for _, b := range rec.Batches {
		l.AppendDone(b.ID)
	}
	l.Close()
	l, rec = open(t, dir, opts(FsyncAlways))
	defer l.Close()
	if rec.Restarted || rec.Unclean || len(rec.Batches) != 0 {
		t.Fatalf("an empty spool closed cleanly: %+v", rec)
	}
	_ = a
}
