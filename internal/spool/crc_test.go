package spool

import (
	"hash/crc32"
	"testing"
)

func TestCRCCombine(t *testing.T) {
	data := wire(3, 70000)
	for _, cut := range []int{0, 1, 21, 61, 1000, 65535, 70000} {
		a, b := data[:cut], data[cut:]
		got := crcCombine(crc32.Checksum(a, castagnoli), crc32.Checksum(b, castagnoli), int64(len(b)))
		if want := crc32.Checksum(data, castagnoli); got != want {
			t.Errorf("cut at %d: combined %08x, want %08x", cut, got, want)
		}
	}
}

func BenchmarkCRC64K(b *testing.B) {
	data := wire(1, 64<<10)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		crc32.Checksum(data, castagnoli)
	}
}

func BenchmarkCRCCombine64K(b *testing.B) {
	for b.Loop() {
		crcCombine(1, 2, 64<<10)
	}
}
