package recordbatch

import "hash/crc32"

// CRC-32C arithmetic that lets a batch's checksum be put together from
// parts computed at different times: the records' CRC while the producer
// writes them (the bytes are in cache then), the header's when the batch
// is sent. Polynomials are in the CRC's reflected bit order: bit 31 is
// the coefficient of x^0, bit 0 that of x^31.

// castagnoliReflected is the Castagnoli polynomial, reflected.
const castagnoliReflected = 0x82f63b78

// xPow2k[k] is x^(2^k) modulo the polynomial.
var xPow2k [64]uint32

func init() {
	p := uint32(1) << 30 // x^1
	for k := range xPow2k {
		xPow2k[k] = p
		p = mulModP(p, p)
	}
}

// mulModP returns a*b modulo the polynomial.
func mulModP(a, b uint32) uint32 {
	var prod uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			prod ^= b
		}
		// b *= x
		if b&1 != 0 {
			b = b>>1 ^ castagnoliReflected
		} else {
			b >>= 1
		}
	}
	return prod
}

// xPow8n returns x^(8n) modulo the polynomial: what appending n bytes
// does to a CRC that came before them.
func xPow8n(n int) uint32 {
	p := uint32(1) << 31 // x^0
	for k := 3; n > 0; k++ {
		if n&1 != 0 {
			p = mulModP(xPow2k[k], p)
		}
		n >>= 1
	}
	return p
}

// CombineCRC returns the CRC-32C of a followed by b, given crcA of a,
// crcB of b and b's length.
func CombineCRC(crcA, crcB uint32, lenB int) uint32 {
	return mulModP(xPow8n(lenB), crcA) ^ crcB
}

// UpdateCRC continues the CRC-32C crc of some bytes with p: the records'
// CRC that WriteHeaderCRC takes is built with it, starting from 0.
func UpdateCRC(crc uint32, p []byte) uint32 { return crc32.Update(crc, castagnoli, p) }
