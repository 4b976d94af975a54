//go:build !amd64

package recordbatch

// SetFolding reports false: nothing folds on this architecture (see the
// amd64 version).
func SetFolding(bool) bool { return false }
