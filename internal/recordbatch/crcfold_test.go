package recordbatch

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// TestUpdateCRCMatchesHashCRC32: UpdateCRC (folded with carry-less
// products for long inputs where the CPU has them) gives hash/crc32's
// CRC-32C for every length up to a few blocks past the fold threshold,
// at every alignment of the first byte, from zero and nonzero CRCs, and
// continued piece by piece.
func TestUpdateCRCMatchesHashCRC32(t *testing.T) {
	t.Logf("folding: %v", canFold)
	rng := rand.New(rand.NewPCG(5, 6))
	buf := make([]byte, 8200)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for n := 0; n <= 3000; n++ {
		off := n % 16
		p := buf[off : off+n]
		for _, init := range []uint32{0, 0xffffffff, rng.Uint32()} {
			if got, want := UpdateCRC(init, p), crc32.Update(init, castagnoli, p); got != want {
				t.Fatalf("len %d offset %d init %08x: %08x, want %08x", n, off, init, got, want)
			}
		}
	}
	for _, n := range []int{4096, 8192, 8191, 8193, 8200 - 7} {
		p := buf[7 : 7+n]
		want := crc32.Checksum(p, castagnoli)
		if got := UpdateCRC(0, p); got != want {
			t.Fatalf("len %d: %08x, want %08x", n, got, want)
		}
		cut := rng.IntN(n)
		if got := UpdateCRC(UpdateCRC(0, p[:cut]), p[cut:]); got != want {
			t.Fatalf("len %d cut at %d: %08x, want %08x", n, cut, got, want)
		}
	}
	zeros := make([]byte, 5000)
	if got, want := UpdateCRC(0x12345678, zeros), crc32.Update(0x12345678, castagnoli, zeros); got != want {
		t.Fatalf("zeros: %08x, want %08x", got, want)
	}
}

// FuzzUpdateCRC: UpdateCRC agrees with hash/crc32 on any bytes, whole or
// split anywhere.
func FuzzUpdateCRC(f *testing.F) {
	f.Add(make([]byte, 1024), uint32(0), 0)
	f.Add(make([]byte, 4099), uint32(7), 300)
	f.Fuzz(func(t *testing.T, p []byte, init uint32, cut int) {
		want := crc32.Update(init, castagnoli, p)
		if got := UpdateCRC(init, p); got != want {
			t.Fatalf("len %d: %08x, want %08x", len(p), got, want)
		}
		if cut < 0 {
			cut = -cut
		}
		cut %= len(p) + 1
		if got := UpdateCRC(UpdateCRC(init, p[:cut]), p[cut:]); got != want {
			t.Fatalf("len %d cut %d: %08x, want %08x", len(p), cut, got, want)
		}
	})
}

func BenchmarkUpdateCRC(b *testing.B) {
	for _, n := range []int{1024, 8 << 10, 10 << 10, 64 << 10} {
		p := make([]byte, n)
		b.Run(byteSize(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				UpdateCRC(0, p)
			}
		})
		b.Run(byteSize(n)+"/hash-crc32", func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				crc32.Update(0, castagnoli, p)
			}
		})
	}
}

func byteSize(n int) string {
	if n%1024 == 0 {
		return itoa(n/1024) + "KiB"
	}
	return itoa(n) + "B"
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestAppendRecordBodyCRC: records appended one after another with a
// running CRC have AppendRecordBody's bytes, and the CRC returned,
// finished over the bytes it does not cover, is hash/crc32's CRC-32C of
// them all, for values around the fold's thresholds, null and empty
// values and keys, and headers.
func TestAppendRecordBodyCRC(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	src := make([]byte, 12000)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	hdrs := []Header{{Key: "h", Value: []byte("v")}, {Key: "n"}}
	var want, got []byte
	done, crc := 0, uint32(0x1234)
	for _, n := range []int{-1, 0, 1, 63, 255, 256, 511, 512, 513, 575, 1023, 1024, 1088, 4095, 10240, 11999} {
		for _, key := range [][]byte{nil, {}, []byte("key")} {
			for _, h := range [][]Header{nil, hdrs} {
				var value []byte
				if n >= 0 {
					value = src[1 : 1+n]
				}
				body := RecordBodySize(-3, 7, key, value, h)
				want = AppendRecordBody(want, body, -3, 7, key, value, h)
				got, done, crc = AppendRecordBodyCRC(got, done, crc, body, -3, 7, key, value, h)
				if string(got) != string(want) {
					t.Fatalf("value %d, key %q, %d headers: bytes differ", n, key, len(h))
				}
				if c, wantCRC := UpdateCRC(crc, got[done:]), crc32.Update(0x1234, castagnoli, want); c != wantCRC {
					t.Fatalf("value %d, key %q, %d headers: crc %08x, want %08x", n, key, len(h), c, wantCRC)
				}
			}
		}
	}
	if canFold && done < len(got)/2 {
		t.Fatalf("the running CRC covers %d of %d bytes", done, len(got))
	}
}
