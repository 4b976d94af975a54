package recordbatch

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-go/samsa/internal/compress"
)

// kmsgRecord encodes r with franz-go's kmsg, computing the length prefix
// by encoding the body on its own.
func kmsgRecord(r Record) []byte {
	kr := kmsg.Record{TimestampDelta64: r.TimestampDelta, OffsetDelta: r.OffsetDelta, Key: r.Key, Value: r.Value}
	for _, h := range r.Headers {
		kr.Headers = append(kr.Headers, kmsg.Header{Key: h.Key, Value: h.Value})
	}
	kr.Length = int32(len(kr.AppendTo(nil)) - 1) // Length 0 encodes as one byte
	return kr.AppendTo(nil)
}

// TestAppendRecordMatchesKmsg compares every sample record byte for byte
// with franz-go's encoding, and RecordSize with the encoded length.
func TestAppendRecordMatchesKmsg(t *testing.T) {
	recs := sampleRecords()
	recs = append(recs, Record{TimestampDelta: -1 << 62, OffsetDelta: -1 << 31, Key: []byte("x")},
		Record{OffsetDelta: 1<<31 - 1, Value: bytes.Repeat([]byte{0xAB}, 1<<17)})
	for i, r := range recs {
		want := kmsgRecord(r)
		got := AppendRecord([]byte("prefix"), r.TimestampDelta, r.OffsetDelta, r.Key, r.Value, r.Headers)
		if string(got[:6]) != "prefix" || !bytes.Equal(got[6:], want) {
			t.Errorf("record %d: AppendRecord = % x\nwant kmsg       % x", i, head(got[6:]), head(want))
		}
		if n := RecordSize(r.TimestampDelta, r.OffsetDelta, r.Key, r.Value, r.Headers); n != len(want) {
			t.Errorf("record %d: RecordSize = %d, want %d", i, n, len(want))
		}
	}
}

func head(b []byte) []byte { return b[:min(len(b), 48)] }

// TestBatchMatchesKmsg builds the same batch with kmsg.RecordBatch and
// with WriteHeader and compares bytes, for every codec (the compressed
// records are shared, so the header and CRC are what is compared).
func TestBatchMatchesKmsg(t *testing.T) {
	recs := sampleRecords()
	for _, codec := range allCodecs {
		h := sampleHeader()
		h.Attributes = AttrTransactional
		ours := buildBatch(t, codec, h, recs)
		kb := kmsg.RecordBatch{
			FirstOffset: h.BaseOffset, PartitionLeaderEpoch: h.PartitionLeaderEpoch, Magic: 2,
			Attributes: AttrTransactional | int16(codec), LastOffsetDelta: recs[len(recs)-1].OffsetDelta,
			FirstTimestamp: h.BaseTimestamp, MaxTimestamp: h.MaxTimestamp, ProducerID: h.ProducerID,
			ProducerEpoch: h.ProducerEpoch, FirstSequence: h.BaseSequence, NumRecords: int32(len(recs)),
			Records: ours[HeaderSize:],
		}
		kb.Length = int32(HeaderSize - 12 + len(kb.Records))
		enc := kb.AppendTo(nil)
		kb.CRC = int32(crc32.Checksum(enc[21:], crc32.MakeTable(crc32.Castagnoli)))
		enc = kb.AppendTo(nil)
		if !bytes.Equal(ours, enc) {
			t.Errorf("%v: header = % x\nkmsg     % x", codec, ours[:HeaderSize], enc[:HeaderSize])
		}
		// And kmsg reads ours back.
		var back kmsg.RecordBatch
		if err := back.ReadFrom(ours); err != nil || back.CRC != kb.CRC || back.NumRecords != int32(len(recs)) {
			t.Errorf("%v: kmsg read: %v, crc %x", codec, err, back.CRC)
		}
	}
}

func TestWriteHeaderFields(t *testing.T) {
	h := sampleHeader()
	h.Attributes = int16(compress.None) | AttrControl
	h.LastOffsetDelta = 41
	h.NumRecords = 42
	batch := make([]byte, HeaderSize+10)
	copy(batch[HeaderSize:], "recordsxyz")
	WriteHeader(batch, &h)
	if h.BatchLength != int32(len(batch)-12) || h.Magic != 2 || h.CRC != crc32.Checksum(batch[21:], crc32.MakeTable(crc32.Castagnoli)) {
		t.Fatalf("WriteHeader left length %d magic %d crc %#x", h.BatchLength, h.Magic, h.CRC)
	}
	got, err := ParseHeader(batch)
	if err != nil || got != h {
		t.Fatalf("ParseHeader = %+v, %v\nwant %+v", got, err, h)
	}
	if string(batch[HeaderSize:]) != "recordsxyz" {
		t.Fatalf("WriteHeader touched the records")
	}
}

func TestSetProducerState(t *testing.T) {
	recs := sampleRecords()
	for _, codec := range allCodecs {
		h := sampleHeader()
		batch := buildBatch(t, codec, h, recs)
		SetProducerState(batch, 77, 12, 1234, true)
		h2, got, err := Decode(batch, 1<<24)
		if err != nil {
			t.Fatalf("%v: Decode after SetProducerState: %v", codec, err)
		}
		if h2.ProducerID != 77 || h2.ProducerEpoch != 12 || h2.BaseSequence != 1234 || h2.Attributes&AttrTransactional == 0 {
			t.Errorf("%v: producer state %d/%d/%d attrs %#x", codec, h2.ProducerID, h2.ProducerEpoch, h2.BaseSequence, h2.Attributes)
		}
		if int(h2.Attributes&AttrCompressionMask) != int(codec) || h2.BaseOffset != h.BaseOffset || h2.NumRecords != int32(len(recs)) {
			t.Errorf("%v: SetProducerState changed other fields: %+v", codec, h2)
		}
		if d := diffRecords(got, recs); d != "" {
			t.Errorf("%v: %s", codec, d)
		}
		// The result equals a batch written with that state to begin with.
		h.ProducerID, h.ProducerEpoch, h.BaseSequence, h.Attributes = 77, 12, 1234, AttrTransactional
		if want := buildBatch(t, codec, h, recs); codec == compress.None && !bytes.Equal(batch, want) {
			t.Errorf("SetProducerState result differs from a fresh batch")
		}
		SetProducerState(batch, -1, -1, -1, false)
		if h3, _ := ParseHeader(batch); h3.Attributes&AttrTransactional != 0 || h3.ProducerID != -1 || binary.BigEndian.Uint32(batch[17:]) != crc32.Checksum(batch[21:], crc32.MakeTable(crc32.Castagnoli)) {
			t.Errorf("%v: clearing state: %+v", codec, h3)
		}
	}
}
