package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	roles := flag.Int("roles", 6, "roles to print, busiest first")
	states := flag.Int("states", 6, "states to print per role, longest first")
	wakers := flag.Int("wakers", 4, "wakers to print per role, by the time their wakes waited")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: tracestates [flags] TRACE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *roles, *states, *wakers); err != nil {
		fmt.Fprintln(os.Stderr, "tracestates:", err)
		os.Exit(1)
	}
}

// run summarizes the trace at path and prints it.
func run(path string, roles, states, wakers int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	s, err := Summarize(f)
	_ = f.Close() // read only: nothing to lose
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s.Print(os.Stdout, roles, states, wakers)
	return nil
}
