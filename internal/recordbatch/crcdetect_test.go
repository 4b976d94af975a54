//go:build amd64

package recordbatch

import "testing"

// fakeCPU answers CPUID and XGETBV as a CPU with the given feature bits
// would.
type fakeCPU struct {
	maxLeaf, ecx1, ebx7, ecx7, xcr0 uint32
}

func (c fakeCPU) cpuid(eax, _ uint32) (uint32, uint32, uint32, uint32) {
	switch eax {
	case 0:
		return c.maxLeaf, 0, 0, 0
	case 1:
		return 0, 0, c.ecx1, 0
	case 7:
		return 0, c.ebx7, c.ecx7, 0
	}
	return 0, 0, 0, 0
}

func (c fakeCPU) xgetbv() uint32 { return c.xcr0 }

// TestFoldDetectionRequiresEveryInstructionSet: folding is enabled only on
// a CPU that has every instruction set crc_amd64.s uses, and an OS that
// saves the registers: besides AVX-512F and VPCLMULQDQ, AVX2
// (VEXTRACTI128, VPXOR on YMM), SSE4.2 (CRC32) and AVX-512VL (EVEX on
// XMM and YMM). A hypervisor may hide any of them; an instruction the
// CPU lacks is a SIGILL in the producer.
func TestFoldDetectionRequiresEveryInstructionSet(t *testing.T) {
	full := fakeCPU{
		maxLeaf: 7,
		ecx1:    1<<20 | 1<<27 | 1<<28,            // SSE4.2, OSXSAVE, AVX
		ebx7:    1<<5 | 1<<16 | 1<<31,             // AVX2, AVX-512F, AVX-512VL
		ecx7:    1 << 10,                          // VPCLMULQDQ
		xcr0:    1<<1 | 1<<2 | 1<<5 | 1<<6 | 1<<7, // SSE, AVX, opmask, ZMM0-15 upper, ZMM16-31
	}
	if !foldSupported(full.cpuid, full.xgetbv) {
		t.Fatal("a CPU with every feature does not fold")
	}
	for _, c := range []struct {
		name string
		cpu  func(*fakeCPU)
	}{
		{"max leaf 6", func(c *fakeCPU) { c.maxLeaf = 6 }},
		{"SSE4.2", func(c *fakeCPU) { c.ecx1 &^= 1 << 20 }},
		{"OSXSAVE", func(c *fakeCPU) { c.ecx1 &^= 1 << 27 }},
		{"AVX", func(c *fakeCPU) { c.ecx1 &^= 1 << 28 }},
		{"AVX2", func(c *fakeCPU) { c.ebx7 &^= 1 << 5 }},
		{"AVX-512F", func(c *fakeCPU) { c.ebx7 &^= 1 << 16 }},
		{"AVX-512VL", func(c *fakeCPU) { c.ebx7 &^= 1 << 31 }},
		{"VPCLMULQDQ", func(c *fakeCPU) { c.ecx7 &^= 1 << 10 }},
		{"XCR0 SSE", func(c *fakeCPU) { c.xcr0 &^= 1 << 1 }},
		{"XCR0 AVX", func(c *fakeCPU) { c.xcr0 &^= 1 << 2 }},
		{"XCR0 opmask", func(c *fakeCPU) { c.xcr0 &^= 1 << 5 }},
		{"XCR0 ZMM_Hi256", func(c *fakeCPU) { c.xcr0 &^= 1 << 6 }},
		{"XCR0 Hi16_ZMM", func(c *fakeCPU) { c.xcr0 &^= 1 << 7 }},
	} {
		cpu := full
		c.cpu(&cpu)
		if foldSupported(cpu.cpuid, cpu.xgetbv) {
			t.Errorf("folding enabled without %s", c.name)
		}
	}
	t.Logf("this CPU folds: %v", foldSupported(cpuid, xgetbv))
}
