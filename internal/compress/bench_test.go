package compress

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

var benchInputs = []struct {
	name string
	data []byte
}{
	{"64KiB-rec100", logLines(64<<10, 100)},
	{"64KiB-rec1000", logLines(64<<10, 1000)},
}

// BenchmarkCompress compresses a 64 KiB batch payload of log-like records
// with each codec at its default level, into a reused buffer.
func BenchmarkCompress(b *testing.B) {
	for _, in := range benchInputs {
		for _, c := range allCodecs[1:] {
			b.Run(fmt.Sprintf("%v/%s", c, in.name), func(b *testing.B) {
				cp := mustCompressor(b, c, 0)
				dst := make([]byte, 0, 2*len(in.data))
				out, _ := cp.Compress(dst, in.data)
				b.ReportMetric(float64(len(in.data))/float64(len(out)), "ratio")
				b.SetBytes(int64(len(in.data)))
				b.ReportAllocs()
				for b.Loop() {
					cp.Compress(dst[:0], in.data)
				}
			})
		}
	}
}

// BenchmarkDecompress decompresses the same payloads into a reused buffer.
func BenchmarkDecompress(b *testing.B) {
	for _, in := range benchInputs {
		for _, c := range allCodecs[1:] {
			b.Run(fmt.Sprintf("%v/%s", c, in.name), func(b *testing.B) {
				comp, _ := mustCompressor(b, c, 0).Compress(nil, in.data)
				dst := make([]byte, 0, 2*len(in.data))
				b.SetBytes(int64(len(in.data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Decompress(c, dst[:0], comp, len(in.data)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkAlternatives measures the choices this package made against
// the obvious alternatives, on the 100-byte-record payload.
func BenchmarkAlternatives(b *testing.B) {
	in := benchInputs[0].data
	dst := make([]byte, 0, 2*len(in))
	run := func(name string, f func() []byte) {
		b.Run(name, func(b *testing.B) {
			out := f()
			b.ReportMetric(float64(len(in))/float64(len(out)), "ratio")
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				f()
			}
		})
	}
	// lz4: pierrec's streaming Writer (reset per batch) versus our frame
	// writer over its block compressor.
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	w.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false), lz4.ConcurrencyOption(1))
	run("lz4-pierrec-Writer", func() []byte {
		buf.Reset()
		w.Reset(&buf)
		w.Write(in)
		w.Close()
		return buf.Bytes()
	})
	// snappy: s2's better (slower) snappy encoder.
	run("snappy-EncodeSnappyBetter", func() []byte { return s2.EncodeSnappyBetter(dst[:cap(dst)], in) })
	// zstd: klauspost defaults (CRC on, default memory and window).
	for _, opt := range []struct {
		name string
		opts []zstd.EOption
	}{
		{"defaults", nil},
		{"concurrency1", []zstd.EOption{zstd.WithEncoderConcurrency(1)}},
		{"crc-on", []zstd.EOption{zstd.WithEncoderCRC(true), zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(zstdWindow)}},
		{"no-lowmem", []zstd.EOption{zstd.WithEncoderCRC(false), zstd.WithWindowSize(zstdWindow)}},
		// What franz-go's kgo sets (1.22): 64 KiB window, one encoder per
		// pooled Encoder, CRC and memory at klauspost's defaults.
		{"kgo-settings", []zstd.EOption{zstd.WithWindowSize(64 << 10), zstd.WithEncoderConcurrency(1), zstd.WithZeroFrames(true)}},
		// The next speed down, for the record: faster, but it compresses
		// less than libzstd level 3 (Java's default) and klauspost's
		// SpeedDefault (kgo's), so samsa does not use it by default.
		{"speed-fastest", []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false), zstd.WithWindowSize(zstdWindow)}},
	} {
		enc, _ := zstd.NewWriter(nil, opt.opts...)
		run("zstd-"+opt.name, func() []byte { return enc.EncodeAll(in, dst[:0]) })
	}
	// gzip at klauspost's level 5 (its own default) versus Java's 6.
	g := mustCompressor(b, Gzip, 5)
	run("gzip-level5", func() []byte { out, _ := g.Compress(dst[:0], in); return out })
}

// BenchmarkCompressParallel compresses from all Ps at once with one
// shared Compressor, as per-partition batches do.
func BenchmarkCompressParallel(b *testing.B) {
	in := benchInputs[0].data
	for _, c := range allCodecs[1:] {
		b.Run(c.String(), func(b *testing.B) {
			cp := mustCompressor(b, c, 0)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				dst := make([]byte, 0, 2*len(in))
				for pb.Next() {
					cp.Compress(dst[:0], in)
				}
			})
		})
	}
}
