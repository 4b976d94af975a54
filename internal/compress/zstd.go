package compress

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"bytes"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// zstdWindow is the encoder window. Kafka batches are at most a few MiB
// (batch.size defaults to 16 KiB, message.max.bytes to 1 MiB); EncodeAll
// writes batches up to this size as a single segment, so the window only
// bounds the encoder's history buffers.
const zstdWindow = 4 << 20

// zstdMaxWindow is the largest window Decompress accepts, libzstd's default
// limit (window log 27), which covers every level's streaming window.
const zstdMaxWindow = 1 << 27

var (
	zstdEncMu lockorder.Mutex[lockorder.Leaf]
	zstdEncs  = map[zstd.EncoderLevel]*zstd.Encoder{}

	zstdDecOnce sync.Once
	zstdDec     *zstd.Decoder
	zstdDecErr  error
)

// sharedZstdEncoder returns the process-wide encoder for a Java zstd
// level. EncodeAll is safe for concurrent use, running up to GOMAXPROCS
// encodes in parallel; encoder state is created on first use.
func sharedZstdEncoder(level int) (*zstd.Encoder, error) {
	el := zstd.EncoderLevelFromZstd(level)
	zstdEncMu.Lock()
	defer zstdEncMu.Unlock()
	if e := zstdEncs[el]; e != nil {
		return e, nil
	}
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(el),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
		zstd.WithWindowSize(zstdWindow),
		zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderCRC(false), // the batch CRC covers the compressed bytes
		zstd.WithZeroFrames(true),  // an empty input still makes a valid frame
	)
	if err != nil {
		return nil, err
	}
	zstdEncs[el] = e
	return e, nil
}

func sharedZstdDecoder() (*zstd.Decoder, error) {
	zstdDecOnce.Do(func() {
		zstdDec, zstdDecErr = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecodeAllCapLimit(true),
		)
	})
	return zstdDec, zstdDecErr
}

// zstdStreams pools synchronous (concurrency 1) streaming decoders.
var zstdStreams = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow))
	if err != nil {
		return err
	}
	return d
}}

// zstdDecompress decodes a single frame that declares its content size
// (what EncodeAll writes) in one DecodeAll call into exactly that much
// room. Anything else, and any failure, goes through a streaming decoder
// read up to the limit, which tells corrupt data from data over the limit
// reliably (DecodeAll out of room mid-block reports a corrupt block).
func zstdDecompress(dst, src []byte, limit int) ([]byte, error) {
	if len(src) == 0 {
		return dst, corrupt(Zstd, "empty input")
	}
	var h zstd.Header
	if h.Decode(src) == nil && h.HasFCS {
		if h.FrameContentSize > uint64(limit) {
			return dst, tooLarge(Zstd, limit)
		}
		if dec, err := sharedZstdDecoder(); err == nil {
			start, room := len(dst), int(h.FrameContentSize)
			buf := grow(dst, room)
			if out, err := dec.DecodeAll(src, buf[:start:start+room]); err == nil {
				return out, nil
			}
		}
	}
	return zstdStream(dst, src, limit)
}

func zstdStream(dst, src []byte, limit int) ([]byte, error) {
	d, ok := zstdStreams.Get().(*zstd.Decoder)
	if !ok {
		return dst, corrupt(Zstd, "decoder: %v", zstdStreams.New())
	}
	defer zstdStreams.Put(d)
	var in bytes.Reader
	in.Reset(src)
	if err := d.Reset(&in); err != nil {
		return dst, corrupt(Zstd, "%v", err)
	}
	defer func() { _ = d.Reset(nil) }()
	return readLimited(Zstd, dst, d, limit, 4*len(src))
}
