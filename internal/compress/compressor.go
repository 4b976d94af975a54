package compress

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Compressor compresses record batch payloads with one codec and level.
// It is safe for concurrent use; encoder state is pooled, so Compress does
// not allocate in steady state when dst has room for the output.
// A Compressor must not be copied after first use.
type Compressor struct {
	codec Codec
	level int
	pool  sync.Pool     // *gzipWriter, or *lz4.Compressor / *lz4.CompressorHC
	zenc  *zstd.Encoder // shared zstd encoder, nil for other codecs
}

// NewCompressor returns a Compressor for codec c at the given level. Level
// 0 selects the codec's default (see LevelRange); other levels must lie in
// the codec's range, and codecs without levels accept only 0.
//
// Levels mean what they mean to the Java client: gzip levels are zlib's;
// lz4 level 9 (the default) is lz4's fast compressor and the other levels
// select its high-compression mode with a search depth that grows with
// the level (levels above 9 search as deep as 9); zstd levels map to the
// closest of the four zstd encoder speeds this package has (below 3:
// fastest, 3-5: default, 6-9: better, 10 and up: best).
func NewCompressor(c Codec, level int) (*Compressor, error) {
	lvl, err := checkLevel(c, level)
	if err != nil {
		return nil, err
	}
	cp := &Compressor{codec: c, level: lvl}
	switch c {
	case Gzip:
		cp.pool.New = cp.newGzipWriter
	case LZ4:
		cp.pool.New = lz4NewFunc(lvl)
	case Zstd:
		enc, err := sharedZstdEncoder(lvl)
		if err != nil {
			return nil, fmt.Errorf("compress: zstd level %d: %w", lvl, err)
		}
		cp.zenc = enc
	}
	return cp, nil
}

// Codec returns the compressor's codec.
func (c *Compressor) Codec() Codec { return c.codec }

// Level returns the compressor's effective level: the codec default when
// it was created with level 0, and 0 for codecs without levels.
func (c *Compressor) Level() int { return c.level }

// MaxSize returns how many bytes Compress appends at most for n bytes of
// input, as when the data does not compress at all: the codec then stores
// it with its framing around it. Compress called with that much room in
// dst does not allocate. For gzip it is zlib's bound for stored blocks
// plus the gzip header and trailer.
func (c *Compressor) MaxSize(n int) int {
	switch c.codec {
	case Gzip:
		return n + n>>12 + n>>14 + n>>25 + 13 + 18
	case Snappy:
		return snappyMaxSize(n)
	case LZ4:
		return lz4MaxSize(n)
	case Zstd:
		return c.zenc.MaxEncodedSize(n)
	}
	return n
}

// Compress appends the compressed form of src to dst and returns the
// extended slice. dst and src must not overlap. With codec None it appends
// src unchanged.
func (c *Compressor) Compress(dst, src []byte) ([]byte, error) {
	switch c.codec {
	case Gzip:
		return c.gzipCompress(dst, src)
	case Snappy:
		return snappyCompress(dst, src), nil
	case LZ4:
		return c.lz4Compress(dst, src), nil
	case Zstd:
		return c.zenc.EncodeAll(src, dst), nil
	}
	return append(dst, src...), nil
}

// Decompress appends the decompressed form of src, compressed with codec
// c, to dst and returns the extended slice. It fails with an error wrapping
// ErrTooLarge, before allocating for it, if the decompressed data would be
// longer than limit bytes, and with one wrapping ErrCorrupt if src is not
// valid for the codec. With codec None it appends src (subject to limit).
func Decompress(c Codec, dst, src []byte, limit int) ([]byte, error) {
	if limit < 0 {
		limit = 0
	}
	switch c {
	case None:
		if len(src) > limit {
			return dst, tooLarge(c, limit)
		}
		return append(dst, src...), nil
	case Gzip:
		return gzipDecompress(dst, src, limit)
	case Snappy:
		return snappyDecompress(dst, src, limit)
	case LZ4:
		return lz4Decompress(dst, src, limit)
	case Zstd:
		return zstdDecompress(dst, src, limit)
	}
	return dst, fmt.Errorf("compress: %w %d", ErrUnknownCodec, int8(c))
}

func tooLarge(c Codec, limit int) error {
	return fmt.Errorf("compress: %s: %w of %d bytes", c, ErrTooLarge, limit)
}

func corrupt(c Codec, format string, args ...any) error {
	return fmt.Errorf("compress: %s: %w: %s", c, ErrCorrupt, fmt.Sprintf(format, args...))
}

// grow returns b with room for at least n more bytes beyond len(b).
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+max(n, len(b)))
	copy(nb, b)
	return nb
}
