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

// taintedMark is the lock file's second line once a session could not
// sync: the log it leaves may lack records of sends, and the next session
// must assume any batch may have been sent.
const taintedMark = "sync-failed"

// lockDir takes the directory's lock, or fails with a LockedError. The
// lock file holds the owner's process id, for that error. The returned
// file holds the lock until it is closed (or the process ends); tainted
// reports that the previous owner marked it (taintedMark).
func lockDir(dir string) (*os.File, bool, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, err
	}
	ok, err := tryLock(f)
	if err != nil {
		_ = f.Close()
		return nil, false, err
	}
	if !ok {
		pid := readPID(f)
		_ = f.Close()
		return nil, false, &LockedError{Dir: dir, PID: pid}
	}
	old := make([]byte, 64)
	n, _ := f.ReadAt(old, 0)
	tainted := strings.Contains(string(old[:n]), taintedMark)
	if err := f.Truncate(0); err != nil {
		_ = f.Close()
		return nil, false, err
	}
	content := strconv.Itoa(os.Getpid()) + "\n"
	if tainted {
		content += taintedMark + "\n" // until a session closes cleanly
	}
	if _, err := f.WriteAt([]byte(content), 0); err != nil {
		_ = f.Close()
		return nil, false, err
	}
	return f, tainted, nil
}

// markTainted records in the lock file that this session could not sync.
func markTainted(f *os.File) error {
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"+taintedMark+"\n"), 0)
	return err
}

// clearTainted rewrites the lock file without the mark, at a clean close.
func clearTainted(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
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
