package recordbatch

import (
	"hash/crc32"
	"sync"
)

// CRC-32C arithmetic that lets a batch's checksum be put together from
// parts computed at different times: the records' CRC while the producer
// writes them (the bytes are in cache then), the header's when the batch
// is sent. Polynomials are in the CRC's reflected bit order: bit 31 is
// the coefficient of x^0, bit 0 that of x^31.

// castagnoliReflected is the Castagnoli polynomial, reflected.
const castagnoliReflected = 0x82f63b78

// mulModP returns a*b modulo the polynomial. The carry-less product is
// taken four bits of a at a time, from a table of b's multiples by the
// sixteen polynomials of degree below 4; its terms of degree 32 and up
// are then reduced with the CRC's own byte table, four bytes' worth.
func mulModP(a, b uint32) uint32 {
	var mult [16]uint64
	mult[1] = uint64(b)
	for i := 2; i < 16; i += 2 {
		mult[i] = mult[i/2] << 1
		mult[i+1] = mult[i] ^ uint64(b)
	}
	// In the reflected order, bit 31-i of a and b is the coefficient of
	// x^i: the integer product's bit 62-k is that of x^k.
	var prod uint64
	for shift := 28; shift >= 0; shift -= 4 {
		prod = prod<<4 ^ mult[a>>uint(shift)&15]
	}
	prod <<= 1                               // bit 63-k: x^k
	hi, lo := uint32(prod>>32), uint32(prod) // x^0..x^31; x^32..x^63 as lo(x)*x^32
	for range 4 {
		lo = castagnoli[lo&0xff] ^ lo>>8
	}
	return hi ^ lo
}

// xPow8nTable[j][v] is x^(8*v*256^j) modulo the polynomial, built on first
// use: xPow8n multiplies at most four of them.
var (
	xPow8nOnce  sync.Once
	xPow8nTable [4][256]uint32
)

func buildXPow8n() {
	step := uint32(1) << 23 // x^8
	for j := range xPow8nTable {
		t := &xPow8nTable[j]
		t[0] = 1 << 31 // x^0
		for v := 1; v < 256; v++ {
			t[v] = mulModP(t[v-1], step)
		}
		step = mulModP(t[255], step) // x^(8*256^(j+1))
	}
}

// xPow8n returns x^(8n) modulo the polynomial, for 0 <= n < 2^32: what
// appending n bytes does to a CRC that came before them.
func xPow8n(n int) uint32 {
	xPow8nOnce.Do(buildXPow8n)
	p := uint32(1) << 31 // x^0
	for j := 0; n > 0; j++ {
		if v := n & 0xff; v != 0 {
			p = mulModP(p, xPow8nTable[j][v])
		}
		n >>= 8
	}
	return p
}

// CombineCRC returns the CRC-32C of a followed by b, given crcA of a,
// crcB of b and b's length.
func CombineCRC(crcA, crcB uint32, lenB int) uint32 {
	return mulModP(xPow8n(lenB), crcA) ^ crcB
}

// foldMin is the shortest input folded with carry-less products, where
// the CPU has them (crcfold_amd64.go): below it hash/crc32's CRC32
// instructions are as fast.
const foldMin = 512

// UpdateCRC continues the CRC-32C crc of some bytes with p: the records'
// CRC that WriteHeaderCRC takes is built with it, starting from 0.
func UpdateCRC(crc uint32, p []byte) uint32 { return updateCRC(crc, p) }

// crc32Update is hash/crc32's CRC-32C.
func crc32Update(crc uint32, p []byte) uint32 { return crc32.Update(crc, castagnoli, p) }
