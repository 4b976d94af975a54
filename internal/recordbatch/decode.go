package recordbatch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/samsa-go/samsa/internal/compress"
)

// ErrCorrupt is matched (errors.Is) by every *Error that reports a
// malformed batch; an *Error for a batch whose records decompress past the
// limit matches compress.ErrTooLarge instead.
var ErrCorrupt = errors.New("corrupt record batch")

// Error reports what is wrong with a batch and where.
type Error struct {
	// Offset is the byte offset of the problem: in the input for header
	// problems and uncompressed records, in the decompressed records
	// (counted from their start) when InRecords is set.
	Offset int
	// InRecords reports that Offset counts into the decompressed records.
	InRecords bool
	Msg       string
	Err       error // underlying error, e.g. from decompression
}

// Error formats the problem with its offset.
func (e *Error) Error() string {
	where := "offset"
	if e.InRecords {
		where = "decompressed records offset"
	}
	s := fmt.Sprintf("recordbatch: %s %d: %s", where, e.Offset, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches ErrCorrupt, unless the error is that decompression hit the
// limit.
func (e *Error) Is(target error) bool {
	return target == ErrCorrupt && !errors.Is(e.Err, compress.ErrTooLarge)
}

func errorf(off int, format string, args ...any) *Error {
	return &Error{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// minRecordSize is the smallest encoded record: a one-byte length and six
// one-byte fields (attributes, deltas, null key and value, no headers).
const minRecordSize = 7

// Batch is one decoded batch.
type Batch struct {
	Header  BatchHeader
	Records []Record
}

// Decode validates the single batch b and returns its header and records.
// It checks the header (see ParseHeader), that the batch is exactly b with
// no trailing bytes, the CRC, the codec, and every record: each length and
// varint must lie within its record and the records within the batch, and
// there must be exactly NumRecords of them. Compressed records are
// decompressed, refusing to produce more than maxDecompressed bytes.
//
// The records alias b (or, for compressed batches, a fresh buffer).
// Decode never panics and allocates in proportion to len(b) and the
// decompressed size only.
func Decode(b []byte, maxDecompressed int) (BatchHeader, []Record, error) {
	h, recs, _, err := decode(b, maxDecompressed)
	return h, recs, err
}

// decode is Decode that also reports how many bytes decompression made.
func decode(b []byte, maxDecompressed int) (BatchHeader, []Record, int, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return h, nil, 0, err
	}
	if end := int(h.BatchLength) + lengthOverhead; end != len(b) {
		return h, nil, 0, errorf(end, "%d trailing bytes after the batch (batch length %d)", len(b)-end, h.BatchLength)
	}
	if crc := crc32.Checksum(b[offAttributes:], castagnoli); crc != h.CRC {
		return h, nil, 0, errorf(offCRC, "CRC %#08x, computed %#08x", h.CRC, crc)
	}
	if h.NumRecords < 0 {
		return h, nil, 0, errorf(offNumRecords, "negative record count %d", h.NumRecords)
	}
	codec := compress.Codec(h.Attributes & AttrCompressionMask)
	if !codec.Valid() {
		return h, nil, 0, errorf(offAttributes, "unknown compression codec %d in attributes %#04x", codec, h.Attributes)
	}
	recs, base, made := b[HeaderSize:], HeaderSize, 0
	if codec != compress.None {
		recs, err = compress.Decompress(codec, nil, recs, maxDecompressed)
		if err != nil {
			return h, nil, 0, &Error{Offset: HeaderSize, Msg: "decompressing " + codec.String() + " records", Err: err}
		}
		base, made = -1, len(recs)
	}
	records, err := decodeRecords(recs, int(h.NumRecords), base)
	return h, records, made, err
}

// DecodeAll decodes the concatenated batches in b, as a fetch response's
// records hold them, in order. Like the Java consumer, it stops without an
// error at a final batch that b holds only part of (brokers send those
// when a fetch reaches its size limit) and reports its length as
// truncated. maxDecompressed limits the decompressed size of all batches
// together. Error offsets count from the start of b.
func DecodeAll(b []byte, maxDecompressed int) (batches []Batch, truncated int, err error) {
	for p := 0; p < len(b); {
		rest := b[p:]
		if len(rest) < lengthOverhead {
			return batches, len(rest), nil
		}
		length := int64(int32(binary.BigEndian.Uint32(rest[offBatchLength:])))
		if length < HeaderSize-lengthOverhead {
			return batches, 0, shift(errorf(offBatchLength, "batch length %d is shorter than the header's %d bytes", length, HeaderSize-lengthOverhead), p)
		}
		if len(rest) > offMagic && rest[offMagic] != Magic {
			return batches, 0, shift(errorf(offMagic, "magic %d, want %d", int8(rest[offMagic]), Magic), p)
		}
		if length > int64(len(rest)-lengthOverhead) {
			return batches, len(rest), nil
		}
		end := int(length) + lengthOverhead
		h, recs, made, err := decode(rest[:end], maxDecompressed)
		if err != nil {
			return batches, 0, shift(err, p)
		}
		maxDecompressed -= made
		batches = append(batches, Batch{Header: h, Records: recs})
		p += end
	}
	return batches, 0, nil
}

// shift moves an *Error's input offset by base.
func shift(err error, base int) error {
	var e *Error
	if errors.As(err, &e) && !e.InRecords {
		e.Offset += base
	}
	return err
}
