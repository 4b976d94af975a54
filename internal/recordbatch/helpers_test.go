package recordbatch

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/samsa-go/samsa/internal/compress"
)

var allCodecs = []compress.Codec{compress.None, compress.Gzip, compress.Snappy, compress.LZ4, compress.Zstd}

// sampleRecords covers null, empty and present keys and values, repeated
// header keys, null and empty header values, negative and large deltas.
func sampleRecords() []Record {
	return []Record{
		{TimestampDelta: 0, OffsetDelta: 0, Key: []byte("key-0"), Value: []byte("value-0")},
		{TimestampDelta: 1, OffsetDelta: 1, Key: nil, Value: []byte("null key")},
		{TimestampDelta: 2, OffsetDelta: 2, Key: []byte{}, Value: []byte("empty key")},
		{TimestampDelta: 3, OffsetDelta: 3, Key: []byte("null value"), Value: nil},
		{TimestampDelta: 4, OffsetDelta: 4, Key: []byte("k"), Value: []byte{}},
		{TimestampDelta: 5, OffsetDelta: 5, Key: []byte("hdrs"), Value: []byte("v"), Headers: []Header{
			{Key: "trace", Value: []byte("abc")}, {Key: "trace", Value: []byte("def")},
			{Key: "null", Value: nil}, {Key: "empty", Value: []byte{}}, {Key: "", Value: []byte("empty key")},
		}},
		{TimestampDelta: -7, OffsetDelta: 6, Key: nil, Value: nil},
		{TimestampDelta: 1 << 40, OffsetDelta: 7, Key: bytes.Repeat([]byte("K"), 300), Value: bytes.Repeat([]byte("log line "), 2000)},
	}
}

// buildBatch encodes recs into a batch with codec, filling in the counts.
func buildBatch(t testing.TB, codec compress.Codec, h BatchHeader, recs []Record) []byte {
	t.Helper()
	var raw []byte
	for _, r := range recs {
		raw = AppendRecord(raw, r.TimestampDelta, r.OffsetDelta, r.Key, r.Value, r.Headers)
	}
	batch := make([]byte, HeaderSize)
	if codec == compress.None {
		batch = append(batch, raw...)
	} else {
		cp, err := compress.NewCompressor(codec, 0)
		if err != nil {
			t.Fatal(err)
		}
		if batch, err = cp.Compress(batch, raw); err != nil {
			t.Fatal(err)
		}
	}
	h.Attributes = h.Attributes&^AttrCompressionMask | int16(codec)
	h.NumRecords = int32(len(recs))
	if len(recs) > 0 {
		h.LastOffsetDelta = recs[len(recs)-1].OffsetDelta
	}
	WriteHeader(batch, &h)
	return batch
}

func sampleHeader() BatchHeader {
	return BatchHeader{
		BaseOffset: 1000, PartitionLeaderEpoch: 7, BaseTimestamp: 1_700_000_000_000, MaxTimestamp: 1_700_000_000_000 + 1<<40,
		ProducerID: 4242, ProducerEpoch: 3, BaseSequence: 99,
	}
}

func sameBytes(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

// diffRecords describes the first difference between got and want, field
// by field, including the nil-ness of keys and values; "" if equal.
func diffRecords(got, want []Record) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d records, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		switch {
		case g.Attributes != w.Attributes:
			return fmt.Sprintf("record %d: attributes %d, want %d", i, g.Attributes, w.Attributes)
		case g.TimestampDelta != w.TimestampDelta:
			return fmt.Sprintf("record %d: timestamp delta %d, want %d", i, g.TimestampDelta, w.TimestampDelta)
		case g.OffsetDelta != w.OffsetDelta:
			return fmt.Sprintf("record %d: offset delta %d, want %d", i, g.OffsetDelta, w.OffsetDelta)
		case !sameBytes(g.Key, w.Key):
			return fmt.Sprintf("record %d: key %q (nil %v), want %q (nil %v)", i, g.Key, g.Key == nil, w.Key, w.Key == nil)
		case !sameBytes(g.Value, w.Value):
			return fmt.Sprintf("record %d: value of %d bytes (nil %v), want %d (nil %v)", i, len(g.Value), g.Value == nil, len(w.Value), w.Value == nil)
		case len(g.Headers) != len(w.Headers):
			return fmt.Sprintf("record %d: %d headers, want %d", i, len(g.Headers), len(w.Headers))
		}
		for j := range g.Headers {
			gh, wh := g.Headers[j], w.Headers[j]
			if gh.Key != wh.Key || !sameBytes(gh.Value, wh.Value) {
				return fmt.Sprintf("record %d header %d: %q=%q (nil %v), want %q=%q (nil %v)", i, j, gh.Key, gh.Value, gh.Value == nil, wh.Key, wh.Value, wh.Value == nil)
			}
		}
	}
	return ""
}
