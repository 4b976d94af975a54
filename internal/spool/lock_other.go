//go:build !unix

package spool

import (
	"errors"
	"os"
)

func tryLock(f *os.File) (bool, error) {
	return false, errors.New("spool directories need file locks (flock), which this platform lacks")
}
