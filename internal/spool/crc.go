package spool

// CRC-32C combination: the CRC of a concatenation from the CRCs of its
// parts, so that a batch's bytes, whose CRC the batch header already
// carries, are not read a second time when their frame is written. The
// method is zlib's crc32_combine (multiplication modulo the polynomial,
// with a table of x^(2^n)), for the reflected Castagnoli polynomial.

// castagnoliReflected is the Castagnoli polynomial, bit-reversed, x^32
// implied.
const castagnoliReflected = 0x82f63b78

// multModP multiplies a and b modulo the polynomial.
func multModP(a, b uint32) uint32 {
	m := uint32(1) << 31
	var p uint32
	for {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				return p
			}
		}
		m >>= 1
		if b&1 != 0 {
			b = b>>1 ^ castagnoliReflected
		} else {
			b >>= 1
		}
	}
}

// x2nTable[n] is x^(2^n) modulo the polynomial.
var x2nTable = func() [32]uint32 {
	var t [32]uint32
	p := uint32(1) << 30 // x^1
	t[0] = p
	for n := 1; n < 32; n++ {
		p = multModP(p, p)
		t[n] = p
	}
	return t
}()

// x2nModP returns x^(n * 2^k) modulo the polynomial.
func x2nModP(n int64, k uint) uint32 {
	p := uint32(1) << 31 // x^0
	for n != 0 {
		if n&1 != 0 {
			p = multModP(x2nTable[k&31], p)
		}
		n >>= 1
		k++
	}
	return p
}

// crcCombine returns the CRC-32C of A followed by B from crcA, crcB and
// the length of B.
func crcCombine(crcA, crcB uint32, lenB int64) uint32 {
	return multModP(x2nModP(lenB, 3), crcA) ^ crcB
}
