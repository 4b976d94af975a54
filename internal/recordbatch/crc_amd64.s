#include "textflag.h"

// LOAD_Z0_Z3 loads the first 256 bytes at SI into Z0-Z3.
#define LOAD_Z0_Z3 \
	VMOVDQU64 0(SI), Z0;   \
	VMOVDQU64 64(SI), Z1;  \
	VMOVDQU64 128(SI), Z2; \
	VMOVDQU64 192(SI), Z3

// MUL_256 multiplies the lanes of Z0-Z3 by the 256-byte fold's
// multipliers in Z5: the low quadwords' products go to Z6-Z9, the high
// ones' replace Z0-Z3, for the XOR with the next 256 bytes.
#define MUL_256 \
	VPCLMULQDQ $0x00, Z5, Z0, Z6; \
	VPCLMULQDQ $0x11, Z5, Z0, Z0; \
	VPCLMULQDQ $0x00, Z5, Z1, Z7; \
	VPCLMULQDQ $0x11, Z5, Z1, Z1; \
	VPCLMULQDQ $0x00, Z5, Z2, Z8; \
	VPCLMULQDQ $0x11, Z5, Z2, Z2; \
	VPCLMULQDQ $0x00, Z5, Z3, Z9; \
	VPCLMULQDQ $0x11, Z5, Z3, Z3

// FOLD_ONTO_Z3 folds Z0, Z1 and Z2 onto Z3, moving them 192, 128 and 64
// bytes along (the multipliers at 16, 32 and 48(DX)); it leaves the
// 64-byte fold's multiplier broadcast in Z5.
#define FOLD_ONTO_Z3 \
	VBROADCASTI32X4 16(DX), Z5;        \
	VPCLMULQDQ      $0x00, Z5, Z0, Z6; \
	VPCLMULQDQ      $0x11, Z5, Z0, Z0; \
	VPTERNLOGQ      $0x96, Z6, Z0, Z3; \
	VBROADCASTI32X4 32(DX), Z5;        \
	VPCLMULQDQ      $0x00, Z5, Z1, Z6; \
	VPCLMULQDQ      $0x11, Z5, Z1, Z1; \
	VPTERNLOGQ      $0x96, Z6, Z1, Z3; \
	VBROADCASTI32X4 48(DX), Z5;        \
	VPCLMULQDQ      $0x00, Z5, Z2, Z6; \
	VPCLMULQDQ      $0x11, Z5, Z2, Z2; \
	VPTERNLOGQ      $0x96, Z6, Z2, Z3

// FOLD_LANES_CRC moves Z3's lanes 0, 1 and 2 48, 32 and 16 bytes along,
// onto lane 3 (whose multipliers, at 64(DX), are zero), clears the upper
// register state and leaves in AX the CRC32 instruction's CRC, from a
// zero register, of the 16 bytes left.
#define FOLD_LANES_CRC \
	VMOVDQU64     64(DX), Z5;        \
	VPCLMULQDQ    $0x00, Z5, Z3, Z6; \
	VPCLMULQDQ    $0x11, Z5, Z3, Z7; \
	VPXORQ        Z6, Z7, Z6;        \
	VEXTRACTI32X4 $3, Z3, X8;        \
	VEXTRACTI64X4 $1, Z6, Y7;        \
	VPXOR         Y7, Y6, Y6;        \
	VEXTRACTI128  $1, Y6, X7;        \
	VPXOR         X7, X6, X6;        \
	VPXOR         X8, X6, X6;        \
	VMOVQ         X6, BX;            \
	VPEXTRQ       $1, X6, R8;        \
	VZEROUPPER;                      \
	XORL          AX, AX;            \
	CRC32Q        BX, AX;            \
	CRC32Q        R8, AX

// func foldCRC32C(init uint32, p *byte, blocks int, k *[16]uint64) uint32
//
// Returns the raw (uninverted) CRC-32C register after blocks 64-byte
// blocks at p (at least 4), started from the raw register init: init is
// XORed into the first four bytes, and the bytes folded 256 at a time in
// four 512-bit registers, then into one, 64 at a time, then its four
// 128-bit lanes into one, whose 16 bytes the CRC32 instruction finishes
// (crcfold_amd64.go explains the folding and k). Requires what
// foldSupported checks: AVX-512F, AVX-512VL, VPCLMULQDQ, AVX2 and SSE4.2.
TEXT ·foldCRC32C(SB), NOSPLIT, $0-36
	MOVL init+0(FP), AX
	MOVQ p+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ k+24(FP), DX

	LOAD_Z0_Z3
	VMOVD     AX, X4
	VPXORQ    Z4, Z0, Z0
	ADDQ      $256, SI
	SUBQ      $4, CX

	// 256 bytes at a time.
	VBROADCASTI32X4 0(DX), Z5

loop256:
	CMPQ       CX, $4
	JB         fold4
	MUL_256
	VPTERNLOGQ $0x96, 0(SI), Z6, Z0
	VPTERNLOGQ $0x96, 64(SI), Z7, Z1
	VPTERNLOGQ $0x96, 128(SI), Z8, Z2
	VPTERNLOGQ $0x96, 192(SI), Z9, Z3
	ADDQ       $256, SI
	SUBQ       $4, CX
	JMP        loop256

fold4:
	FOLD_ONTO_Z3

	// 64 bytes at a time (Z5 is still the 64-byte fold).
loop64:
	TESTQ      CX, CX
	JZ         fold1
	VPCLMULQDQ $0x00, Z5, Z3, Z6
	VPCLMULQDQ $0x11, Z5, Z3, Z3
	VPTERNLOGQ $0x96, 0(SI), Z6, Z3
	ADDQ       $64, SI
	DECQ       CX
	JMP        loop64

fold1:
	FOLD_LANES_CRC
	MOVL           AX, ret+32(FP)
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-4
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	RET

// func copyFoldCRC32C(init uint32, dst, src *byte, blocks int, k *[16]uint64) uint32
//
// foldCRC32C of the blocks at src that also copies them to dst, from the
// registers they are loaded into: the bytes are read once.
TEXT ·copyFoldCRC32C(SB), NOSPLIT, $0-44
	MOVL init+0(FP), AX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	MOVQ blocks+24(FP), CX
	MOVQ k+32(FP), DX

	LOAD_Z0_Z3
	VMOVDQU64 Z0, 0(DI)
	VMOVDQU64 Z1, 64(DI)
	VMOVDQU64 Z2, 128(DI)
	VMOVDQU64 Z3, 192(DI)
	VMOVD     AX, X4
	VPXORQ    Z4, Z0, Z0
	ADDQ      $256, SI
	ADDQ      $256, DI
	SUBQ      $4, CX

	VBROADCASTI32X4 0(DX), Z5

cloop256:
	CMPQ       CX, $4
	JB         cfold4
	VMOVDQU64  0(SI), Z10
	VMOVDQU64  64(SI), Z11
	VMOVDQU64  128(SI), Z12
	VMOVDQU64  192(SI), Z13
	MUL_256
	VMOVDQU64  Z10, 0(DI)
	VMOVDQU64  Z11, 64(DI)
	VMOVDQU64  Z12, 128(DI)
	VMOVDQU64  Z13, 192(DI)
	VPTERNLOGQ $0x96, Z10, Z6, Z0
	VPTERNLOGQ $0x96, Z11, Z7, Z1
	VPTERNLOGQ $0x96, Z12, Z8, Z2
	VPTERNLOGQ $0x96, Z13, Z9, Z3
	ADDQ       $256, SI
	ADDQ       $256, DI
	SUBQ       $4, CX
	JMP        cloop256

cfold4:
	FOLD_ONTO_Z3

cloop64:
	TESTQ      CX, CX
	JZ         cfold1
	VMOVDQU64  0(SI), Z10
	VMOVDQU64  Z10, 0(DI)
	VPCLMULQDQ $0x00, Z5, Z3, Z6
	VPCLMULQDQ $0x11, Z5, Z3, Z3
	VPTERNLOGQ $0x96, Z10, Z6, Z3
	ADDQ       $64, SI
	ADDQ       $64, DI
	DECQ       CX
	JMP        cloop64

cfold1:
	FOLD_LANES_CRC
	MOVL          AX, ret+40(FP)
	RET
