//go:build !amd64 && !arm64

package goid

import "runtime"

// Current identifies the calling goroutine by the id on the first line of its
// stack trace ("goroutine 123 [running]:"): slower than reading the g
// register, as the amd64 and arm64 builds do.
func Current() uintptr {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = b[len("goroutine "):]
	var id uintptr
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uintptr(c-'0')
	}
	return id
}
