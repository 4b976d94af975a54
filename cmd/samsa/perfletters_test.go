package main

import (
	"bytes"
	"testing"
)

// TestPerfFillLetters checks the values samsa perf makes for each record:
// every length filled with letters A-Z only, each letter near 1/26 of
// them, goroutines with streams of their own, no allocation.
func TestPerfFillLetters(t *testing.T) {
	src := newLetterSource(0)
	for n := 0; n <= 17; n++ {
		b := bytes.Repeat([]byte{0}, n+1)
		fillLetters(src, b[:n])
		if b[n] != 0 {
			t.Fatalf("length %d: wrote past the end", n)
		}
		if len(bytes.Trim(b[:n], "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) > 0 {
			t.Fatalf("length %d: %q, want letters A-Z", n, b[:n])
		}
	}
	var count [256]int
	b := make([]byte, 26*10000)
	fillLetters(src, b)
	for _, c := range b {
		count[c]++
	}
	for c := 'A'; c <= 'Z'; c++ {
		if n := count[c]; n < 9000 || n > 11000 {
			t.Errorf("letter %c: %d of %d, want about 10000", c, n, len(b))
		}
	}
	x, y := make([]byte, 64), make([]byte, 64)
	fillLetters(newLetterSource(1), x)
	fillLetters(newLetterSource(2), y)
	if bytes.Equal(x, y) {
		t.Errorf("goroutines 1 and 2 made the same value %q", x)
	}
	v := make([]byte, 1000)
	if a := testing.AllocsPerRun(100, func() { fillLetters(src, v) }); a != 0 {
		t.Errorf("fillLetters: %v allocations per value, want 0", a)
	}
}
