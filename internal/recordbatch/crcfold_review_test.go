//go:build amd64

package recordbatch

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// kafkaCRC is the CRC-32C as the broker checks it, from hash/crc32's own
// table: nothing of this package's CRC code is involved.
var kafkaCRC = crc32.MakeTable(crc32.Castagnoli)

// reviewSizes are value sizes around the fold's thresholds: the 64-byte
// block, foldMin, the four-register loop and the accumulator's chunk.
var reviewSizes = []int{0, 1, 63, 64, 65, 255, 256, 257, 511, 512, 513, 1023, 1024, 4095, 8191, 8192, 10240, 65536}

type reviewRecord struct {
	ts         int64
	key, value []byte
	headers    []Header
}

// appendLikeAccumulator appends recs to buf after room for the header, as
// the accumulator's tryAppend does: a record of 512 bytes or more through
// AppendRecordBodyCRC with a running CRC, the others through
// AppendRecordBody; then WriteHeaderCRC if anything was hashed, else
// WriteHeader. It returns the batch and how far the running CRC got.
func appendLikeAccumulator(buf []byte, recs []reviewRecord) ([]byte, int) {
	buf = append(buf, make([]byte, HeaderSize)...)
	start := len(buf) - HeaderSize
	done, crc := len(buf), uint32(0)
	base, maxTs := recs[0].ts, recs[0].ts
	for i, r := range recs {
		body := RecordBodySize(r.ts-base, int32(i), r.key, r.value, r.headers)
		if SizeWithPrefix(body) >= 512 {
			buf, done, crc = AppendRecordBodyCRC(buf, done, crc, body, r.ts-base, int32(i), r.key, r.value, r.headers)
		} else {
			buf = AppendRecordBody(buf, body, r.ts-base, int32(i), r.key, r.value, r.headers)
		}
		maxTs = max(maxTs, r.ts)
	}
	batch := buf[start:]
	h := BatchHeader{
		PartitionLeaderEpoch: -1, LastOffsetDelta: int32(len(recs) - 1), BaseTimestamp: base, MaxTimestamp: maxTs,
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: int32(len(recs)),
	}
	if done > start+HeaderSize {
		WriteHeaderCRC(batch, &h, UpdateCRC(crc, buf[done:]))
	} else {
		WriteHeader(batch, &h)
	}
	return buf, done - start
}

// checkBatch checks batch's CRC field against hash/crc32 over the bytes
// Kafka covers (attributes to the end), decodes it and compares every
// record's timestamp, key, value and headers, null or not, with recs.
func checkBatch(t *testing.T, batch []byte, recs []reviewRecord) {
	t.Helper()
	if got, want := binary.BigEndian.Uint32(batch[offCRC:]), crc32.Checksum(batch[offAttributes:], kafkaCRC); got != want {
		t.Fatalf("batch of %d bytes: CRC field %08x, hash/crc32 %08x", len(batch), got, want)
	}
	h, got, err := Decode(batch, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) || int(h.NumRecords) != len(recs) {
		t.Fatalf("%d records decoded (header %d), %d appended", len(got), h.NumRecords, len(recs))
	}
	for i, r := range got {
		w := recs[i]
		if h.BaseTimestamp+r.TimestampDelta != w.ts || int(r.OffsetDelta) != i {
			t.Fatalf("record %d: timestamp %d offset delta %d", i, h.BaseTimestamp+r.TimestampDelta, r.OffsetDelta)
		}
		if !sameBytes(r.Key, w.key) || !sameBytes(r.Value, w.value) {
			t.Fatalf("record %d: key (%d bytes) or value (%d bytes) differ from the %d and %d appended", i, len(r.Key), len(r.Value), len(w.key), len(w.value))
		}
		if len(r.Headers) != len(w.headers) {
			t.Fatalf("record %d: %d headers, want %d", i, len(r.Headers), len(w.headers))
		}
		for j, hd := range r.Headers {
			if hd.Key != w.headers[j].Key || !sameBytes(hd.Value, w.headers[j].Value) {
				t.Fatalf("record %d header %d differs", i, j)
			}
		}
	}
}

// randomRecord returns a record whose value is size bytes (null if
// negative) of src at a random alignment, with a key null, empty or of
// up to 100 bytes and up to three headers.
func randomRecord(rng *rand.Rand, src []byte, ts int64, size int) reviewRecord {
	slice := func(n int) []byte {
		off := rng.IntN(len(src) - n + 1)
		return src[off : off+n : off+n]
	}
	r := reviewRecord{ts: ts}
	if size >= 0 {
		r.value = slice(size)
	}
	if k := rng.IntN(4); k > 0 {
		r.key = slice(rng.IntN(100) * (k - 1) / 2)
	}
	for range rng.IntN(4) {
		h := Header{Key: string(slice(rng.IntN(20)))}
		if rng.IntN(3) > 0 {
			h.Value = slice(rng.IntN(300))
		}
		r.headers = append(r.headers, h)
	}
	return r
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// TestBatchCRCFoldingOnAndOff: batches of records of every size around
// the thresholds, in random orders, with random bytes at random source
// and destination alignments, built as the accumulator builds them, have
// the CRC hash/crc32 gives and read back record for record: with folding
// off (what a CPU without AVX-512 runs) and on (where this CPU allows).
// The batch buffer is placed in a larger one whose bytes around it must
// stay untouched; one round in four starts from an empty buffer that
// appends grow.
func TestBatchCRCFoldingOnAndOff(t *testing.T) {
	for _, fold := range []bool{false, true} {
		name := map[bool]string{false: "off", true: "on"}[fold]
		t.Run(name, func(t *testing.T) {
			defer SetFolding(SetFolding(fold))
			if fold && !canFold {
				t.Skip("this CPU does not fold")
			}
			rng := rand.New(rand.NewPCG(21, 22))
			src := randomBytes(rng, 70000)
			for round := range 40 {
				var recs []reviewRecord
				for j, k := range rng.Perm(len(reviewSizes) + 2) {
					size := -1 // a null value, and one of random size
					if k < len(reviewSizes) {
						size = reviewSizes[k]
					} else if k == len(reviewSizes) {
						size = rng.IntN(20000)
					}
					recs = append(recs, randomRecord(rng, src, 1000+int64(rng.IntN(50)+j), size))
				}
				var batch []byte
				var done int
				if round%4 == 3 {
					batch, done = appendLikeAccumulator(nil, recs)
				} else {
					batch, done = appendGuarded(t, rng, recs)
				}
				if hashed := done > HeaderSize; hashed != fold {
					t.Fatalf("folding %v: the running CRC covers %d bytes", fold, done-HeaderSize)
				}
				checkBatch(t, batch, recs)
			}
		})
	}
}

// appendGuarded builds the batch of recs in a buffer of exactly its size
// at a random offset in a larger one and checks that the bytes around it
// are untouched.
func appendGuarded(t *testing.T, rng *rand.Rand, recs []reviewRecord) ([]byte, int) {
	t.Helper()
	size := HeaderSize
	base := recs[0].ts
	for i, r := range recs {
		size += RecordSize(r.ts-base, int32(i), r.key, r.value, r.headers)
	}
	off := 64 + rng.IntN(64)
	outer := make([]byte, off+size+128)
	for i := range outer {
		outer[i] = byte(i*7 + 3)
	}
	guard := bytes.Clone(outer)
	batch, done := appendLikeAccumulator(outer[off:off:off+size], recs)
	if &batch[0] != &outer[off] || len(batch) != size {
		t.Fatalf("the batch moved or is %d bytes, want %d", len(batch), size)
	}
	if !bytes.Equal(outer[:off], guard[:off]) || !bytes.Equal(outer[off+size:], guard[off+size:]) {
		t.Fatal("bytes outside the batch buffer changed")
	}
	return batch, done
}

// fill returns n bytes made from data (the fuzzer's bytes, repeated with
// a counter), or zeros for empty data.
func fill(data []byte, n int) []byte {
	b := make([]byte, n)
	if len(data) == 0 {
		return b
	}
	for i := range b {
		b[i] = data[i%len(data)] + byte(i/len(data))
	}
	return b
}

// guarded returns a slice of n bytes at offset off%64 after 64 guard
// bytes in a buffer with 64 guard bytes after it, and a check that the
// guards are intact.
func guarded(n int, off uint8, pattern byte) ([]byte, func() bool) {
	outer := make([]byte, 64+63+n+64)
	for i := range outer {
		outer[i] = pattern ^ byte(i)
	}
	start := 64 + int(off%64)
	want := bytes.Clone(outer)
	return outer[start : start+n : start+n], func() bool {
		return bytes.Equal(outer[:start], want[:start]) && bytes.Equal(outer[start+n:], want[start+n:])
	}
}

// FuzzFoldCopyGuarded: copyFoldCRC32C and foldCRC32C (at least four
// blocks), foldCopy (at least foldMin bytes) and UpdateCRC give
// hash/crc32's CRC-32C from any initial CRC, copy exactly the source,
// and write and change nothing outside the destination, for any length
// and alignment of source and destination.
func FuzzFoldCopyGuarded(f *testing.F) {
	for _, n := range []uint32{256, 300, 511, 512, 513, 575, 1023, 1024, 4095, 8191, 8192, 10240, 65536} {
		f.Add([]byte("seed"), n, uint32(0), uint8(0), uint8(0))
		f.Add([]byte{0xff, 1, 2, 3, 4, 5, 6}, n, uint32(0xffffffff), uint8(1), uint8(63))
		f.Add([]byte{0x9e, 0x37, 0x79, 0xb9}, n, uint32(0x12345678), uint8(33), uint8(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, n32, init uint32, srcOff, dstOff uint8) {
		n := int(n32 % 70000)
		src, srcOK := guarded(n, srcOff, 0xee)
		copy(src, fill(data, n))
		orig := bytes.Clone(src)
		if got, want := UpdateCRC(init, src), crc32.Update(init, kafkaCRC, src); got != want {
			t.Fatalf("UpdateCRC len %d: %08x, want %08x", n, got, want)
		}
		if !canFold {
			return
		}
		blocks := n / 64
		if blocks >= 4 {
			want := crc32.Update(init, kafkaCRC, src[:blocks*64])
			if got := ^foldCRC32C(^init, &src[0], blocks, &foldK); got != want {
				t.Fatalf("foldCRC32C %d blocks: %08x, want %08x", blocks, got, want)
			}
			dst, dstOK := guarded(n, dstOff, 0x5a)
			tail := bytes.Clone(dst[blocks*64:])
			if got := ^copyFoldCRC32C(^init, &dst[0], &src[0], blocks, &foldK); got != want {
				t.Fatalf("copyFoldCRC32C %d blocks: %08x, want %08x", blocks, got, want)
			}
			if !bytes.Equal(dst[:blocks*64], src[:blocks*64]) || !bytes.Equal(dst[blocks*64:], tail) || !dstOK() {
				t.Fatalf("copyFoldCRC32C %d blocks: wrong copy or bytes written past it", blocks)
			}
		}
		if n >= foldMin {
			dst, dstOK := guarded(n, dstOff, 0xa5)
			crc, k := foldCopy(dst, src, init)
			if want := crc32.Update(init, kafkaCRC, src[:n&^63]); k != n&^63 || crc != want {
				t.Fatalf("foldCopy len %d: %08x over %d bytes, want %08x over %d", n, crc, k, want, n&^63)
			}
			if !bytes.Equal(dst, src) || !dstOK() {
				t.Fatalf("foldCopy len %d: wrong copy or bytes written outside dst", n)
			}
		}
		if !bytes.Equal(src, orig) || !srcOK() {
			t.Fatal("the source or the bytes around it changed")
		}
	})
}

// FuzzAppendRecordBodyCRCGuarded: three records appended with a running
// CRC after a prefix partly hashed from any initial CRC, folding on or
// off, have AppendRecordBody's bytes, the CRC finished over the rest is
// hash/crc32's, and nothing outside the buffer (of exactly the records'
// size, at any alignment) is written.
func FuzzAppendRecordBodyCRCGuarded(f *testing.F) {
	f.Add([]byte("abc"), uint16(512), uint16(0), uint16(10240), uint8(3), uint8(2), uint32(0), uint8(0), uint8(61), true)
	f.Add([]byte{1, 2, 3, 4, 5}, uint16(513), uint16(65535), uint16(1024), uint8(255), uint8(0), uint32(7), uint8(13), uint8(0), true)
	f.Add([]byte{0xaa}, uint16(4095), uint16(63), uint16(8192), uint8(0), uint8(3), uint32(0xffffffff), uint8(63), uint8(70), false)
	f.Add([]byte("x"), uint16(600), uint16(511), uint16(577), uint8(100), uint8(1), uint32(1), uint8(5), uint8(9), true)
	f.Fuzz(func(t *testing.T, data []byte, a, b, c uint16, keyLen, nHeaders uint8, init uint32, off, prefix uint8, fold bool) {
		defer SetFolding(SetFolding(fold))
		pool := fill(data, 3*65536+4096)
		var recs []reviewRecord
		at := 0
		take := func(n int) []byte { at += 97; return pool[at%4096 : at%4096+n] }
		for i, size := range []uint16{a, b, c} {
			r := reviewRecord{ts: int64(i) * 3}
			if size != 65535 {
				r.value = take(int(size))
			}
			if keyLen != 255 {
				r.key = take(int(keyLen))
			}
			for j := range int(nHeaders % 4) {
				r.headers = append(r.headers, Header{Key: string(take(j)), Value: take(int(keyLen) / (j + 1))})
			}
			recs = append(recs, r)
		}
		pre := fill(append([]byte{prefix}, data...), int(prefix))
		want := bytes.Clone(pre)
		size := len(pre)
		for i, r := range recs {
			body := RecordBodySize(r.ts, int32(i), r.key, r.value, r.headers)
			want = AppendRecordBody(want, body, r.ts, int32(i), r.key, r.value, r.headers)
			size += SizeWithPrefix(body)
		}
		buf, ok := guarded(size, off, 0x3c)
		got := buf[:len(pre)]
		copy(got, pre)
		done := len(pre) / 2
		crc := crc32.Update(init, kafkaCRC, pre[:done])
		for i, r := range recs {
			body := RecordBodySize(r.ts, int32(i), r.key, r.value, r.headers)
			got, done, crc = AppendRecordBodyCRC(got, done, crc, body, r.ts, int32(i), r.key, r.value, r.headers)
		}
		if !bytes.Equal(got, want) || &got[0] != &buf[0] || !ok() {
			t.Fatal("bytes differ from AppendRecordBody's, the buffer moved, or bytes outside it changed")
		}
		if got, want := crc32.Update(crc, kafkaCRC, got[done:]), crc32.Update(init, kafkaCRC, want); got != want {
			t.Fatalf("running CRC finished: %08x, want %08x", got, want)
		}
	})
}
