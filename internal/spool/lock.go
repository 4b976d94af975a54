package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockName is the lock file in a spool directory.
const lockName = "LOCK"

// ErrLocked is returned by Open when another producer owns the directory.
var ErrLocked = errors.New("spool directory in use")

// LockedError reports a spool directory owned by another producer.
type LockedError struct {
	Dir string
	PID int // the owner's process id as it wrote it, 0 if unknown
}

func (e *LockedError) Error() string {
	owner := "another producer"
	if e.PID > 0 {
		owner = fmt.Sprintf("another producer (process %d)", e.PID)
	}
	if e.PID == os.Getpid() {
		owner = "another producer in this process"
	}
	return fmt.Sprintf("spool directory %s is in use by %s: only one producer may own a spool directory at a time", e.Dir, owner)
}

// Is matches ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// lockDir takes the directory's lock, or fails with a LockedError. The
// lock file holds the owner's process id, for that error. The returned
// file holds the lock until it is closed (or the process ends).
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	ok, err := tryLock(f)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if !ok {
		pid := readPID(f)
		_ = f.Close()
		return nil, &LockedError{Dir: dir, PID: pid}
	}
	if err := f.Truncate(0); err != nil {
		_ = f.Close()
		return nil, err
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

func readPID(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil {
		return 0
	}
	return pid
}
