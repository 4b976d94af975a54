package recordbatch

import "math/bits"

// zigzag maps signed to unsigned so small magnitudes encode short.
func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

// uvarintLen is the encoded size of the unsigned varint u.
func uvarintLen(u uint64) int {
	// 1 + floor((bits-1)/7), with u|1 so zero takes one byte.
	return int(9*uint32(bits.Len64(u|1))+64) / 64
}

// varintLen is the encoded size of the zigzag varint v.
func varintLen(v int64) int { return uvarintLen(zigzag(v)) }

// putUvarint writes u at b[0:] and returns the bytes written; b must have
// room.
func putUvarint(b []byte, u uint64) int {
	if u < 0x80 {
		b[0] = byte(u)
		return 1
	}
	i := 0
	for u >= 0x80 {
		b[i] = byte(u) | 0x80
		u >>= 7
		i++
	}
	b[i] = byte(u)
	return i + 1
}

// putVarint writes the zigzag varint v at b[0:].
func putVarint(b []byte, v int64) int { return putUvarint(b, zigzag(v)) }

// readUvarint reads an unsigned varint of at most maxBytes bytes from b.
// n is the bytes read, 0 if b ends first, -1 if the varint is longer than
// maxBytes or its value overflows maxBytes*7 bits masked to bitsWanted.
func readUvarint(b []byte, maxBytes int, bitsWanted uint) (u uint64, n int) {
	var shift uint
	for i := 0; i < len(b); i++ {
		c := b[i]
		if i == maxBytes-1 && (c >= 0x80 || uint64(c)>>(bitsWanted-shift) != 0) {
			return 0, -1
		}
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return u, i + 1
		}
		shift += 7
	}
	return 0, 0
}

// readVarint32 reads a zigzag varint (Kafka's varint: at most 5 bytes,
// 32 bits).
func readVarint32(b []byte) (int32, int) {
	u, n := readUvarint(b, 5, 32)
	return int32(uint32(u>>1) ^ -uint32(u&1)), n
}

// readVarint64 reads a zigzag varlong (at most 10 bytes, 64 bits).
func readVarint64(b []byte) (int64, int) {
	u, n := readUvarint(b, 10, 64)
	return int64(u>>1) ^ -int64(u&1), n
}
