//go:build !amd64

package recordbatch

const canFold = false

// updateCRC is UpdateCRC: hash/crc32 on this architecture.
func updateCRC(crc uint32, p []byte) uint32 { return crc32Update(crc, p) }

// foldCopy is never called where canFold is false.
func foldCopy(dst, src []byte, crc uint32) (uint32, int) {
	panic("recordbatch: no folding on this architecture")
}
