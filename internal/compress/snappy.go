package compress

import (
	"bytes"
	"encoding/binary"

	"github.com/klauspost/compress/s2"
)

// xerialHeader starts a snappy-java SnappyOutputStream: the magic
// 0x82 "SNAPPY" 0x00, then version 1 and minimum compatible version 1 as
// big-endian int32s.
var xerialHeader = [16]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}

// xerialChunk is snappy-java's default block size: each chunk holds the
// compressed form of at most this many input bytes.
const xerialChunk = 32 << 10

// snappyMaxSize is the most snappyCompress appends for n bytes: the
// xerial header, and per chunk its length and s2's bound for the chunk.
func snappyMaxSize(n int) int {
	size := len(xerialHeader)
	for ; n > 0; n -= xerialChunk {
		size += 4 + s2.MaxEncodedLen(min(n, xerialChunk))
	}
	return size
}

func snappyCompress(dst, src []byte) []byte {
	dst = append(dst, xerialHeader[:]...)
	for len(src) > 0 {
		chunk := src[:min(len(src), xerialChunk)]
		src = src[len(chunk):]
		need := 4 + s2.MaxEncodedLen(len(chunk))
		dst = grow(dst, need)
		off := len(dst)
		dst = dst[:off+need]
		enc := s2.EncodeSnappy(dst[off+4:], chunk)
		binary.BigEndian.PutUint32(dst[off:], uint32(len(enc)))
		dst = dst[:off+4+len(enc)]
	}
	return dst
}

func snappyDecompress(dst, src []byte, limit int) ([]byte, error) {
	if !bytes.HasPrefix(src, xerialHeader[:8]) {
		out, _, err := snappyBlock(dst, src, limit, 0)
		return out, err
	}
	start := len(dst)
	for p := 0; p < len(src); {
		if bytes.HasPrefix(src[p:], xerialHeader[:8]) { // (another) stream header
			if len(src)-p < len(xerialHeader) {
				return dst[:start], corrupt(Snappy, "truncated xerial header at offset %d", p)
			}
			p += len(xerialHeader)
			continue
		}
		if len(src)-p < 4 {
			return dst[:start], corrupt(Snappy, "truncated chunk length at offset %d", p)
		}
		n := int(binary.BigEndian.Uint32(src[p:]))
		p += 4
		if n > len(src)-p {
			return dst[:start], corrupt(Snappy, "chunk at offset %d claims %d bytes, %d remain", p-4, n, len(src)-p)
		}
		var err error
		dst, limit, err = snappyBlock(dst, src[p:p+n], limit, p)
		if err != nil {
			return dst[:start], err
		}
		p += n
	}
	return dst, nil
}

// snappyBlock appends the decoded raw snappy block to dst, consuming its
// size from limit. off is the block's offset, for errors.
func snappyBlock(dst, block []byte, limit, off int) ([]byte, int, error) {
	n, err := s2.DecodedLen(block)
	if err != nil {
		return dst, limit, corrupt(Snappy, "block at offset %d: %v", off, err)
	}
	if n > limit {
		return dst, limit, tooLarge(Snappy, limit)
	}
	dst = grow(dst, n)
	l := len(dst)
	if _, err := s2.Decode(dst[l:l+n], block); err != nil {
		return dst, limit, corrupt(Snappy, "block at offset %d: %v", off, err)
	}
	return dst[:l+n], limit - n, nil
}
