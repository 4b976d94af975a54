package prereq

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Linux system calls that syscall does not name (the same numbers on
// every architecture since Linux 5.3 and 5.6).
const (
	sysPidfdOpen  = 434
	sysPidfdGetfd = 438
)

// goCommandStdout returns the standard output of the go command that runs
// this test binary, or nil when the parent is not the go command, or its
// standard output is this binary's own (go test streams it then), or it
// cannot be reached without garbling it.
func goCommandStdout() *os.File {
	ppid := os.Getppid()
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/comm")
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return nil
	}
	theirs := "/proc/" + strconv.Itoa(ppid) + "/fd/1"
	var mine, their syscall.Stat_t
	if syscall.Fstat(1, &mine) == nil && syscall.Stat(theirs, &their) == nil && mine.Dev == their.Dev && mine.Ino == their.Ino {
		return nil
	}
	// pidfd_getfd shares the go command's open file, offset included, so
	// that a line written to a log file is not overwritten by the go
	// command's next write. It needs ptrace rights over the parent.
	if pidfd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(ppid), 0, 0); errno == 0 {
		fd, _, errno := syscall.Syscall(sysPidfdGetfd, pidfd, 1, 0)
		_ = syscall.Close(int(pidfd))
		if errno == 0 {
			return os.NewFile(fd, "go command stdout")
		}
	}
	// Opening the descriptor by name is safe for a pipe or a terminal; a
	// regular file would be opened anew, at another offset.
	if their.Mode&syscall.S_IFMT != syscall.S_IFIFO && their.Mode&syscall.S_IFMT != syscall.S_IFCHR {
		return nil
	}
	f, err := os.OpenFile(theirs, os.O_WRONLY, 0)
	if err != nil {
		return nil
	}
	return f
}
