package recordbatch

import (
	"encoding/binary"
	"hash/crc32"
)

// HeaderSize is the size of a v2 batch header, baseOffset through
// recordCount; the records start at this offset.
const HeaderSize = 61

// Attribute bits of a batch.
const (
	AttrCompressionMask    = 0x07 // compression codec (compress.Codec)
	AttrTimestampLogAppend = 0x08 // timestamps are log append times
	AttrTransactional      = 0x10 // the batch is part of a transaction
	AttrControl            = 0x20 // the batch holds a control record
)

// Byte offsets of the header fields.
const (
	offBatchLength     = 8
	offLeaderEpoch     = 12
	offMagic           = 16
	offCRC             = 17
	offAttributes      = 21
	offLastOffsetDelta = 23
	offBaseTimestamp   = 27
	offMaxTimestamp    = 35
	offProducerID      = 43
	offProducerEpoch   = 51
	offBaseSequence    = 53
	offNumRecords      = 57

	// lengthOverhead is what batchLength does not count: baseOffset
	// and batchLength itself.
	lengthOverhead = 12
)

// Magic is the record batch format version this package handles.
const Magic = 2

// castagnoli is the CRC-32C table; hash/crc32 uses the CPU's CRC32
// instruction for it where there is one.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// BatchHeader is the decoded 61-byte header of a batch.
type BatchHeader struct {
	BaseOffset           int64
	BatchLength          int32 // bytes after the BatchLength field
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32 // CRC-32C of the batch from Attributes on
	Attributes           int16
	LastOffsetDelta      int32
	BaseTimestamp        int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	NumRecords           int32
}

// WriteHeader writes the header h into batch[:HeaderSize] for a batch
// whose records, compressed if h.Attributes name a codec, are
// batch[HeaderSize:]. It computes BatchLength (len(batch)-12), Magic (2)
// and the CRC and stores them in h as well as in batch. batch must be at
// least HeaderSize bytes long.
func WriteHeader(batch []byte, h *BatchHeader) {
	writeFields(batch, h)
	h.CRC = updateCRC(0, batch[offAttributes:])
	binary.BigEndian.PutUint32(batch[offCRC:], h.CRC)
}

// WriteHeaderCRC is WriteHeader for a batch whose records' CRC-32C
// (of batch[HeaderSize:], see UpdateCRC) the caller computed already:
// only the header is read.
func WriteHeaderCRC(batch []byte, h *BatchHeader, recordsCRC uint32) {
	writeFields(batch, h)
	hdr := crc32.Checksum(batch[offAttributes:HeaderSize], castagnoli)
	h.CRC = CombineCRC(hdr, recordsCRC, len(batch)-HeaderSize)
	binary.BigEndian.PutUint32(batch[offCRC:], h.CRC)
}

// writeFields writes h into batch[:HeaderSize], all but the CRC.
func writeFields(batch []byte, h *BatchHeader) {
	_ = batch[HeaderSize-1]
	h.BatchLength = int32(len(batch) - lengthOverhead)
	h.Magic = Magic
	be := binary.BigEndian
	be.PutUint64(batch[0:], uint64(h.BaseOffset))
	be.PutUint32(batch[offBatchLength:], uint32(h.BatchLength))
	be.PutUint32(batch[offLeaderEpoch:], uint32(h.PartitionLeaderEpoch))
	batch[offMagic] = Magic
	be.PutUint16(batch[offAttributes:], uint16(h.Attributes))
	be.PutUint32(batch[offLastOffsetDelta:], uint32(h.LastOffsetDelta))
	be.PutUint64(batch[offBaseTimestamp:], uint64(h.BaseTimestamp))
	be.PutUint64(batch[offMaxTimestamp:], uint64(h.MaxTimestamp))
	be.PutUint64(batch[offProducerID:], uint64(h.ProducerID))
	be.PutUint16(batch[offProducerEpoch:], uint16(h.ProducerEpoch))
	be.PutUint32(batch[offBaseSequence:], uint32(h.BaseSequence))
	be.PutUint32(batch[offNumRecords:], uint32(h.NumRecords))
}

// SetProducerState rewrites the producer id, epoch and base sequence of
// an already written batch, sets or clears its transactional bit, and
// recomputes its CRC (unless nothing changed). The producer uses it to resend a batch under a new
// producer epoch. batch must be a whole batch as WriteHeader left it.
func SetProducerState(batch []byte, id int64, epoch int16, baseSeq int32, transactional bool) {
	_ = batch[HeaderSize-1]
	be := binary.BigEndian
	attrs := be.Uint16(batch[offAttributes:]) &^ AttrTransactional
	if transactional {
		attrs |= AttrTransactional
	}
	if attrs == be.Uint16(batch[offAttributes:]) && int64(be.Uint64(batch[offProducerID:])) == id &&
		int16(be.Uint16(batch[offProducerEpoch:])) == epoch && int32(be.Uint32(batch[offBaseSequence:])) == baseSeq {
		return // unchanged: the CRC stands
	}
	// The records are unchanged: the CRC changes by what the header's
	// change does to it, shifted past the records (CRCs are linear), so
	// the records are not read again.
	old := crc32.Checksum(batch[offAttributes:HeaderSize], castagnoli)
	be.PutUint16(batch[offAttributes:], attrs)
	be.PutUint64(batch[offProducerID:], uint64(id))
	be.PutUint16(batch[offProducerEpoch:], uint16(epoch))
	be.PutUint32(batch[offBaseSequence:], uint32(baseSeq))
	now := crc32.Checksum(batch[offAttributes:HeaderSize], castagnoli)
	crc := be.Uint32(batch[offCRC:]) ^ mulModP(xPow8n(len(batch)-HeaderSize), old^now)
	be.PutUint32(batch[offCRC:], crc)
}

// ParseHeader decodes the header of the batch at the start of b. It checks
// that b holds a whole header, that the magic is 2 and that batchLength
// is at least a header's worth and within b; b may continue past the
// batch. It does not check the CRC (Decode does).
func ParseHeader(b []byte) (BatchHeader, error) {
	var h BatchHeader
	if len(b) < HeaderSize {
		return h, errorf(0, "batch is %d bytes, shorter than the %d-byte header", len(b), HeaderSize)
	}
	be := binary.BigEndian
	h.BaseOffset = int64(be.Uint64(b))
	h.BatchLength = int32(be.Uint32(b[offBatchLength:]))
	h.PartitionLeaderEpoch = int32(be.Uint32(b[offLeaderEpoch:]))
	h.Magic = int8(b[offMagic])
	h.CRC = be.Uint32(b[offCRC:])
	h.Attributes = int16(be.Uint16(b[offAttributes:]))
	h.LastOffsetDelta = int32(be.Uint32(b[offLastOffsetDelta:]))
	h.BaseTimestamp = int64(be.Uint64(b[offBaseTimestamp:]))
	h.MaxTimestamp = int64(be.Uint64(b[offMaxTimestamp:]))
	h.ProducerID = int64(be.Uint64(b[offProducerID:]))
	h.ProducerEpoch = int16(be.Uint16(b[offProducerEpoch:]))
	h.BaseSequence = int32(be.Uint32(b[offBaseSequence:]))
	h.NumRecords = int32(be.Uint32(b[offNumRecords:]))
	if h.Magic != Magic {
		return h, errorf(offMagic, "magic %d, want %d", h.Magic, Magic)
	}
	if h.BatchLength < HeaderSize-lengthOverhead {
		return h, errorf(offBatchLength, "batch length %d is shorter than the header's %d bytes", h.BatchLength, HeaderSize-lengthOverhead)
	}
	if int64(h.BatchLength) > int64(len(b)-lengthOverhead) {
		return h, errorf(offBatchLength, "batch length %d exceeds the %d bytes present", h.BatchLength, len(b)-lengthOverhead)
	}
	return h, nil
}
