package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// termWriter draws a one-line status on a terminal and lets other output
// through without mixing the two.
type termWriter struct {
	mu    sync.Mutex
	w     io.Writer
	shown bool // a status line is on screen
}

// status replaces the status line with line.
func (t *termWriter) status(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprint(t.w, "\r\033[K"+line)
	t.shown = true
}

// clearThen removes the status line, runs print, and leaves the line for
// the next status to redraw.
func (t *termWriter) clearThen(print func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shown {
		fmt.Fprint(t.w, "\r\033[K")
		t.shown = false
	}
	print()
}

// finish ends the status line, keeping it on screen.
func (t *termWriter) finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shown {
		fmt.Fprintln(t.w)
		t.shown = false
	}
}

// progressBar draws a perf run's progress: bar, count, rate, ETA.
type progressBar struct {
	total int64
	term  *termWriter
	stats *perfStats
}

const barWidth = 30

func (b *progressBar) draw(now time.Time) {
	ok, failed, bytes := b.stats.counts()
	done := ok + failed
	b.term.status(progressLine(done, b.total, bytes, now.Sub(b.stats.start)))
}

// progressLine formats "[=====>    ]  45% 225000/500000  150.2k rec/s
// 14.3 MB/s  ETA 2s".
func progressLine(done, total, bytes int64, elapsed time.Duration) string {
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	filled := int(frac * barWidth)
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	secs := elapsed.Seconds()
	rate, mb := 0.0, 0.0
	if secs > 0 {
		rate, mb = float64(done)/secs, float64(bytes)/secs/(1024*1024)
	}
	eta := "--"
	if rate > 0 && done < total {
		eta = (time.Duration(float64(total-done) / rate * float64(time.Second))).Round(time.Second).String()
	} else if done >= total {
		eta = "0s"
	}
	return fmt.Sprintf("[%s] %3.0f%% %d/%d  %s rec/s  %.1f MB/s  ETA %s", bar, frac*100, done, total, humanRate(rate), mb, eta)
}

// humanRate formats 152345.6 as "152.3k".
func humanRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2fM", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}
