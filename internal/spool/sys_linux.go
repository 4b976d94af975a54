package spool

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// retryFd runs a system call on f's descriptor, again while it is
// interrupted.
func retryFd(f *os.File, call func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for serr = call(int(fd)); serr == syscall.EINTR; serr = call(int(fd)) {
		}
	}); err != nil {
		return err
	}
	return serr
}

// datasync flushes f's data and the metadata needed to read it back
// (fdatasync(2)).
func datasync(f *os.File) error {
	if err := retryFd(f, syscall.Fdatasync); err != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
	}
	return nil
}

// fallocate reserves disk blocks for the first size bytes of f without
// changing its length (fallocate(2) with FALLOC_FL_KEEP_SIZE). File
// systems without it (tmpfs before 3.5, some network file systems) are
// not an error.
func fallocate(f *os.File, size int64) error {
	const keepSize = 0x01
	err := retryFd(f, func(fd int) error { return syscall.Fallocate(fd, keepSize, 0, size) })
	if errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.ENODEV) {
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "fallocate", Path: f.Name(), Err: err}
	}
	return nil
}

// bootID identifies the running kernel's boot, so that recovery can tell
// a process crash (the page cache survived) from an operating system
// restart (it did not). Empty when unknown.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
