//go:build amd64 && linux

package recordbatch

import (
	"bytes"
	"hash/crc32"
	"math/rand/v2"
	"syscall"
	"testing"
)

// guardedPages maps n bytes of pages (n a multiple of the page size)
// between two inaccessible pages: a read or write just before or after
// the returned slice faults.
func guardedPages(t *testing.T, n int) []byte {
	t.Helper()
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, n+2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mprotect(mem[page+n:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	return mem[page : page+n : page+n]
}

// TestFoldAtPageBoundaries: the CRC functions and the fused copy read
// nothing before or after their source and write nothing outside their
// destination: sources and destinations that end exactly at, or start
// exactly after, an inaccessible page, for every length up to 1100 and
// some longer ones, would fault otherwise. Results are checked against
// hash/crc32.
func TestFoldAtPageBoundaries(t *testing.T) {
	page := syscall.Getpagesize()
	size := (70000 + page - 1) / page * page
	src, dst := guardedPages(t, size), guardedPages(t, size)
	rng := rand.New(rand.NewPCG(31, 32))
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	var lengths []int
	for n := range 1101 {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 4095, 4096, 4097, 8191, 8192, 10240, 65535, 65536, size-1, size)
	for _, n := range lengths {
		for _, at := range []int{0, size - n} { // after the leading guard page, before the trailing one
			s, d := src[at:at+n:at+n], dst[at:at+n:at+n]
			init := rng.Uint32()
			if got, want := UpdateCRC(init, s), crc32.Update(init, kafkaCRC, s); got != want {
				t.Fatalf("UpdateCRC len %d at %d: %08x, want %08x", n, at, got, want)
			}
			if !canFold {
				continue
			}
			if blocks := n / 64; blocks >= 4 {
				// The whole blocks alone, ending at the page when at > 0.
				bs, bd := src[at+n-blocks*64:at+n], dst[at+n-blocks*64:at+n]
				want := crc32.Update(init, kafkaCRC, bs)
				if got := ^foldCRC32C(^init, &bs[0], blocks, &foldK); got != want {
					t.Fatalf("foldCRC32C %d blocks at %d: %08x, want %08x", blocks, at, got, want)
				}
				clear(bd)
				if got := ^copyFoldCRC32C(^init, &bd[0], &bs[0], blocks, &foldK); got != want || !bytes.Equal(bd, bs) {
					t.Fatalf("copyFoldCRC32C %d blocks at %d: %08x, want %08x, or the copy differs", blocks, at, got, want)
				}
			}
			if n >= foldMin {
				clear(d)
				crc, k := foldCopy(d, s, init)
				if want := crc32.Update(init, kafkaCRC, s[:k]); k != n&^63 || crc != want || !bytes.Equal(d, s) {
					t.Fatalf("foldCopy len %d at %d: %08x over %d bytes, want %08x over %d, or the copy differs", n, at, crc, k, want, n&^63)
				}
			}
		}
	}
}

// TestAppendRecordBodyCRCAtPageBoundary: a record whose value ends at an
// inaccessible page is appended, with a running CRC, into a buffer that
// ends at one, folding on and off.
func TestAppendRecordBodyCRCAtPageBoundary(t *testing.T) {
	page := syscall.Getpagesize()
	size := 17 * page
	src, dst := guardedPages(t, size), guardedPages(t, size)
	rng := rand.New(rand.NewPCG(33, 34))
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	for _, fold := range []bool{false, true} {
		func() {
			defer SetFolding(SetFolding(fold))
			for _, n := range []int{0, 1, 63, 64, 65, 511, 512, 513, 575, 576, 1023, 1024, 4095, 8191, 8192, 10240, 65536} {
				value := src[size-n:]
				key := src[:rng.IntN(40)]
				body := RecordBodySize(5, 1, key, value, nil)
				total := SizeWithPrefix(body)
				buf := dst[size-total : size-total : size]
				got, done, crc := AppendRecordBodyCRC(buf, 0, 0, body, 5, 1, key, value, nil)
				want := AppendRecord(nil, 5, 1, key, value, nil)
				if !bytes.Equal(got, want) || &got[0] != &dst[size-total] {
					t.Fatalf("folding %v, value %d: bytes differ or the buffer moved", fold, n)
				}
				if c, w := crc32.Update(crc, kafkaCRC, got[done:]), crc32.Checksum(want, kafkaCRC); c != w {
					t.Fatalf("folding %v, value %d: CRC %08x, want %08x", fold, n, c, w)
				}
			}
		}()
	}
}
