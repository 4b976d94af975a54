package spool

import (
	"io"
	"os"
)

// file is what the log needs of a segment file; *os.File has it. Tests
// substitute files that fail on demand.
type file interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
	Close() error
	Name() string
}

// fsys opens and syncs files; the zero value uses the operating system.
// Tests set its functions to inject faults.
type fsys struct {
	open     func(name string, flag int, perm os.FileMode) (file, error)
	sync     func(f file) error
	allocate func(f file, size int64) error
}

func (s *fsys) openFile(name string, flag int, perm os.FileMode) (file, error) {
	if s.open != nil {
		return s.open(name, flag, perm)
	}
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// syncData makes f's written data durable (fdatasync where there is one).
func (s *fsys) syncData(f file) error {
	if s.sync != nil {
		return s.sync(f)
	}
	if of, ok := f.(*os.File); ok {
		return datasync(of)
	}
	return nil
}

// preallocate reserves size bytes of disk for f, so that writes within
// them do not fail for lack of space. Where the system cannot, it does
// nothing.
func (s *fsys) preallocate(f file, size int64) error {
	if s.allocate != nil {
		return s.allocate(f, size)
	}
	if of, ok := f.(*os.File); ok {
		return fallocate(of, size)
	}
	return nil
}

// syncDir makes a directory's entries (files created, removed, renamed)
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
