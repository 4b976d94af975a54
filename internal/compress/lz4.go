package compress

import (
	"encoding/binary"
	"sync"

	"github.com/pierrec/lz4/v4"
)

// LZ4 frame constants, as Kafka's Lz4BlockOutputStream writes them.
const (
	lz4Magic         = 0x184D2204
	lz4FLG           = 0x60 // version 01, independent blocks, no checksums, no content size
	lz4BD            = 0x40 // 64 KiB maximum block size
	lz4BlockMax      = 64 << 10
	lz4Uncompressed  = 0x80000000 // block size bit: block stored uncompressed
	lz4FrameOverhead = 7 + 4      // frame descriptor and end mark
)

// lz4Header is the frame's magic and descriptor, with the descriptor
// checksum: the second byte of xxh32(FLG, BD).
var lz4Header = func() [7]byte {
	h := [7]byte{0x04, 0x22, 0x4D, 0x18, lz4FLG, lz4BD}
	h[6] = byte(xxh32(h[4:6]) >> 8)
	return h
}()

// blockCompressor is lz4.Compressor or lz4.CompressorHC.
type blockCompressor interface {
	CompressBlock(src, dst []byte) (int, error)
}

// lz4NewFunc returns the pool constructor for a Java lz4 level: the fast
// compressor at the default level 9, the high-compression one otherwise.
func lz4NewFunc(level int) func() any {
	if level == 9 {
		return func() any { return new(lz4.Compressor) }
	}
	depth := lz4.CompressionLevel(1 << (8 + min(level, 9)))
	return func() any { return &lz4.CompressorHC{Level: depth} }
}

// lz4Compress writes one LZ4 frame. Each block is stored uncompressed when
// compressing would not make it smaller, as Java does.
// lz4MaxSize is the most lz4Compress appends for n bytes: the frame
// around n bytes stored in blocks.
func lz4MaxSize(n int) int {
	blocks := (n + lz4BlockMax - 1) / lz4BlockMax
	return lz4FrameOverhead + 4*blocks + n
}

func (c *Compressor) lz4Compress(dst, src []byte) []byte {
	dst = grow(dst, lz4MaxSize(len(src)))
	dst = append(dst, lz4Header[:]...)
	bc := c.pool.Get().(blockCompressor)
	for len(src) > 0 {
		chunk := src[:min(len(src), lz4BlockMax)]
		src = src[len(chunk):]
		off := len(dst)
		dst = dst[:off+4+len(chunk)]
		// Room for one byte less than the input: output that does not fit
		// would not be smaller, so the block is stored instead.
		n, err := bc.CompressBlock(chunk, dst[off+4:off+4+len(chunk)-1])
		if err != nil || n <= 0 || n >= len(chunk) {
			binary.LittleEndian.PutUint32(dst[off:], uint32(len(chunk))|lz4Uncompressed)
			copy(dst[off+4:], chunk)
			continue
		}
		binary.LittleEndian.PutUint32(dst[off:], uint32(n))
		dst = dst[:off+4+n]
	}
	c.pool.Put(bc)
	return binary.LittleEndian.AppendUint32(dst, 0)
}

// lz4Frame is a parsed LZ4 frame descriptor.
type lz4Frame struct {
	blockChecksum   bool
	contentChecksum bool
	contentSize     int64 // -1 when absent
	maxBlock        int
}

// parseLZ4Header parses the frame's magic and descriptor and returns the
// descriptor and the offset of the first block.
func parseLZ4Header(src []byte) (lz4Frame, int, error) {
	f := lz4Frame{contentSize: -1}
	if len(src) < 7 {
		return f, 0, corrupt(LZ4, "frame is %d bytes, shorter than a frame header", len(src))
	}
	if m := binary.LittleEndian.Uint32(src); m != lz4Magic {
		return f, 0, corrupt(LZ4, "bad frame magic %#08x", m)
	}
	flg, bd := src[4], src[5]
	switch {
	case flg>>6 != 1:
		return f, 0, corrupt(LZ4, "frame version %d, want 1", flg>>6)
	case flg&0x20 == 0:
		return f, 0, corrupt(LZ4, "dependent blocks are not supported (Kafka rejects them)")
	case flg&0x03 != 0:
		return f, 0, corrupt(LZ4, "reserved or dictionary bits set in frame flags %#02x", flg)
	case bd&0x8F != 0 || bd>>4 < 4:
		return f, 0, corrupt(LZ4, "bad block descriptor %#02x", bd)
	}
	f.blockChecksum = flg&0x10 != 0
	f.contentChecksum = flg&0x04 != 0
	f.maxBlock = 1 << (2*(bd>>4) + 8)
	p := 6
	if flg&0x08 != 0 {
		if len(src) < 15 {
			return f, 0, corrupt(LZ4, "truncated content size")
		}
		f.contentSize = int64(binary.LittleEndian.Uint64(src[6:]))
		p = 14
	}
	if want := byte(xxh32(src[4:p]) >> 8); src[p] != want {
		return f, 0, corrupt(LZ4, "frame descriptor checksum %#02x, want %#02x", src[p], want)
	}
	return f, p + 1, nil
}

// lz4Scratch holds a block that may not fit in the remaining limit, to
// tell an over-limit block from a corrupt one.
var lz4Scratch = sync.Pool{New: func() any { b := make([]byte, lz4BlockMax); return &b }}

func lz4Decompress(dst, src []byte, limit int) ([]byte, error) {
	f, p, err := parseLZ4Header(src)
	if err != nil {
		return dst, err
	}
	if f.contentSize > int64(limit) {
		return dst, tooLarge(LZ4, limit)
	}
	start := len(dst)
	for {
		if len(src)-p < 4 {
			return dst[:start], corrupt(LZ4, "truncated block size at offset %d", p)
		}
		raw := binary.LittleEndian.Uint32(src[p:])
		p += 4
		size := int(raw &^ lz4Uncompressed)
		if size == 0 {
			break
		}
		if size > f.maxBlock || size > len(src)-p {
			return dst[:start], corrupt(LZ4, "block at offset %d claims %d bytes (max %d, %d remain)", p-4, size, f.maxBlock, len(src)-p)
		}
		block := src[p : p+size]
		p += size
		if f.blockChecksum {
			if len(src)-p < 4 {
				return dst[:start], corrupt(LZ4, "truncated block checksum at offset %d", p)
			}
			if got, want := binary.LittleEndian.Uint32(src[p:]), xxh32(block); got != want {
				return dst[:start], corrupt(LZ4, "block checksum %#08x at offset %d, want %#08x", got, p, want)
			}
			p += 4
		}
		if dst, err = lz4Block(dst, block, raw&lz4Uncompressed == 0, f.maxBlock, limit-(len(dst)-start), limit, p-size); err != nil {
			return dst[:start], err
		}
	}
	if f.contentChecksum {
		if len(src)-p < 4 {
			return dst[:start], corrupt(LZ4, "truncated content checksum at offset %d", p)
		}
		if got, want := binary.LittleEndian.Uint32(src[p:]), xxh32(dst[start:]); got != want {
			return dst[:start], corrupt(LZ4, "content checksum %#08x, want %#08x", got, want)
		}
		p += 4
	}
	if p != len(src) {
		return dst[:start], corrupt(LZ4, "%d trailing bytes after the frame at offset %d", len(src)-p, p)
	}
	if f.contentSize >= 0 && f.contentSize != int64(len(dst)-start) {
		return dst[:start], corrupt(LZ4, "content size %d, frame holds %d", f.contentSize, len(dst)-start)
	}
	return dst, nil
}

// lz4Block appends one block (compressed or stored) to dst, which may grow
// by at most room bytes of the overall limit. off is the block's offset,
// for errors.
func lz4Block(dst, block []byte, compressed bool, maxBlock, room, limit, off int) ([]byte, error) {
	if !compressed {
		if len(block) > room {
			return dst, tooLarge(LZ4, limit)
		}
		return append(dst, block...), nil
	}
	space := min(maxBlock, room)
	dst = grow(dst, space)
	l := len(dst)
	n, err := lz4.UncompressBlock(block, dst[l:l+space])
	if err == nil {
		return dst[:l+n], nil
	}
	if space < maxBlock && lz4Fits(block, maxBlock) {
		return dst, tooLarge(LZ4, limit)
	}
	return dst, corrupt(LZ4, "block at offset %d: %v", off, err)
}

// lz4Fits reports whether block decompresses within maxBlock bytes; it
// tells a block that overflows the limit from a corrupt one.
func lz4Fits(block []byte, maxBlock int) bool {
	if maxBlock > lz4BlockMax {
		_, err := lz4.UncompressBlock(block, make([]byte, maxBlock))
		return err == nil
	}
	sp := lz4Scratch.Get().(*[]byte)
	_, err := lz4.UncompressBlock(block, *sp)
	lz4Scratch.Put(sp)
	return err == nil
}
