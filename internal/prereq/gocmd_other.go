//go:build !linux

package prereq

import "os"

// goCommandStdout returns nil: only Linux lets a test binary reach the go
// command's output; elsewhere the report is seen with -v.
func goCommandStdout() *os.File { return nil }
