package spool

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// sampleLog writes a small log with every entry type and returns the
// bytes of its one segment.
func sampleLog(tb testing.TB, closeIt bool) []byte {
	tb.Helper()
	dir := tb.TempDir()
	l, _, err := Open(dir, Options{Fsync: FsyncNever, MaxBytes: 1 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	var ids []uint64
	for i := range 4 {
		b := &BatchEntry{Topic: "topic", Partition: int32(i % 2), Gen: l.Gen(), Seq: uint64(i), Records: int32(i + 1), Wire: wire(i, 61+i*7)}
		if _, err := l.AppendBatch(b, 0, nil); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	l.AppendSequenced(ids[0], 1000, 2, 30, false)
	l.AppendSequenced(ids[1], -1, -1, -1, false)
	l.AppendDone(ids[2])
	l.AppendSplit(ids[3], []*BatchEntry{
		{Topic: "topic", Partition: 1, Gen: l.Gen(), Seq: 3, Records: 2, Wire: wire(10, 70)},
		{Topic: "topic", Partition: 1, Gen: l.Gen(), Seq: 4, Records: 2, Wire: wire(11, 70)},
	}, nil)
	if closeIt {
		l.Close()
	} else {
		l.crash()
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	data, err := os.ReadFile(segs[len(segs)-1])
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func addSeeds(f *testing.F) {
	for _, closed := range []bool{true, false} {
		data := sampleLog(f, closed)
		f.Add(data)
		f.Add(data[:len(data)-5])
		f.Add(data[:len(data)/2])
		mid := bytes.Clone(data)
		mid[len(mid)/3] ^= 0xff
		f.Add(mid)
		zeros := append(bytes.Clone(data), make([]byte, 300)...)
		f.Add(zeros)
	}
	f.Add([]byte{})
	f.Add(appendFrame(nil, 1, typeSplit, []byte{0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff}))
}

// FuzzScan: any bytes scan without panicking into frames and bad ranges
// that tile the data in order.
func FuzzScan(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		res := scanSegment(data)
		off := int64(0)
		bad := 0
		for _, fr := range res.frames {
			for bad < len(res.bad) && res.bad[bad].off < fr.off {
				if res.bad[bad].off != off || res.bad[bad].end != fr.off {
					t.Fatalf("bad range %+v does not end at the frame at %d (from %d)", res.bad[bad], fr.off, off)
				}
				off = res.bad[bad].end
				bad++
			}
			if fr.off != off {
				t.Fatalf("frame at %d, want %d", fr.off, off)
			}
			if !checkFrame(data[fr.off:fr.off+fr.info.size()], fr.info) {
				t.Fatalf("frame at %d fails its checksum", fr.off)
			}
			off += fr.info.size()
		}
		if bad != len(res.bad) || res.end != off || off > int64(len(data)) {
			t.Fatalf("%d of %d bad ranges used; end %d, scanned to %d of %d", bad, len(res.bad), res.end, off, len(data))
		}
	})
}

// FuzzRecover: a spool directory holding any bytes opens without error
// or panic; every batch it recovers reads back; a second open finds the
// same batches and reports no damage again.
func FuzzRecover(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		o := Options{Fsync: FsyncNever, MaxBytes: 8 << 20}
		l, rec, err := Open(dir, o)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		for _, b := range rec.Batches {
			w, err := l.Read(b.Ref, nil)
			if err != nil {
				t.Fatalf("read recovered batch %d: %v", b.ID, err)
			}
			if len(w) != b.Ref.Size() || len(w) < 61 {
				t.Fatalf("batch %d: %d bytes", b.ID, len(w))
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l, again, err := Open(dir, o)
		if err != nil {
			t.Fatalf("second open: %v", err)
		}
		defer l.Close()
		if len(again.Damage) != 0 {
			t.Fatalf("damage reported twice: %v", again.Damage)
		}
		if len(again.Batches) != len(rec.Batches) {
			t.Fatalf("second open recovered %d batches, first %d", len(again.Batches), len(rec.Batches))
		}
		for i := range again.Batches {
			if again.Batches[i].ID != rec.Batches[i].ID {
				t.Fatalf("batch %d: id %d, first open %d", i, again.Batches[i].ID, rec.Batches[i].ID)
			}
		}
	})
}

// FuzzEntry: an intact frame (valid checksum) of any type and payload,
// after a valid log, is applied or reported as damage, never a panic or
// an error, and never disturbs the batches before it.
func FuzzEntry(f *testing.F) {
	base := sampleLog(f, false)
	f.Add(uint8(typeBatch), []byte{})
	f.Add(uint8(typeSplit), []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 1})
	f.Add(uint8(typeHeader), []byte{0, 1, 0, 0, 0, 1})
	f.Add(uint8(typeDone), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(uint8(typeSequenced), make([]byte, 30))
	res := scanSegment(base)
	last := res.frames[len(res.frames)-1].info.lsn
	f.Fuzz(func(t *testing.T, typ uint8, payload []byte) {
		data := appendFrame(bytes.Clone(base), last+1, entryType(typ), payload)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		l, rec, err := Open(dir, Options{Fsync: FsyncNever, MaxBytes: 8 << 20})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer l.Close()
		for _, b := range rec.Batches {
			if _, err := l.Read(b.Ref, nil); err != nil {
				t.Fatalf("read recovered batch %d: %v", b.ID, err)
			}
		}
		for _, d := range rec.Damage {
			if d.Offset != int64(len(base)) || d.Entries != 1 {
				t.Fatalf("damage %v outside the fuzzed entry at %d", d, len(base))
			}
		}
	})
}
