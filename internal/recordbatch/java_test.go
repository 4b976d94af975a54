package recordbatch

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/javacheck"
)

// The tests in this file exchange batches and compressed streams with
// Kafka's Java client (testdata/java/BatchCheck.java) through javacheck.

// javaRequest is one request to BatchCheck; see its doc comment.
type javaRequest struct {
	op   byte
	body []byte
}

type javaResponse struct {
	ok   bool
	body []byte // payload, or the Java exception text
}

// callJava runs BatchCheck once for all requests.
func callJava(t *testing.T, reqs []javaRequest) []javaResponse {
	t.Helper()
	var in []byte
	for _, r := range reqs {
		in = append(in, r.op)
		in = binary.BigEndian.AppendUint32(in, uint32(len(r.body)))
		in = append(in, r.body...)
	}
	out := javacheck.Run(t, "testdata/java", "BatchCheck", in)
	var resps []javaResponse
	for len(out) > 0 {
		if len(out) < 5 {
			t.Fatalf("short Java response: % x", out)
		}
		n := int(binary.BigEndian.Uint32(out[1:]))
		resps = append(resps, javaResponse{ok: out[0] == 0, body: out[5 : 5+n]})
		out = out[5+n:]
	}
	if len(resps) != len(reqs) {
		t.Fatalf("%d Java responses to %d requests", len(resps), len(reqs))
	}
	return resps
}

// wbuf builds big-endian request bodies.
type wbuf struct{ b []byte }

func (w *wbuf) u8(v byte)   { w.b = append(w.b, v) }
func (w *wbuf) i16(v int16) { w.b = binary.BigEndian.AppendUint16(w.b, uint16(v)) }
func (w *wbuf) i32(v int32) { w.b = binary.BigEndian.AppendUint32(w.b, uint32(v)) }
func (w *wbuf) i64(v int64) { w.b = binary.BigEndian.AppendUint64(w.b, uint64(v)) }
func (w *wbuf) bool(v bool) { w.u8(map[bool]byte{false: 0, true: 1}[v]) }
func (w *wbuf) bytes(v []byte) {
	if v == nil {
		w.i32(-1)
		return
	}
	w.i32(int32(len(v)))
	w.b = append(w.b, v...)
}

func (w *wbuf) headers(hs []Header) {
	w.i32(int32(len(hs)))
	for _, h := range hs {
		w.bytes([]byte(h.Key))
		w.bytes(h.Value)
	}
}

// rbuf reads Java's big-endian responses; a short read panics, failing
// the test with a stack.
type rbuf struct{ b []byte }

func (r *rbuf) u8() byte   { v := r.b[0]; r.b = r.b[1:]; return v }
func (r *rbuf) i16() int16 { v := int16(binary.BigEndian.Uint16(r.b)); r.b = r.b[2:]; return v }
func (r *rbuf) i32() int32 { v := int32(binary.BigEndian.Uint32(r.b)); r.b = r.b[4:]; return v }
func (r *rbuf) i64() int64 { v := int64(binary.BigEndian.Uint64(r.b)); r.b = r.b[8:]; return v }
func (r *rbuf) bytes() []byte {
	n := r.i32()
	if n < 0 {
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// javaBatch is a batch as spec'd to, or reported by, Java: absolute
// offsets and timestamps.
type javaBatch struct {
	codec         compress.Codec
	level         int
	baseOffset    int64
	leaderEpoch   int32
	producerID    int64
	producerEpoch int16
	baseSequence  int32
	transactional bool
	records       []javaRecord
}

type javaRecord struct {
	offset, timestamp int64
	key, value        []byte
	headers           []Header
}

func (b *javaBatch) buildRequest() javaRequest {
	var w wbuf
	w.u8(byte(b.codec))
	w.i32(int32(b.level))
	w.i64(b.baseOffset)
	w.i32(b.leaderEpoch)
	w.i64(b.producerID)
	w.i16(b.producerEpoch)
	w.i32(b.baseSequence)
	w.bool(b.transactional)
	w.i32(int32(len(b.records)))
	for _, r := range b.records {
		w.i64(r.offset)
		w.i64(r.timestamp)
		w.bytes(r.key)
		w.bytes(r.value)
		w.headers(r.headers)
	}
	return javaRequest{'B', w.b}
}

// encode builds the batch with this package, as the producer does.
func (b *javaBatch) encode(t testing.TB) []byte {
	t.Helper()
	h := BatchHeader{
		BaseOffset: b.baseOffset, PartitionLeaderEpoch: b.leaderEpoch, ProducerID: b.producerID,
		ProducerEpoch: b.producerEpoch, BaseSequence: b.baseSequence, BaseTimestamp: b.records[0].timestamp,
	}
	if b.transactional {
		h.Attributes |= AttrTransactional
	}
	raw := make([]byte, HeaderSize)
	h.MaxTimestamp = b.records[0].timestamp
	for _, r := range b.records {
		h.MaxTimestamp = max(h.MaxTimestamp, r.timestamp)
		raw = AppendRecord(raw, r.timestamp-h.BaseTimestamp, int32(r.offset-b.baseOffset), r.key, r.value, r.headers)
	}
	h.NumRecords = int32(len(b.records))
	h.LastOffsetDelta = int32(b.records[len(b.records)-1].offset - b.baseOffset)
	batch := raw
	if b.codec != compress.None {
		cp, err := compress.NewCompressor(b.codec, b.level)
		if err != nil {
			t.Fatal(err)
		}
		batch, _ = cp.Compress(make([]byte, HeaderSize, len(raw)), raw[HeaderSize:])
		h.Attributes |= int16(b.codec)
	}
	WriteHeader(batch, &h)
	return batch
}

// javaSample is the batch the golden tests use: fixed timestamps (not in
// order), producer state, repeated header keys, null and empty keys,
// values and header values, non-ASCII text and a large value.
func javaSample(codec compress.Codec, level int) javaBatch {
	b := javaBatch{codec: codec, level: level, baseOffset: 5000, leaderEpoch: 17, producerID: 123456789,
		producerEpoch: 4, baseSequence: 1000, transactional: true}
	ts := int64(1_750_000_000_000)
	add := func(dt int64, key, value []byte, headers ...Header) {
		b.records = append(b.records, javaRecord{offset: b.baseOffset + int64(len(b.records)), timestamp: ts + dt, key: key, value: value, headers: headers})
	}
	add(0, []byte("key-0"), []byte("value-0"))
	add(5, nil, []byte("null key"))
	add(3, []byte{}, []byte("empty key, earlier timestamp"))
	add(-1000, []byte("null value"), nil)
	add(7, []byte("empty value"), []byte{})
	add(9, []byte("headers"), []byte("v"),
		Header{"trace", []byte("a")}, Header{"trace", []byte("b")}, Header{"null", nil},
		Header{"empty", []byte{}}, Header{"ключ", []byte("значение")})
	add(1<<35, bytes.Repeat([]byte("k"), 200), bytes.Repeat([]byte("a log line with some text\n"), 4000))
	for i := range 300 {
		add(int64(100+i), fmt.Appendf(nil, "user-%d", i%17), fmt.Appendf(nil, `{"event":"click","n":%d,"page":"/p/%d"}`, i, i%5))
	}
	return b
}

// TestJavaBuildsIdenticalBatch: Java's MemoryRecordsBuilder and our
// encoder produce the same bytes for the same uncompressed batch.
func TestJavaBuildsIdenticalBatch(t *testing.T) {
	variants := []javaBatch{javaSample(compress.None, 0)}
	nonTx := javaSample(compress.None, 0)
	nonTx.transactional, nonTx.producerID, nonTx.producerEpoch, nonTx.baseSequence = false, -1, -1, -1
	nonTx.records = nonTx.records[:1]
	variants = append(variants, nonTx)
	var reqs []javaRequest
	for i := range variants {
		reqs = append(reqs, variants[i].buildRequest())
	}
	for i, resp := range callJava(t, reqs) {
		if !resp.ok {
			t.Fatalf("variant %d: Java: %s", i, resp.body)
		}
		ours := variants[i].encode(t)
		if !bytes.Equal(ours, resp.body) {
			at := 0
			for at < min(len(ours), len(resp.body)) && ours[at] == resp.body[at] {
				at++
			}
			t.Errorf("variant %d: ours (%d bytes) and Java's (%d bytes) differ first at byte %d", i, len(ours), len(resp.body), at)
		}
	}
}

// readRequest asks Java to validate and read batches.
func readRequest(batches []byte) javaRequest {
	var w wbuf
	w.bytes(batches)
	return javaRequest{'R', w.b}
}

// parseJavaRead decodes BatchCheck's answer to a read request.
func parseJavaRead(body []byte) (batches []javaBatch, crcs []uint32) {
	r := rbuf{body}
	for r.u8() == 1 {
		var b javaBatch
		b.baseOffset = r.i64()
		lastOffset := r.i64()
		b.leaderEpoch = r.i32()
		if m := r.u8(); m != 2 {
			panic(fmt.Sprintf("magic %d", m))
		}
		crcs = append(crcs, uint32(r.i32()))
		b.codec = compress.Codec(r.u8())
		b.transactional = r.u8() == 1
		r.u8() // control
		b.producerID, b.producerEpoch, b.baseSequence = r.i64(), r.i16(), r.i32()
		r.i64() // max timestamp
		n := r.i32()
		for range n {
			rec := javaRecord{offset: r.i64(), timestamp: r.i64(), key: r.bytes(), value: r.bytes()}
			nh := r.i32()
			for range nh {
				rec.headers = append(rec.headers, Header{Key: string(r.bytes()), Value: r.bytes()})
			}
			b.records = append(b.records, rec)
		}
		if n > 0 && b.records[n-1].offset != lastOffset {
			panic("last offset mismatch")
		}
		batches = append(batches, b)
	}
	return batches, crcs
}

// diffJava compares a batch Java read with the one we meant to write.
func diffJava(got, want javaBatch) string {
	if got.codec != want.codec || got.baseOffset != want.baseOffset || got.leaderEpoch != want.leaderEpoch ||
		got.producerID != want.producerID || got.producerEpoch != want.producerEpoch ||
		got.baseSequence != want.baseSequence || got.transactional != want.transactional {
		return fmt.Sprintf("header %+v, want %+v", got, want)
	}
	if len(got.records) != len(want.records) {
		return fmt.Sprintf("%d records, want %d", len(got.records), len(want.records))
	}
	for i, g := range got.records {
		w := want.records[i]
		if g.offset != w.offset || g.timestamp != w.timestamp || !sameBytes(g.key, w.key) || !sameBytes(g.value, w.value) || len(g.headers) != len(w.headers) {
			return fmt.Sprintf("record %d: offset %d ts %d key %q(nil %v) value %d bytes (nil %v) %d headers; want offset %d ts %d key %q(nil %v) value %d bytes (nil %v) %d headers",
				i, g.offset, g.timestamp, g.key, g.key == nil, len(g.value), g.value == nil, len(g.headers),
				w.offset, w.timestamp, w.key, w.key == nil, len(w.value), w.value == nil, len(w.headers))
		}
		for j := range g.headers {
			if g.headers[j].Key != w.headers[j].Key || !sameBytes(g.headers[j].Value, w.headers[j].Value) {
				return fmt.Sprintf("record %d header %d: %q=%q, want %q=%q", i, j, g.headers[j].Key, g.headers[j].Value, w.headers[j].Key, w.headers[j].Value)
			}
		}
	}
	return ""
}

func codecLevels(c compress.Codec) []int {
	switch c {
	case compress.Gzip:
		return []int{0, 1, 9}
	case compress.LZ4:
		return []int{0, 1, 17}
	case compress.Zstd:
		return []int{0, -5, 1, 7, 22}
	}
	return []int{0}
}

// TestJavaReadsOurBatches: Java validates (ensureValid) and reads back
// every batch we write, for every codec and several levels, singly and
// concatenated, including after SetProducerState.
func TestJavaReadsOurBatches(t *testing.T) {
	var specs []javaBatch
	var reqs []javaRequest
	var all []byte
	for _, c := range allCodecs {
		for _, level := range codecLevels(c) {
			b := javaSample(c, level)
			enc := b.encode(t)
			specs = append(specs, b)
			reqs = append(reqs, readRequest(enc))
			all = append(all, enc...)
		}
		// Resent under a new epoch, no longer transactional.
		b := javaSample(c, 0)
		enc := b.encode(t)
		SetProducerState(enc, 999, 7, 42, false)
		b.producerID, b.producerEpoch, b.baseSequence, b.transactional = 999, 7, 42, false
		specs = append(specs, b)
		reqs = append(reqs, readRequest(enc))
		all = append(all, enc...)
	}
	reqs = append(reqs, readRequest(all))
	resps := callJava(t, reqs)
	for i, spec := range specs {
		if !resps[i].ok {
			t.Errorf("%v level %d: Java rejected our batch: %s", spec.codec, spec.level, resps[i].body)
			continue
		}
		got, _ := parseJavaRead(resps[i].body)
		if len(got) != 1 {
			t.Errorf("%v level %d: Java read %d batches", spec.codec, spec.level, len(got))
			continue
		}
		if d := diffJava(got[0], spec); d != "" {
			t.Errorf("%v level %d: %s", spec.codec, spec.level, d)
		}
	}
	last := resps[len(resps)-1]
	if !last.ok {
		t.Fatalf("concatenated batches: Java: %s", last.body)
	}
	got, _ := parseJavaRead(last.body)
	if len(got) != len(specs) {
		t.Fatalf("concatenated: Java read %d batches, want %d", len(got), len(specs))
	}
	for i := range got {
		if d := diffJava(got[i], specs[i]); d != "" {
			t.Errorf("concatenated batch %d: %s", i, d)
		}
	}
}

// TestDecodeJavaBatches: our Decode reads the batches Java writes with
// every codec and level, and agrees with Java's own reading of them.
func TestDecodeJavaBatches(t *testing.T) {
	var specs []javaBatch
	var reqs []javaRequest
	for _, c := range allCodecs {
		for _, level := range codecLevels(c) {
			b := javaSample(c, level)
			specs = append(specs, b)
			reqs = append(reqs, b.buildRequest())
		}
	}
	resps := callJava(t, reqs)
	for i, spec := range specs {
		if !resps[i].ok {
			t.Fatalf("%v level %d: Java: %s", spec.codec, spec.level, resps[i].body)
		}
		h, recs, err := Decode(resps[i].body, 1<<24)
		if err != nil {
			t.Errorf("%v level %d: Decode(Java's batch): %v", spec.codec, spec.level, err)
			continue
		}
		got := javaBatch{codec: compress.Codec(h.Attributes & AttrCompressionMask), level: spec.level, baseOffset: h.BaseOffset,
			leaderEpoch: h.PartitionLeaderEpoch, producerID: h.ProducerID, producerEpoch: h.ProducerEpoch,
			baseSequence: h.BaseSequence, transactional: h.Attributes&AttrTransactional != 0}
		for _, r := range recs {
			got.records = append(got.records, javaRecord{offset: h.BaseOffset + int64(r.OffsetDelta),
				timestamp: h.BaseTimestamp + r.TimestampDelta, key: r.Key, value: r.Value, headers: r.Headers})
		}
		if d := diffJava(got, spec); d != "" {
			t.Errorf("%v level %d: %s", spec.codec, spec.level, d)
		}
		if want := spec.encode(t); spec.codec == compress.None && !bytes.Equal(want, resps[i].body) {
			t.Errorf("uncompressed Java batch differs from ours")
		}
	}
}

// TestJavaRecordSizeUpperBound compares HeaderSize+RecordSizeUpperBound
// with the bound the Java producer checks against max.request.size and
// buffer.memory (AbstractRecords.estimateSizeInBytesUpperBound), for
// keys, values and headers on both sides of every varint width change.
func TestJavaRecordSizeUpperBound(t *testing.T) {
	lens := []int{-1, 0, 1, 63, 64, 65, 8191, 8192, 8193, 1<<20 - 100, 1 << 20}
	blob := func(n int) []byte {
		if n < 0 {
			return nil
		}
		return bytes.Repeat([]byte{'x'}, n)
	}
	type sample struct {
		key, value []byte
		headers    []Header
	}
	var samples []sample
	for _, k := range lens {
		for _, v := range lens {
			if k > 8193 && v > 8193 {
				continue // enough of the large ones
			}
			samples = append(samples, sample{key: blob(k), value: blob(v)})
		}
	}
	many := make([]Header, 64) // a header count whose varint takes two bytes
	for i := range many {
		many[i] = Header{Key: fmt.Sprint("h", i), Value: blob(i - 1)}
	}
	samples = append(samples,
		sample{value: blob(10), headers: []Header{{Key: "", Value: nil}, {Key: "k", Value: []byte{}}}},
		sample{key: blob(3), value: blob(100), headers: []Header{{Key: "schlüssel-ключ-鍵", Value: blob(64)}}},
		sample{value: blob(1000), headers: many},
	)
	var reqs []javaRequest
	for _, s := range samples {
		var w wbuf
		w.bytes(s.key)
		w.bytes(s.value)
		w.headers(s.headers)
		reqs = append(reqs, javaRequest{'S', w.b})
	}
	for i, r := range callJava(t, reqs) {
		s := samples[i]
		if !r.ok {
			t.Fatalf("sample %d: Java: %s", i, r.body)
		}
		want := int(int32(binary.BigEndian.Uint32(r.body)))
		if got := HeaderSize + RecordSizeUpperBound(s.key, s.value, s.headers); got != want {
			t.Errorf("key %d bytes, value %d bytes, %d headers: bound %d, Java %d",
				len(s.key), len(s.value), len(s.headers), got, want)
		}
	}
}
