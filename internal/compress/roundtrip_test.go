package compress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"

	stdgzip "compress/gzip"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

func testInputs() map[string][]byte {
	return map[string][]byte{
		"empty":        {},
		"one":          {'x'},
		"short":        []byte("hello, kafka"),
		"log100x64KiB": logLines(64<<10, 100),
		"log1000x300K": logLines(300<<10, 1000),
		"random70K":    randomBytes(70 << 10),
		"zeros1M":      make([]byte, 1<<20),
	}
}

func codecLevels(c Codec) []int {
	switch c {
	case Gzip:
		return []int{0, 1, 9}
	case LZ4:
		return []int{0, 1, 12}
	case Zstd:
		return []int{0, -1, 7, 19}
	}
	return []int{0}
}

func TestRoundTrip(t *testing.T) {
	for name, in := range testInputs() {
		for _, c := range allCodecs {
			for _, level := range codecLevels(c) {
				t.Run(fmt.Sprintf("%s/%v/%d", name, c, level), func(t *testing.T) {
					cp := mustCompressor(t, c, level)
					prefix := []byte("prefix")
					comp, err := cp.Compress(append([]byte(nil), prefix...), in)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(comp[:len(prefix)], prefix) {
						t.Fatalf("Compress clobbered dst's prefix")
					}
					out, err := Decompress(c, []byte("pre"), comp[len(prefix):], len(in))
					if err != nil {
						t.Fatalf("Decompress: %v", err)
					}
					if string(out[:3]) != "pre" || !bytes.Equal(out[3:], in) {
						t.Fatalf("round trip differs: got %d bytes, want %d", len(out)-3, len(in))
					}
				})
			}
		}
	}
}

// TestCompressesLogs checks that every real codec shrinks log-like data.
func TestCompressesLogs(t *testing.T) {
	in := logLines(64<<10, 100)
	for _, c := range allCodecs[1:] {
		comp, err := mustCompressor(t, c, 0).Compress(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(comp) > len(in)*3/4 {
			t.Errorf("%v: %d bytes compress to %d", c, len(in), len(comp))
		}
	}
}

// TestFormats checks the exact stream framing each codec writes, and that
// independent decoders read it.
func TestFormats(t *testing.T) {
	in := logLines(150<<10, 100)
	t.Run("gzip", func(t *testing.T) {
		comp, _ := mustCompressor(t, Gzip, 0).Compress(nil, in)
		zr, err := stdgzip.NewReader(bytes.NewReader(comp))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("stdlib gzip read %d bytes, err %v", len(got), err)
		}
	})
	t.Run("snappy", func(t *testing.T) {
		comp, _ := mustCompressor(t, Snappy, 0).Compress(nil, in)
		if !bytes.Equal(comp[:16], []byte("\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01")) {
			t.Fatalf("xerial header = %q", comp[:16])
		}
		var got []byte
		chunks := 0
		for p := 16; p < len(comp); chunks++ {
			n := int(comp[p])<<24 | int(comp[p+1])<<16 | int(comp[p+2])<<8 | int(comp[p+3])
			blk, err := s2.Decode(nil, comp[p+4:p+4+n])
			if err != nil {
				t.Fatal(err)
			}
			if len(blk) > 32<<10 {
				t.Fatalf("chunk %d holds %d bytes, more than 32 KiB", chunks, len(blk))
			}
			got = append(got, blk...)
			p += 4 + n
		}
		if !bytes.Equal(got, in) || chunks != (len(in)+32<<10-1)/(32<<10) {
			t.Fatalf("read %d bytes in %d chunks", len(got), chunks)
		}
	})
	t.Run("lz4", func(t *testing.T) {
		comp, _ := mustCompressor(t, LZ4, 0).Compress(nil, in)
		// Magic, FLG 0x60 (v1, independent blocks), BD 0x40 (64 KiB), HC.
		if !bytes.Equal(comp[:6], []byte{0x04, 0x22, 0x4D, 0x18, 0x60, 0x40}) || comp[6] != byte(xxh32(comp[4:6])>>8) {
			t.Fatalf("frame header = % x", comp[:7])
		}
		if !bytes.Equal(comp[len(comp)-4:], []byte{0, 0, 0, 0}) {
			t.Fatalf("no end mark: % x", comp[len(comp)-4:])
		}
		got, err := io.ReadAll(lz4.NewReader(bytes.NewReader(comp)))
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("pierrec lz4 reader read %d bytes, err %v", len(got), err)
		}
	})
	t.Run("lz4-incompressible", func(t *testing.T) {
		rnd := randomBytes(100 << 10)
		comp, _ := mustCompressor(t, LZ4, 0).Compress(nil, rnd)
		// Two stored blocks: 64 KiB and 36 KiB, with the high bit set.
		want := 7 + 4 + 64<<10 + 4 + 36<<10 + 4
		if len(comp) != want || comp[7+3]&0x80 == 0 {
			t.Fatalf("incompressible frame is %d bytes (want %d), first block size % x", len(comp), want, comp[7:11])
		}
	})
	t.Run("zstd", func(t *testing.T) {
		comp, _ := mustCompressor(t, Zstd, 0).Compress(nil, in)
		dec, _ := zstd.NewReader(bytes.NewReader(comp))
		defer dec.Close()
		got, err := io.ReadAll(dec)
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("zstd stream reader read %d bytes, err %v", len(got), err)
		}
	})
}

// TestDecompressForeign reads streams other encoders write: what other
// Kafka clients send.
func TestDecompressForeign(t *testing.T) {
	in := logLines(200<<10, 100)
	cases := map[string]struct {
		c    Codec
		comp []byte
	}{}
	var buf bytes.Buffer
	for _, opts := range [][]lz4.Option{
		nil,
		{lz4.BlockChecksumOption(true), lz4.ChecksumOption(true), lz4.SizeOption(uint64(len(in)))},
		{lz4.BlockSizeOption(lz4.Block4Mb), lz4.ChecksumOption(false)},
		{lz4.BlockSizeOption(lz4.Block256Kb), lz4.CompressionLevelOption(lz4.Level5)},
	} {
		buf.Reset()
		w := lz4.NewWriter(&buf)
		if err := w.Apply(opts...); err != nil {
			t.Fatal(err)
		}
		w.Write(in)
		w.Close()
		cases[fmt.Sprintf("pierrec-lz4-%d", len(cases))] = struct {
			c    Codec
			comp []byte
		}{LZ4, bytes.Clone(buf.Bytes())}
	}
	cases["raw-snappy"] = struct {
		c    Codec
		comp []byte
	}{Snappy, s2.EncodeSnappy(nil, in)}
	gz := func(p []byte) []byte {
		var b bytes.Buffer
		w := stdgzip.NewWriter(&b)
		w.Write(p)
		w.Close()
		return b.Bytes()
	}
	cases["gzip-two-members"] = struct {
		c    Codec
		comp []byte
	}{Gzip, append(gz(in[:1000]), gz(in[1000:])...)}
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderCRC(true))
	cases["zstd-two-frames-crc"] = struct {
		c    Codec
		comp []byte
	}{Zstd, enc.EncodeAll(in[5000:], enc.EncodeAll(in[:5000], nil))}
	var zs bytes.Buffer
	zw, _ := zstd.NewWriter(&zs) // streaming: no content size, like Java's zstd-jni
	zw.Write(in)
	zw.Close()
	cases["zstd-stream-no-content-size"] = struct {
		c    Codec
		comp []byte
	}{Zstd, zs.Bytes()}
	xer := mustCompressor(t, Snappy, 0)
	a, _ := xer.Compress(nil, in[:7])
	cases["xerial-concatenated"] = struct {
		c    Codec
		comp []byte
	}{Snappy, must(xer.Compress(a, in[7:]))}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Decompress(tc.c, nil, tc.comp, len(in))
			if err != nil || !bytes.Equal(got, in) {
				t.Fatalf("got %d bytes, err %v; want %d bytes", len(got), err, len(in))
			}
			if _, err := Decompress(tc.c, nil, tc.comp, len(in)-1); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("limit len-1: err %v, want ErrTooLarge", err)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestLZ4Checksums(t *testing.T) {
	in := logLines(100<<10, 100)
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	w.Apply(lz4.BlockChecksumOption(true), lz4.ChecksumOption(true))
	w.Write(in)
	w.Close()
	good := buf.Bytes()
	// Flip one byte inside the first block's data: the block checksum
	// must catch it (the data may still decode).
	bad := bytes.Clone(good)
	bad[20] ^= 0x01
	if _, err := Decompress(LZ4, nil, bad, len(in)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("corrupted block: err %v, want ErrCorrupt", err)
	}
	bad = bytes.Clone(good)
	bad[6] ^= 0x01 // descriptor checksum
	if _, err := Decompress(LZ4, nil, bad, len(in)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("corrupted descriptor checksum: err %v, want ErrCorrupt", err)
	}
	bad = bytes.Clone(good)
	bad[len(bad)-1] ^= 0x01 // content checksum
	if _, err := Decompress(LZ4, nil, bad, len(in)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("corrupted content checksum: err %v, want ErrCorrupt", err)
	}
}

// TestLimits checks the exact limit for every codec: limit == size works,
// size-1 fails with ErrTooLarge.
func TestLimits(t *testing.T) {
	for _, size := range []int{0, 1, 1000, 64 << 10, 64<<10 + 1, 200 << 10} {
		in := logLines(size, 100)
		for _, c := range allCodecs {
			comp := must(mustCompressor(t, c, 0).Compress(nil, in))
			got, err := Decompress(c, nil, comp, size)
			if err != nil || !bytes.Equal(got, in) {
				t.Errorf("%v size %d limit %d: %d bytes, err %v", c, size, size, len(got), err)
			}
			if size == 0 {
				continue
			}
			got, err = Decompress(c, []byte("keep"), comp, size-1)
			if !errors.Is(err, ErrTooLarge) || string(got) != "keep" {
				t.Errorf("%v size %d limit %d: err %v, dst %q; want ErrTooLarge and dst unchanged", c, size, size-1, err, got)
			}
		}
	}
}

// TestBomb decompresses 64 MiB of zeros with a 1 MiB limit: it must fail
// without allocating anywhere near 64 MiB.
func TestBomb(t *testing.T) {
	zeros := make([]byte, 64<<20)
	var zs bytes.Buffer
	zw, _ := zstd.NewWriter(&zs) // a stream without a content size
	zw.Write(zeros)
	zw.Close()
	for _, c := range append(allCodecs[1:], -1) {
		var comp []byte
		if c == -1 {
			c, comp = Zstd, zs.Bytes()
		} else {
			comp = must(mustCompressor(t, c, 0).Compress(nil, zeros))
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decompress(c, nil, comp, 1<<20)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%v: err %v, want ErrTooLarge", c, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("%v: decompressing a bomb with a 1 MiB limit allocated %d bytes", c, alloc)
		}
	}
}

// TestCorruptInputs truncates and flips valid streams: Decompress must
// return an error or the original data, never panic.
func TestCorruptInputs(t *testing.T) {
	in := logLines(100<<10, 100)
	for _, c := range allCodecs[1:] {
		comp := must(mustCompressor(t, c, 0).Compress(nil, in))
		for _, cut := range []int{0, 1, 5, 7, 12, 16, 20, len(comp) / 2, len(comp) - 1} {
			if c == Snappy && cut == 16 {
				// A bare xerial header is a valid empty stream.
				if got, err := Decompress(c, nil, comp[:cut], len(in)); err != nil || len(got) != 0 {
					t.Errorf("snappy header only: %d bytes, err %v", len(got), err)
				}
				continue
			}
			if _, err := Decompress(c, nil, comp[:cut], len(in)); err == nil {
				t.Errorf("%v truncated to %d bytes: no error", c, cut)
			} else if !errors.Is(err, ErrCorrupt) {
				t.Errorf("%v truncated to %d bytes: err %v, want ErrCorrupt", c, cut, err)
			}
		}
		for i := 0; i < len(comp); i += 97 {
			bad := bytes.Clone(comp)
			bad[i] ^= 0x5a
			got, err := Decompress(c, nil, bad, len(in))
			if err == nil && len(got) > len(in) {
				t.Errorf("%v flip at %d: %d bytes past the limit", c, i, len(got))
			}
		}
	}
	if _, err := Decompress(Codec(6), nil, []byte{1}, 10); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("codec 6: err %v", err)
	}
}

// TestConcurrentCompress runs one Compressor per codec from many
// goroutines (under -race in CI) and checks every output.
func TestConcurrentCompress(t *testing.T) {
	inputs := [][]byte{logLines(64<<10, 100), logLines(10<<10, 1000), randomBytes(5000)}
	for _, c := range allCodecs {
		cp := mustCompressor(t, c, 0)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 20 {
					in := inputs[(g+i)%len(inputs)]
					comp, err := cp.Compress(nil, in)
					if err != nil {
						t.Error(err)
						return
					}
					out, err := Decompress(c, nil, comp, len(in))
					if err != nil || !bytes.Equal(out, in) {
						t.Errorf("%v: concurrent round trip failed: %v", c, err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}

// TestCompressAllocs checks that Compress does not allocate in steady
// state when dst has room.
func TestCompressAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	in := logLines(64<<10, 100)
	for _, c := range allCodecs {
		cp := mustCompressor(t, c, 0)
		dst := make([]byte, 0, 2*len(in)+1024)
		cp.Compress(dst, in) // warm the pools
		allocs := testing.AllocsPerRun(50, func() {
			if _, err := cp.Compress(dst[:0], in); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: Compress allocates %.1f times per call", c, allocs)
		}
	}
}

// TestMaxSizeBoundsOutput compresses incompressible and compressible
// inputs of several sizes with every codec and checks that Compress never
// appends more than MaxSize promises, and that with that much room in dst
// it writes in place.
func TestMaxSizeBoundsOutput(t *testing.T) {
	for _, c := range allCodecs {
		cp := mustCompressor(t, c, 0)
		for _, n := range []int{0, 1, 100, 1000, 32 << 10, 64<<10 - 61, 64 << 10, 200_000, 1 << 20} {
			for name, in := range map[string][]byte{"random": randomBytes(n), "text": logLines(n, 100)} {
				bound := cp.MaxSize(n)
				dst := make([]byte, 7, 7+bound)
				out, err := cp.Compress(dst, in)
				if err != nil {
					t.Fatalf("%v %s %d bytes: %v", c, name, n, err)
				}
				if got := len(out) - 7; got > bound {
					t.Errorf("%v %s %d bytes: output %d bytes, MaxSize %d", c, name, n, got, bound)
				}
				if &out[0] != &dst[:1][0] {
					t.Errorf("%v %s %d bytes: Compress reallocated dst despite MaxSize room", c, name, n)
				}
			}
		}
	}
}
