package recordbatch

// SetFolding turns off (false) the AVX-512 CRC-32C folding, or turns it
// back on (true) where the CPU has it, and reports whether it was on. It
// is for tests of the path that CPUs without AVX-512 and other
// architectures take; nothing may append or hash meanwhile.
func SetFolding(on bool) bool {
	was := canFold
	canFold = on && hasAVX512CLMUL()
	return was
}
