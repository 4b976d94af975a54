package recordbatch

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// TestCombineCRC: the CRC of a and b put together from theirs equals the
// CRC of the concatenation, for lengths around powers of two and zero.
func TestCombineCRC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lens := []int{0, 1, 2, 3, 7, 8, 40, 61, 255, 256, 4095, 4096, 65536 + 3, 1 << 20}
	for _, la := range []int{0, 1, 40, 1000} {
		for _, lb := range lens {
			a, b := make([]byte, la), make([]byte, lb)
			for i := range a {
				a[i] = byte(rng.Uint32())
			}
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			want := crc32.Checksum(append(append([]byte{}, a...), b...), castagnoli)
			got := CombineCRC(crc32.Checksum(a, castagnoli), UpdateCRC(UpdateCRC(0, b[:lb/2]), b[lb/2:]), lb)
			if got != want {
				t.Fatalf("len %d+%d: combined %08x, want %08x", la, lb, got, want)
			}
		}
	}
}

// TestWriteHeaderCRCAndSetProducerState: a header written with the
// records' CRC given, and a producer state rewritten without reading the
// records, carry the CRC that Decode checks (the CRC of the whole batch).
func TestWriteHeaderCRCAndSetProducerState(t *testing.T) {
	batch := make([]byte, HeaderSize, 4096)
	for i := range 50 {
		batch = append(batch, byte(i*7), byte(i), 'x', 'y')
	}
	h := BatchHeader{PartitionLeaderEpoch: -1, LastOffsetDelta: 3, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: 4}
	WriteHeaderCRC(batch, &h, UpdateCRC(0, batch[HeaderSize:]))
	if want := crc32.Checksum(batch[offAttributes:], castagnoli); h.CRC != want {
		t.Fatalf("WriteHeaderCRC: %08x, want %08x", h.CRC, want)
	}
	SetProducerState(batch, 42, 3, 1000, true)
	got, _ := ParseHeader(batch)
	if want := crc32.Checksum(batch[offAttributes:], castagnoli); got.CRC != want || got.ProducerID != 42 || got.BaseSequence != 1000 {
		t.Fatalf("SetProducerState: crc %08x (want %08x), header %+v", got.CRC, want, got)
	}
}

// TestMulModPAndXPow8n: the table-driven product and powers equal those
// of the schoolbook definition (multiply bit by bit, reduce at every
// step; x^(8n) by repeated squaring), for random factors and for lengths
// up to the largest a batch can have, where TestCombineCRC cannot build
// the bytes.
func TestMulModPAndXPow8n(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		a, b := rng.Uint32(), rng.Uint32()
		if got, want := mulModP(a, b), slowMulModP(a, b); got != want {
			t.Fatalf("mulModP(%08x, %08x) = %08x, want %08x", a, b, got, want)
		}
	}
	ns := []int{0, 1, 255, 256, 257, 65535, 65536, 1<<24 - 1, 1 << 24, 1<<31 - 1}
	for range 1000 {
		ns = append(ns, int(rng.Uint32()>>1))
	}
	for _, n := range ns {
		if got, want := xPow8n(n), slowXPow8n(n); got != want {
			t.Fatalf("xPow8n(%d) = %08x, want %08x", n, got, want)
		}
	}
}

func slowMulModP(a, b uint32) uint32 {
	var prod uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			prod ^= b
		}
		if b&1 != 0 { // b *= x
			b = b>>1 ^ castagnoliReflected
		} else {
			b >>= 1
		}
	}
	return prod
}

func slowXPow8n(n int) uint32 {
	p, sq := uint32(1)<<31, uint32(1)<<23 // x^0, x^8
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			p = slowMulModP(p, sq)
		}
		sq = slowMulModP(sq, sq)
	}
	return p
}
