package recordbatch

import "testing"

// TestWithoutFolding runs the CRC tests as on a CPU without AVX-512:
// hash/crc32 alone, and nothing hashed as records are appended.
func TestWithoutFolding(t *testing.T) {
	defer func(c bool) { canFold = c }(canFold)
	canFold = false
	t.Run("UpdateCRC", TestUpdateCRCMatchesHashCRC32)
	t.Run("AppendRecordBodyCRC", TestAppendRecordBodyCRC)
}
