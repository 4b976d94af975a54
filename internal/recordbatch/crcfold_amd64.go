package recordbatch

// The CRC-32C of long byte strings folded with carry-less multiplication
// (AVX-512 VPCLMULQDQ), 256 bytes at a time in four 512-bit registers,
// where the CPU has it: about four times what the CRC32 instruction does
// (hash/crc32), which on these CPUs reads 8 bytes a cycle at most.
//
// Each 128-bit lane of the registers holds a polynomial; moving it 256
// bytes further along the message is multiplying it by x^2048 modulo the
// CRC's polynomial P, which two carry-less products with constants do
// (foldConstants). After the last block the four registers are folded
// into one the same way, and its four lanes into one, which, taken as a
// message of 16 bytes, is congruent to the blocks modulo P: its CRC from
// a zero register is the blocks' CRC, which the CRC32 instruction takes.
// hash/crc32 does the bytes after the last 64-byte block.

//go:noescape
func foldCRC32C(init uint32, p *byte, blocks int, k *[16]uint64) uint32

//go:noescape
func copyFoldCRC32C(init uint32, dst, src *byte, blocks int, k *[16]uint64) uint32

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax uint32)

var (
	canFold = hasAVX512CLMUL()
	foldK   = foldTable()
)

// foldTable returns the multipliers foldCRC32C takes: moving a lane 256
// bytes along; 192, 128 and 64; then, per lane of one register, 48, 32
// and 16 bytes, and none for the last lane.
func foldTable() (k [16]uint64) {
	for i, bytes := range []int{256, 192, 128, 64, 48, 32, 16} {
		c := foldConstants(bytes * 8)
		k[2*i], k[2*i+1] = c[0], c[1]
	}
	return k
}

// hasAVX512CLMUL reports whether the CPU has every instruction set
// crc_amd64.s uses and the OS saves the registers they use.
func hasAVX512CLMUL() bool { return foldSupported(cpuid, xgetbv) }

// foldSupported is hasAVX512CLMUL with the CPUID and XGETBV instructions
// passed in, so that tests can present other CPUs. Besides AVX-512F and
// VPCLMULQDQ the folds use AVX2 (VEXTRACTI128, VPXOR on YMM registers)
// and SSE4.2 (CRC32), which a hypervisor may hide; AVX-512VL, which
// every CPU with VPCLMULQDQ has, is required as well, for EVEX
// instructions on XMM and YMM registers.
func foldSupported(cpuid func(eax, ecx uint32) (uint32, uint32, uint32, uint32), xgetbv func() uint32) bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const sse42, osxsave, avx = 1 << 20, 1 << 27, 1 << 28
	if ecx1&(sse42|osxsave|avx) != sse42|osxsave|avx {
		return false
	}
	// XCR0: SSE, AVX, opmask, the ZMM upper halves and ZMM16-31.
	if xcr0 := xgetbv(); xcr0&0xe6 != 0xe6 {
		return false
	}
	_, ebx7, ecx7, _ := cpuid(7, 0)
	const avx2, avx512f, avx512vl, vpclmulqdq = 1 << 5, 1 << 16, 1 << 31, 1 << 10
	return ebx7&(avx2|avx512f|avx512vl) == avx2|avx512f|avx512vl && ecx7&vpclmulqdq != 0
}

// updateCRC is UpdateCRC: folded for long inputs where the CPU allows.
func updateCRC(crc uint32, p []byte) uint32 {
	if !canFold || len(p) < foldMin {
		return crc32Update(crc, p)
	}
	blocks := len(p) / 64
	crc = ^foldCRC32C(^crc, &p[0], blocks, &foldK)
	return crc32Update(crc, p[blocks*64:])
}

// foldCopy copies src to dst, which must be as long and of at least
// foldMin bytes, and continues crc with src's 64-byte blocks, in one pass
// over them. It returns the CRC and how many bytes it covers.
func foldCopy(dst, src []byte, crc uint32) (uint32, int) {
	_ = dst[len(src)-1]
	n := len(src) &^ 63
	crc = ^copyFoldCRC32C(^crc, &dst[0], &src[0], n/64, &foldK)
	copy(dst[n:], src[n:])
	return crc, n
}

// foldConstants returns the multipliers that move a 128-bit lane d bits
// along the message, as foldCRC32C's lanes take them: the lane's low
// quadword holds the polynomial's terms of higher degree, so it is
// multiplied by x^(d+64), its high quadword by x^d, each modulo P. A
// carry-less product of two 64-bit reflected values comes out one bit
// short of a 128-bit reflected value (bit 127 is always zero), which
// taking one x off each multiplier makes up for: x^(d+63) and x^(d-1).
// Each is placed in the quadword's high half, where its x^0 lands on bit
// 63.
func foldConstants(d int) [2]uint64 {
	return [2]uint64{uint64(xPow(d+63)) << 32, uint64(xPow(d-1)) << 32}
}

// xPow returns x^n modulo P, reflected as mulModP takes it.
func xPow(n int) uint32 {
	p, sq := uint32(1)<<31, uint32(1)<<30 // x^0, x^1
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			p = mulModP(p, sq)
		}
		sq = mulModP(sq, sq)
	}
	return p
}
