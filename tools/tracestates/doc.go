// Command tracestates sums a Go execution trace by goroutine role, the
// function a goroutine started in: how long the role's goroutines ran,
// sat in system calls, waited for a processor (runnable) and were blocked,
// and for each reason; which code woke them, and how long they then waited
// to run.
//
// CPU, block and mutex profiles say where a program spends processor time
// and where it blocks; they do not say how long a woken goroutine waited
// for a processor, which on a machine with few cores can be a stage's
// largest cost (BENCHMARKS.md, "Where each stage's time goes"). For
// samsa's benchmark contestant:
//
//	BENCH_TRACE=/tmp/run.trace /tmp/samsa-contestant -brokers ADDR -n 300000 -size 10240
//	cd tools/tracestates && go run . /tmp/run.trace
//
// It is a module of its own so that golang.org/x/exp, whose trace parser it
// uses, stays out of the core module's go.mod.
package main
