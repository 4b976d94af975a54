package sr

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The Confluent wire format, which every schema registry serializer
// writes and reads: a magic byte 0, the schema's global id as 4
// big-endian bytes, and the encoded record. Protobuf records put the
// message indexes between the id and the message: the path from the
// schema file's top-level messages to the record's message type, as a
// zig-zag varint count followed by that many zig-zag varint indexes, with
// [0] (the file's first message) written as the single byte 0.

// magicByte starts every record in the wire format.
const magicByte = 0

// headerLen is the length of the magic byte and the schema id.
const headerLen = 5

// ErrNotWireFormat is returned (wrapped) for bytes that are not in the
// Confluent wire format.
var ErrNotWireFormat = errors.New("sr: not the schema registry wire format")

// AppendHeader appends the wire format's header for schema id to dst: the
// magic byte and the id.
func AppendHeader(dst []byte, id int) []byte {
	return binary.BigEndian.AppendUint32(append(dst, magicByte), uint32(id))
}

// AppendMessageIndexes appends Protobuf message indexes to dst, with the
// single byte 0 for [0].
func AppendMessageIndexes(dst []byte, indexes []int) []byte {
	if len(indexes) == 1 && indexes[0] == 0 {
		return append(dst, 0)
	}
	dst = binary.AppendVarint(dst, int64(len(indexes)))
	for _, i := range indexes {
		dst = binary.AppendVarint(dst, int64(i))
	}
	return dst
}

// ParseHeader returns the schema id of b, in the wire format, and the
// bytes after the header.
func ParseHeader(b []byte) (id int, rest []byte, err error) {
	if len(b) < headerLen {
		return 0, nil, fmt.Errorf("%w: %d bytes, fewer than the 5 of the header", ErrNotWireFormat, len(b))
	}
	if b[0] != magicByte {
		return 0, nil, fmt.Errorf("%w: magic byte %d, not 0", ErrNotWireFormat, b[0])
	}
	return int(binary.BigEndian.Uint32(b[1:headerLen])), b[headerLen:], nil
}

// maxMessageIndexes bounds the count of message indexes ParseMessageIndexes
// accepts (a message nested deeper is not plausible; a corrupt count must
// not make it allocate much).
const maxMessageIndexes = 128

// ParseMessageIndexes reads the Protobuf message indexes at the start of
// b (after the header) and returns them with the bytes that follow. The
// single byte 0 is [0].
func ParseMessageIndexes(b []byte) (indexes []int, rest []byte, err error) {
	n, sz := binary.Varint(b)
	if sz <= 0 {
		return nil, nil, fmt.Errorf("%w: truncated or bad message index count", ErrNotWireFormat)
	}
	b = b[sz:]
	if n == 0 {
		return []int{0}, b, nil
	}
	if n < 0 || n > maxMessageIndexes {
		return nil, nil, fmt.Errorf("%w: message index count %d out of range", ErrNotWireFormat, n)
	}
	indexes = make([]int, n)
	for i := range indexes {
		v, sz := binary.Varint(b)
		if sz <= 0 || v < 0 || v > 1<<31-1 {
			return nil, nil, fmt.Errorf("%w: bad message index %d of %d", ErrNotWireFormat, i, n)
		}
		indexes[i] = int(v)
		b = b[sz:]
	}
	return indexes, b, nil
}
