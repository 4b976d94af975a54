package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// The progress line fits every terminal of 40 columns or more, whatever
// the figures, never touching the last column (which makes terminals
// wrap), and keeps the most useful figures when narrow.
func TestProgressLineFits(t *testing.T) {
	cases := []progress{
		{done: 0, total: 1000, elapsed: 0},
		{done: 250, total: 1000, bytes: 25000, elapsed: 2 * time.Second},
		{done: 123456789, total: 999999999, failed: 12345, bytes: 1 << 40, elapsed: 90 * time.Minute},
		{done: 999999999, total: 999999999, bytes: 1 << 50, elapsed: time.Second},
		{done: 5, total: 0, bytes: 5, elapsed: time.Second},                              // produce: no total
		{done: 123456789012, failed: 99999999, bytes: 1 << 50, elapsed: 100 * time.Hour}, // produce, huge
	}
	for _, p := range cases {
		for width := 40; width <= 240; width++ {
			line := progressLine(p, width)
			if n := len([]rune(line)); n > width-1 {
				t.Fatalf("width %d: %d characters: %q", width, n, line)
			}
			if p.total > 0 && !strings.Contains(line, "%") {
				t.Errorf("width %d: no percentage: %q", width, line)
			}
			if strings.ContainsAny(line, "\n\r") {
				t.Errorf("width %d: line break in %q", width, line)
			}
		}
	}
	if got, want := progressLine(cases[1], 100), "[==========>                             ]  25% 250/1000  125 rec/s  0.0 MB/s  ETA 6s"; got != want {
		t.Errorf("100 columns:\n got %q\nwant %q", got, want)
	}
	if got := progressLine(cases[2], 40); !strings.HasPrefix(got, "[") || !strings.Contains(got, "ETA") {
		t.Errorf("40 columns keeps the bar and the ETA: %q", got)
	}
}

// On a terminal the status line is redrawn in place (carriage return and
// erase) and other output goes above it; elsewhere no status is drawn.
func TestTermWriter(t *testing.T) {
	var b bytes.Buffer
	tw := newTermWriter(&b, true, func() int { return 60 })
	tw.status("one")
	tw.status("two")
	tw.print("a log line\n")
	tw.finish()
	want := "\r\033[Kone\r\033[Ktwo\r\033[Ka log line\ntwo\n"
	if b.String() != want {
		t.Errorf("terminal output %q, want %q", b.String(), want)
	}
	b.Reset()
	tw = newTermWriter(&b, false, nil)
	tw.status("one")
	tw.print("a log line\n")
	tw.finish()
	if b.String() != "a log line\n" {
		t.Errorf("non-terminal output %q, want only the log line", b.String())
	}
}

func TestPlainProgress(t *testing.T) {
	got := plainProgress("samsa perf", progress{done: 500, total: 1000, bytes: 1 << 20, elapsed: time.Second})
	want := "samsa perf: 50%, 500 of 1000 records delivered, 500 rec/s, 1.0 MB/s, ETA 1s\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = plainProgress("samsa produce", progress{done: 7, failed: 1, elapsed: 2 * time.Second})
	if want := "samsa produce: 7 records delivered, 1 failed in 2.0s, 4 rec/s, 0.0 MB/s\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
