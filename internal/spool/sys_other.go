//go:build !linux

package spool

import "os"

func datasync(f *os.File) error { return f.Sync() }

func fallocate(f *os.File, size int64) error { return nil }

// bootID is unknown off Linux: recovery then assumes the worst, that the
// operating system may have restarted.
func bootID() string { return "" }
