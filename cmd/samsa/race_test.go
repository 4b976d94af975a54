//go:build race

package main

// With go test -race the samsa binary under test is built with -race too.
func init() { buildFlags = append(buildFlags, "-race") }
