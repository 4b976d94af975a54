//go:build !amd64

package recordbatch

const canFold = false

// updateCRC is UpdateCRC: hash/crc32 on this architecture.
func updateCRC(crc uint32, p []byte) uint32 { return crc32Update(crc, p) }
