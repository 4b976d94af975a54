package accumulator

import (
	"testing"
	"unsafe"

	"github.com/samsa-go/samsa/internal/lockorder"
)

// TestPartitionLayout checks what the comments on Partition and Batch
// promise: the fields every append touches lie in one cache line of a
// Partition and in the first two lines of a Batch, and both structs have
// sizes the allocator places at multiples of 64 bytes. (Sizes differ in
// the race-enabled build, whose mutexes are larger.)
func TestPartitionLayout(t *testing.T) {
	if lockorder.Enabled {
		t.Skip("layout is checked in the build without -race")
	}
	var p Partition
	// 256 is a size class whose objects start at multiples of 64 bytes
	// (the classes below it are 240 and 224).
	if s := unsafe.Sizeof(p); s <= 240 || s > 256 {
		t.Errorf("Partition is %d bytes, want 241-256 (the 256-byte size class): reorder or pad it", s)
	}
	if end := unsafe.Offsetof(p.bufBytes) + unsafe.Sizeof(p.bufBytes); end > 64 || unsafe.Offsetof(p.open) > 64 {
		t.Errorf("Partition's append fields end at byte %d, beyond the first cache line", end)
	}
	var b Batch
	// 448 is a size class whose objects start at multiples of 64 bytes.
	if s := unsafe.Sizeof(b); s <= 416 || s > 448 {
		t.Errorf("Batch is %d bytes, want 417-448 (the 448-byte size class)", s)
	}
	for name, end := range map[string]uintptr{
		"buf": unsafe.Offsetof(b.buf) + unsafe.Sizeof(b.buf), "entries": unsafe.Offsetof(b.entries) + unsafe.Sizeof(b.entries),
		"baseTs": unsafe.Offsetof(b.baseTs) + 8, "maxTs": unsafe.Offsetof(b.maxTs) + 8, "limit": unsafe.Offsetof(b.limit) + 8,
		"bytes": unsafe.Offsetof(b.bytes) + 8, "P": unsafe.Offsetof(b.P) + 8, "crcAppend": unsafe.Offsetof(b.crcAppend) + 1,
	} {
		if end > 128 {
			t.Errorf("Batch.%s ends at byte %d, beyond the first two cache lines", name, end)
		}
	}
}
