package recordbatch

import (
	"strconv"
	"testing"

	"github.com/samsa-go/samsa/internal/compress"
)

// BenchmarkAppendRecord appends a 100-byte-value record without key or
// headers into a reused batch buffer, as the accumulator does.
func BenchmarkAppendRecord(b *testing.B) {
	value := make([]byte, 100)
	buf := make([]byte, 0, 1<<20)
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	i := int32(0)
	for b.Loop() {
		if len(buf) > 1<<20-200 {
			buf, i = buf[:0], 0
		}
		buf = AppendRecord(buf, int64(i), i, nil, value, nil)
		i++
	}
}

// BenchmarkAppendRecordKeyHeaders adds a 16-byte key and two headers.
func BenchmarkAppendRecordKeyHeaders(b *testing.B) {
	key := []byte("user-000000012345")
	value := make([]byte, 100)
	headers := []Header{{Key: "trace-id", Value: []byte("0123456789abcdef")}, {Key: "source", Value: []byte("svc")}}
	buf := make([]byte, 0, 1<<20)
	b.ReportAllocs()
	i := int32(0)
	for b.Loop() {
		if len(buf) > 1<<20-300 {
			buf, i = buf[:0], 0
		}
		buf = AppendRecord(buf, int64(i), i, key, value, headers)
		i++
	}
}

func BenchmarkRecordSize(b *testing.B) {
	value := make([]byte, 100)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n += RecordSize(12, 7, nil, value, nil)
	}
	_ = n
}

// BenchmarkWriteHeader finishes a 16 KiB batch: header fields and CRC.
func BenchmarkWriteHeader(b *testing.B) {
	batch := make([]byte, 16<<10)
	h := sampleHeader()
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		WriteHeader(batch, &h)
	}
}

func BenchmarkSetProducerState(b *testing.B) {
	batch := make([]byte, 16<<10)
	h := sampleHeader()
	WriteHeader(batch, &h)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		SetProducerState(batch, 1, 2, 3, false)
	}
}

func benchBatch(b *testing.B, codec compress.Codec) []byte {
	var recs []Record
	value := make([]byte, 100)
	for i := range 150 {
		recs = append(recs, Record{TimestampDelta: int64(i), OffsetDelta: int32(i), Value: value})
	}
	return buildBatch(b, codec, sampleHeader(), recs)
}

// BenchmarkDecode decodes a batch of 150 100-byte records.
func BenchmarkDecode(b *testing.B) {
	for _, codec := range allCodecs {
		b.Run(codec.String(), func(b *testing.B) {
			batch := benchBatch(b, codec)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Decode(batch, 1<<20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCombineCRC combines a header's CRC with its records' for the
// lengths batches have: what WriteHeaderCRC adds to every send.
func BenchmarkCombineCRC(b *testing.B) {
	for _, n := range []int{16 << 10, 65475, 1<<20 - 61} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var c uint32
			for b.Loop() {
				c = CombineCRC(c, 0x1234567, n)
			}
			_ = c
		})
	}
}
