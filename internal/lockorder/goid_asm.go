//go:build race && (amd64 || arm64)

package lockorder

// getg returns the address of the calling goroutine's runtime g, which
// identifies the goroutine while it runs (g_amd64.s, g_arm64.s).
func getg() uintptr

// goid identifies the calling goroutine.
func goid() uintptr { return getg() }
