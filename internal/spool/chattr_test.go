package spool

import (
	"fmt"
	"os/exec"
)

// chattr sets or clears the immutable attribute of path, which even root
// cannot write through.
func chattr(path string, immutable bool) error {
	flag := "-i"
	if immutable {
		flag = "+i"
	}
	out, err := exec.Command("chattr", flag, path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("chattr %s %s: %v: %s", flag, path, err, out)
	}
	return nil
}
