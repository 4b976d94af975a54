package compress

import (
	"errors"
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
	zstdEncMu sync.Mutex
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

func zstdDecompress(dst, src []byte, limit int) ([]byte, error) {
	dec, err := sharedZstdDecoder()
	if err != nil {
		return dst, corrupt(Zstd, "decoder: %v", err)
	}
	if len(src) == 0 {
		return dst, corrupt(Zstd, "empty input")
	}
	room := max(4*len(src), 64<<10)
	var h zstd.Header
	if h.Decode(src) == nil && h.HasFCS {
		if h.FrameContentSize > uint64(limit) {
			return dst, tooLarge(Zstd, limit)
		}
		room = int(h.FrameContentSize)
	}
	room = max(min(room, limit), 1)
	start := len(dst)
	for {
		buf := grow(dst, room)
		out, err := dec.DecodeAll(src, buf[:start:start+room])
		switch {
		case err == nil && len(out)-start > limit:
			return dst, tooLarge(Zstd, limit)
		case err == nil:
			return out, nil
		case !errors.Is(err, zstd.ErrDecoderSizeExceeded):
			return dst, corrupt(Zstd, "%v", err)
		case room >= limit:
			return dst, tooLarge(Zstd, limit)
		}
		room = min(room*4, limit)
	}
}
