//go:build !amd64

package recordbatch

const canFold = false

// updateCRC is UpdateCRC: hash/crc32 on this architecture.
func updateCRC(crc uint32, p []byte) uint32 { return crc32Update(crc, p) }

// copyCRC copies src to dst, which must be as long, and returns crc
// continued with src.
func copyCRC(dst, src []byte, crc uint32) uint32 {
	copy(dst, src)
	return crc32Update(crc, src)
}
