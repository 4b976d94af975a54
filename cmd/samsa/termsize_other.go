//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "os"

// terminalWidth returns 0: the width is not known here, and $COLUMNS or
// 80 columns are assumed.
func terminalWidth(*os.File) int { return 0 }
