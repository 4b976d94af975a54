package recordbatch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/samsa-go/samsa/internal/compress"
)

func TestDecodeRoundTrip(t *testing.T) {
	for _, codec := range allCodecs {
		for _, recs := range [][]Record{sampleRecords(), nil, sampleRecords()[:1]} {
			h := sampleHeader()
			batch := buildBatch(t, codec, h, recs)
			got, records, err := Decode(batch, 1<<24)
			if err != nil {
				t.Fatalf("%v: %v", codec, err)
			}
			want, _ := ParseHeader(batch)
			if got != want || got.NumRecords != int32(len(recs)) || int(got.Attributes&AttrCompressionMask) != int(codec) {
				t.Errorf("%v: header %+v, want %+v", codec, got, want)
			}
			if d := diffRecords(records, recs); d != "" {
				t.Errorf("%v: %s", codec, d)
			}
		}
	}
}

func TestDecodeAll(t *testing.T) {
	var all []byte
	var want [][]Record
	for i, codec := range allCodecs {
		recs := sampleRecords()[i:]
		h := sampleHeader()
		h.BaseOffset = int64(100 * i)
		all = append(all, buildBatch(t, codec, h, recs)...)
		want = append(want, recs)
	}
	check := func(in []byte, wantTrunc int) {
		t.Helper()
		batches, trunc, err := DecodeAll(in, 1<<24)
		if err != nil || trunc != wantTrunc || len(batches) != len(want) {
			t.Fatalf("DecodeAll: %d batches, truncated %d, err %v", len(batches), trunc, err)
		}
		for i, b := range batches {
			if b.Header.BaseOffset != int64(100*i) {
				t.Errorf("batch %d: base offset %d", i, b.Header.BaseOffset)
			}
			if d := diffRecords(b.Records, want[i]); d != "" {
				t.Errorf("batch %d: %s", i, d)
			}
		}
	}
	check(all, 0)
	// A partial last batch, as a fetch response may end with.
	extra := buildBatch(t, compress.None, sampleHeader(), sampleRecords())
	for _, cut := range []int{1, 11, 12, 60, 61, len(extra) - 1} {
		check(append(bytes.Clone(all), extra[:cut]...), cut)
	}
	// Corruption in the third batch reports an offset within it.
	bad := bytes.Clone(all)
	_, _, err := DecodeAll(bad[:0], 10)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := ParseHeader(all)
	second, _ := ParseHeader(all[first.BatchLength+12:])
	third := int(first.BatchLength+12) + int(second.BatchLength+12)
	bad[third+offMagic] = 1
	var e *Error
	if _, _, err := DecodeAll(bad, 1<<24); !errors.As(err, &e) || e.Offset != third+offMagic {
		t.Errorf("bad magic in the third batch: %v, want offset %d", err, third+offMagic)
	}
	// The decompression limit covers all batches together.
	if _, _, err := DecodeAll(all, 50_000); !errors.Is(err, compress.ErrTooLarge) {
		t.Errorf("total limit: err %v, want ErrTooLarge", err)
	}
}

// resign recomputes the CRC after a test edits a batch.
func resign(b []byte) []byte {
	binary.BigEndian.PutUint32(b[offCRC:], crc32.Checksum(b[offAttributes:], castagnoli))
	return b
}

// rawBatch wraps hand-made record bytes in a valid uncompressed batch.
func rawBatch(recs []byte, count int32) []byte {
	b := append(make([]byte, HeaderSize), recs...)
	WriteHeader(b, &BatchHeader{NumRecords: count})
	return b
}

func TestDecodeErrors(t *testing.T) {
	one := []Record{{TimestampDelta: 1, OffsetDelta: 0, Key: []byte("k"), Value: []byte("v")}}
	good := buildBatch(t, compress.None, sampleHeader(), one)
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	// The record is at 61: length, attrs, ts, off, keylen, 'k', vallen, 'v', hdrs.
	cases := []struct {
		name   string
		in     []byte
		offset int
		msg    string
	}{
		{"short", good[:60], 0, "shorter than the 61-byte header"},
		{"magic", mut(func(b []byte) []byte { b[16] = 1; return b }), 16, "magic 1"},
		{"length small", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:], 48); return b }), 8, "shorter than the header"},
		{"length past end", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:], 1000); return b }), 8, "exceeds the"},
		{"trailing", append(bytes.Clone(good), 0), len(good), "1 trailing bytes"},
		{"crc", mut(func(b []byte) []byte { b[HeaderSize+7] ^= 1; return b }), 17, "CRC"},
		{"codec", mut(func(b []byte) []byte { b[22] |= 6; return resign(b) }), 21, "unknown compression codec 6"},
		{"negative count", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[57:], 0xffffffff); return resign(b) }), 57, "negative record count"},
		{"count too big", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[57:], 1<<30); return resign(b) }), 61, "record count 1073741824 exceeds"},
		{"count too small", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[57:], 0); return resign(b) }), 61, "bytes after the last of 0 records"},
		{"record length", mut(func(b []byte) []byte { b[61] = 40; return resign(b) }), 62, "length 20 out of range"},
		{"key length", mut(func(b []byte) []byte { b[65] = 20; return resign(b) }), 66, "key length 10 exceeds"},
		{"negative key length", mut(func(b []byte) []byte { b[65] = 3; return resign(b) }), 65, "key length -2 is negative"},
		{"header count", mut(func(b []byte) []byte { b[69] = 2; return resign(b) }), 70, "header count 1 out of range"},
		{"varint overlong", rawBatch([]byte{30, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 1, 1, 0}, 1), 63, "timestamp delta: varint too long"},
		{"varint truncated", rawBatch([]byte{12, 0, 0, 0, 1, 1, 0x80}, 1), 67, "header count: varint runs past"},
		{"null header key", rawBatch([]byte{16, 0, 0, 0, 1, 1, 2, 1, 1}, 1), 68, "header key is null"},
		{"unused record bytes", rawBatch([]byte{14, 0, 0, 0, 1, 1, 0, 0}, 1), 68, "1 unused bytes"},
	}
	for _, tc := range cases {
		_, _, err := Decode(tc.in, 1<<20)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err %v, want a corrupt *Error", tc.name, err)
			continue
		}
		if e.Offset != tc.offset || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("%s: %v; want offset %d and %q", tc.name, err, tc.offset, tc.msg)
		}
	}
}

func TestDecodeCompressedErrors(t *testing.T) {
	recs := sampleRecords()
	for _, codec := range allCodecs[1:] {
		batch := buildBatch(t, codec, sampleHeader(), recs)
		_, _, err := Decode(batch, 1000)
		if !errors.Is(err, compress.ErrTooLarge) || errors.Is(err, ErrCorrupt) {
			t.Errorf("%v: limit 1000: err %v, want ErrTooLarge only", codec, err)
		}
		// Valid compression of garbage records: the offset counts into the
		// decompressed records.
		cp, _ := compress.NewCompressor(codec, 0)
		body, _ := cp.Compress(make([]byte, HeaderSize), []byte{14, 0, 0, 0, 0x7f})
		h := BatchHeader{NumRecords: 1, Attributes: int16(codec)}
		WriteHeader(body, &h)
		var e *Error
		if _, _, err := Decode(body, 1000); !errors.As(err, &e) || !e.InRecords || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%v: garbage records: err %v, want a corrupt error in the records", codec, err)
		}
		// Garbage instead of compressed data.
		junk := append(make([]byte, HeaderSize), "not compressed at all"...)
		WriteHeader(junk, &h)
		if _, _, err := Decode(junk, 1000); !errors.Is(err, ErrCorrupt) || !errors.Is(err, compress.ErrCorrupt) {
			t.Errorf("%v: junk payload: err %v", codec, err)
		}
	}
}
