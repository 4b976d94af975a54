package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// appendWriter is an io.Writer that appends to a byte slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// gzipWriter is a pooled gzip writer with its output sink.
type gzipWriter struct {
	out appendWriter
	zw  *gzip.Writer
}

// gzipLevel maps a Java gzip level to the klauspost level; -1 is zlib's
// default, level 6.
func gzipLevel(level int) int {
	if level == -1 {
		return 6
	}
	return level
}

func (c *Compressor) newGzipWriter() any {
	g := &gzipWriter{}
	zw, err := gzip.NewWriterLevel(&g.out, gzipLevel(c.level))
	if err != nil { // unreachable: the level was validated
		panic(err)
	}
	g.zw = zw
	return g
}

func (c *Compressor) gzipCompress(dst, src []byte) ([]byte, error) {
	g := c.pool.Get().(*gzipWriter)
	g.out.b = dst
	g.zw.Reset(&g.out)
	_, err := g.zw.Write(src)
	if err == nil {
		err = g.zw.Close()
	}
	dst = g.out.b
	g.out.b = nil
	c.pool.Put(g)
	return dst, err
}

// gzipReader is a pooled gzip reader with its input.
type gzipReader struct {
	in bytes.Reader
	zr gzip.Reader
}

var gzipReaders = sync.Pool{New: func() any { return new(gzipReader) }}

func gzipDecompress(dst, src []byte, limit int) ([]byte, error) {
	hint := 0
	if len(src) >= 18 {
		// ISIZE of the last member, if src is intact: only a sizing hint.
		hint = int(min(binary.LittleEndian.Uint32(src[len(src)-4:]), uint32(limit)))
	}
	g := gzipReaders.Get().(*gzipReader)
	defer gzipReaders.Put(g)
	g.in.Reset(src)
	if err := g.zr.Reset(&g.in); err != nil {
		return dst, corrupt(Gzip, "header: %v", err)
	}
	return readLimited(Gzip, dst, &g.zr, limit, hint)
}

// readLimited appends everything r produces to dst, failing with
// ErrTooLarge once more than limit bytes arrive. hint is the expected
// size, used to size dst up front.
func readLimited(c Codec, dst []byte, r io.Reader, limit, hint int) ([]byte, error) {
	start := len(dst)
	dst = grow(dst, min(max(hint, 512), limit)+1)
	for {
		if len(dst) == cap(dst) {
			dst = grow(dst, min(cap(dst)-start, limit+1-(len(dst)-start)))
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if len(dst)-start > limit {
			return dst[:start], tooLarge(c, limit)
		}
		if errors.Is(err, io.EOF) {
			return dst, nil
		}
		if err != nil {
			return dst[:start], corrupt(c, "%v", err)
		}
	}
}
