package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// A frame is one entry of a segment:
//
//	magic   uint32  0x53504cab
//	crc     uint32  CRC-32C of everything after this field
//	length  uint32  bytes after this field: lsn, type and payload
//	lsn     uint64  the entry's log sequence number, one more than the entry before
//	type    uint8
//	payload
//
// All integers are big-endian. The magic lets a reader find the next
// frame after damage; the CRC covers the length, so a damaged length is
// caught like damaged data.
const (
	frameMagic  = uint32(0x53504cab)
	frameHeader = 21 // magic, crc, length, lsn, type
	// maxPayload bounds a payload: a length beyond it is damage. A batch
	// is at most max.request.size (an int32), and a split entry holds the
	// parts of one batch.
	maxPayload = 1<<31 - 64
)

// entryType says what a frame's payload holds.
type entryType uint8

const (
	typeHeader    entryType = 1 // first entry of every segment: the session that wrote it
	typeBatch     entryType = 2 // a sealed record batch
	typeSequenced entryType = 3 // a batch is about to be sent under a producer id, epoch and base sequence
	typeDone      entryType = 4 // a batch has its outcome and need not be sent again
	typeSplit     entryType = 5 // a batch the broker found too large was replaced by smaller ones
	typeClose     entryType = 6 // the session closed the spool cleanly
	typeNop       entryType = 7 // written to probe a disk that refused a write
)

func (t entryType) String() string {
	switch t {
	case typeHeader:
		return "header"
	case typeBatch:
		return "batch"
	case typeSequenced:
		return "sequenced"
	case typeDone:
		return "done"
	case typeSplit:
		return "split"
	case typeClose:
		return "close"
	case typeNop:
		return "nop"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendFrame appends a frame of the given type whose payload is the
// concatenation of parts.
func appendFrame(dst []byte, lsn uint64, t entryType, parts ...[]byte) []byte {
	n := 9
	for _, p := range parts {
		n += len(p)
	}
	start := len(dst)
	dst = appendFrameHeader(dst, lsn, t, n)
	for _, p := range parts {
		dst = append(dst, p...)
	}
	putCRC(dst[start:], crc32.Checksum(dst[start+8:], castagnoli))
	return dst
}

// frameInfo is a frame's header as read from disk.
type frameInfo struct {
	crc    uint32
	length uint32 // bytes after the length field
	lsn    uint64
	typ    entryType
}

// size is the frame's total size on disk.
func (f frameInfo) size() int64 { return 12 + int64(f.length) }

var errNotFrame = errors.New("not a frame")

// parseFrameHeader reads the fixed part of a frame from b (at least
// frameHeader bytes). It checks the magic and the length's plausibility,
// not the CRC.
func parseFrameHeader(b []byte) (frameInfo, error) {
	if len(b) < frameHeader {
		return frameInfo{}, errNotFrame
	}
	be := binary.BigEndian
	if be.Uint32(b) != frameMagic {
		return frameInfo{}, errNotFrame
	}
	f := frameInfo{crc: be.Uint32(b[4:]), length: be.Uint32(b[8:]), lsn: be.Uint64(b[12:]), typ: entryType(b[20])}
	if f.length < 9 || f.length > maxPayload+9 {
		return frameInfo{}, errNotFrame
	}
	return f, nil
}

// checkFrame verifies the CRC of a whole frame in b.
func checkFrame(b []byte, f frameInfo) bool {
	return int64(len(b)) == f.size() && crc32.Checksum(b[8:], castagnoli) == f.crc
}

// enc builds payloads.
type enc struct{ b []byte }

func (e *enc) u8(v uint8)   { e.b = append(e.b, v) }
func (e *enc) u16(v uint16) { e.b = binary.BigEndian.AppendUint16(e.b, v) }
func (e *enc) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *enc) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *enc) str16(s string) {
	e.u16(uint16(len(s)))
	e.b = append(e.b, s...)
}

// dec reads payloads from untrusted bytes: every read checks the bytes
// left, and the first failure sticks.
type dec struct {
	b   []byte
	err error
}

func (d *dec) need(n int, what string) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || len(d.b) < n {
		d.err = fmt.Errorf("%s: %d bytes left, need %d", what, len(d.b), n)
		d.b = nil
		return false
	}
	return true
}

func (d *dec) u8(what string) uint8 {
	if !d.need(1, what) {
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *dec) u16(what string) uint16 {
	if !d.need(2, what) {
		return 0
	}
	v := binary.BigEndian.Uint16(d.b)
	d.b = d.b[2:]
	return v
}

func (d *dec) u32(what string) uint32 {
	if !d.need(4, what) {
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *dec) u64(what string) uint64 {
	if !d.need(8, what) {
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *dec) bytes(n int, what string) []byte {
	if !d.need(n, what) {
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) str16(what string) string {
	n := int(d.u16(what + " length"))
	return string(d.bytes(n, what))
}

// BatchEntry is a sealed record batch as the spool keeps it.
type BatchEntry struct {
	// ID names the batch in later entries; the log assigns it.
	ID        uint64
	Topic     string
	Partition int32
	// Gen and Seq order the batches of a partition: Gen is the session
	// that created the batch (Log.Gen), Seq its creation order in that
	// session.
	Gen     uint32
	Seq     uint64
	Records int32
	// Wire is the Kafka record batch (v2), header included, as it is sent
	// without a producer id unless Sequenced entries say otherwise. Its
	// header's CRC must be right: the entry's checksum is derived from it.
	Wire []byte
}

// batchMetaSize is the size of a batch payload before the wire bytes.
func batchMetaSize(topic string) int { return 8 + 4 + 8 + 4 + 4 + 2 + len(topic) }

func (e *enc) batchMeta(b *BatchEntry) {
	e.u64(b.ID)
	e.u32(b.Gen)
	e.u64(b.Seq)
	e.u32(uint32(b.Partition))
	e.u32(uint32(b.Records))
	e.str16(b.Topic)
}

// decodeBatch decodes a batch payload; wire is the rest of d.
func decodeBatch(d *dec) BatchEntry {
	var b BatchEntry
	b.ID = d.u64("batch id")
	b.Gen = d.u32("generation")
	b.Seq = d.u64("creation sequence")
	b.Partition = int32(d.u32("partition"))
	b.Records = int32(d.u32("record count"))
	b.Topic = d.str16("topic")
	if d.err == nil && (b.Partition < 0 || b.Records <= 0 || b.Topic == "") {
		d.err = fmt.Errorf("batch %d: topic %q partition %d with %d records is not a batch", b.ID, b.Topic, b.Partition, b.Records)
	}
	if d.err == nil && len(d.b) < 61 {
		d.err = fmt.Errorf("batch %d: %d wire bytes, shorter than a record batch header", b.ID, len(d.b))
	}
	b.Wire = d.b
	d.b = nil
	return b
}

// sequenced is the payload of a Sequenced entry.
type sequenced struct {
	id       uint64
	pid      int64
	epoch    int16
	baseSeq  int32
	unixMill int64
	// duplicate: the batch may already be in Kafka under another producer
	// state, so that this send may write it twice.
	duplicate bool
}

func (e *enc) sequenced(s sequenced) {
	e.u64(s.id)
	e.u64(uint64(s.pid))
	e.u16(uint16(s.epoch))
	e.u32(uint32(s.baseSeq))
	e.u64(uint64(s.unixMill))
	var flags uint8
	if s.duplicate {
		flags |= 1
	}
	e.u8(flags)
}

func decodeSequenced(d *dec) sequenced {
	return sequenced{
		id: d.u64("batch id"), pid: int64(d.u64("producer id")), epoch: int16(d.u16("producer epoch")),
		baseSeq: int32(d.u32("base sequence")), unixMill: int64(d.u64("time")),
		duplicate: d.u8("flags")&1 != 0,
	}
}

// header is the payload of a segment's first entry.
type header struct {
	version  uint16
	fsync    FsyncPolicy // the session's policy: what a crash may have lost
	gen      uint32
	pid      int32
	unixMill int64
	bootID   string
	// known lists damage earlier sessions reported, so that it is not
	// reported again while the damaged segment lives.
	known []damageKey
}

// damageKey identifies a damaged range: the segment (by its first LSN)
// and the byte range.
type damageKey struct {
	segment uint64
	offset  int64
	length  int64
}

const formatVersion = 1

func (e *enc) header(h header) {
	e.u16(h.version)
	e.u8(uint8(h.fsync))
	e.u32(h.gen)
	e.u32(uint32(h.pid))
	e.u64(uint64(h.unixMill))
	e.str16(h.bootID)
	e.u16(uint16(len(h.known)))
	for _, k := range h.known {
		e.u64(k.segment)
		e.u64(uint64(k.offset))
		e.u64(uint64(k.length))
	}
}

func decodeHeader(d *dec) header {
	h := header{version: d.u16("version"), fsync: FsyncPolicy(d.u8("fsync policy")), gen: d.u32("generation"), pid: int32(d.u32("pid")),
		unixMill: int64(d.u64("time")), bootID: d.str16("boot id")}
	n := int(d.u16("damage count"))
	if d.err == nil && n > len(d.b)/24 {
		d.err = fmt.Errorf("damage count %d with %d bytes left", n, len(d.b))
		return h
	}
	for i := 0; i < n && d.err == nil; i++ {
		h.known = append(h.known, damageKey{segment: d.u64("segment"), offset: int64(d.u64("offset")), length: int64(d.u64("length"))})
	}
	if d.err == nil && h.version != formatVersion {
		d.err = fmt.Errorf("format version %d, this build reads version %d", h.version, formatVersion)
	}
	return h
}
