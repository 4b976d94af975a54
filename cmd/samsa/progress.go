package main

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// termWriter draws a one-line status on a terminal and lets other output
// (log lines, Kafka's lines when stdout is the same terminal) through
// without mixing the two. When the output is not a terminal it draws no
// status at all.
type termWriter struct {
	mu    lockorder.Mutex[lockorder.CLITerm]
	w     io.Writer
	tty   bool
	width func() int // the terminal's columns, asked at each redraw
	shown bool       // a status line is on screen
	last  string     // the status line, redrawn after other output
}

func newTermWriter(w io.Writer, tty bool, width func() int) *termWriter {
	if width == nil {
		width = func() int { return 80 }
	}
	return &termWriter{w: w, tty: tty, width: width}
}

// columns returns the width to draw in: the terminal's, at least 40.
func (t *termWriter) columns() int { return max(t.width(), minColumns) }

// minColumns is the narrowest terminal the status line is made for, and
// minBar the narrowest bar worth drawing.
const (
	minColumns = 40
	minBar     = 8
)

// status replaces the status line with line.
func (t *termWriter) status(line string) {
	if !t.tty {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprint(t.w, "\r\033[K"+line)
	t.shown, t.last = true, line
}

// clearStatus removes the status line.
func (t *termWriter) clearStatus() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLocked()
	t.last = ""
}

func (t *termWriter) clearLocked() {
	if t.shown {
		fmt.Fprint(t.w, "\r\033[K")
		t.shown = false
	}
}

// print writes s (whole lines) above the status line.
func (t *termWriter) print(s string) {
	t.clearThen(func() { _, _ = io.WriteString(t.w, s) })
}

// clearThen removes the status line, runs print, and draws the status
// line again below what print wrote.
func (t *termWriter) clearThen(print func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLocked()
	print()
	if t.last != "" && t.tty {
		fmt.Fprint(t.w, t.last)
		t.shown = true
	}
}

// finish ends the status line, keeping it on screen.
func (t *termWriter) finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shown {
		fmt.Fprintln(t.w)
		t.shown = false
	}
	t.last = ""
}

// progress is what a progress line shows.
type progress struct {
	done, total, failed, bytes int64 // total 0: unknown (produce)
	elapsed                    time.Duration
}

func (p progress) rates() (perSec, mbPerSec float64) {
	if s := p.elapsed.Seconds(); s > 0 {
		return float64(p.done) / s, float64(p.bytes) / s / (1024 * 1024)
	}
	return 0, 0
}

// eta is the time left at the average rate so far.
func (p progress) eta() string {
	rate, _ := p.rates()
	switch {
	case p.done >= p.total:
		return "0s"
	case rate <= 0:
		return "--"
	}
	return (time.Duration(float64(p.total-p.done) / rate * float64(time.Second))).Round(time.Second).String()
}

// progressLine formats p for a terminal of width columns: a bar when
// there is room, and as many of the figures as fit, never more than
// width-1 characters (the last column would make some terminals wrap).
func progressLine(p progress, width int) string {
	room := max(width, minColumns) - 1
	texts := progressTexts(p)
	for _, t := range texts {
		if bar := room - len(t) - 2; bar >= minBar && p.total > 0 {
			return drawBar(p, min(bar, 40)) + t
		}
	}
	for _, t := range texts {
		if len(t)-1 <= room {
			return strings.TrimPrefix(t, " ")
		}
	}
	t := texts[len(texts)-1]
	return t[:min(len(t), room)]
}

// progressTexts are the figures of a progress line, from the fullest to
// the shortest.
func progressTexts(p progress) []string {
	rate, mb := p.rates()
	failed := ""
	if p.failed > 0 {
		failed = fmt.Sprintf("  %s failed", humanCount(p.failed))
	}
	if p.total <= 0 {
		return []string{
			fmt.Sprintf(" %d records  %s rec/s  %.1f MB/s%s  %s", p.done, humanRate(rate), mb, failed, fmtElapsed(p.elapsed)),
			fmt.Sprintf(" %s records  %s rec/s  %.1f MB/s%s", humanCount(p.done), humanRate(rate), mb, failed),
			fmt.Sprintf(" %s rec  %s rec/s%s", humanCount(p.done), humanRate(rate), failed),
		}
	}
	pct := 100 * min(float64(p.done)/float64(p.total), 1)
	eta := p.eta()
	return []string{
		fmt.Sprintf(" %3.0f%% %d/%d  %s rec/s  %.1f MB/s%s  ETA %s", pct, p.done, p.total, humanRate(rate), mb, failed, eta),
		fmt.Sprintf(" %3.0f%% %s/%s  %s rec/s  %.1f MB/s%s  ETA %s", pct, humanCount(p.done), humanCount(p.total), humanRate(rate), mb, failed, eta),
		fmt.Sprintf(" %3.0f%% %s/%s  %s rec/s%s  ETA %s", pct, humanCount(p.done), humanCount(p.total), humanRate(rate), failed, eta),
		fmt.Sprintf(" %3.0f%%  %s rec/s  ETA %s", pct, humanRate(rate), eta),
		fmt.Sprintf(" %3.0f%%  ETA %s", pct, eta),
	}
}

// drawBar draws "[=====>    ]" with width cells inside the brackets.
func drawBar(p progress, width int) string {
	frac := min(float64(p.done)/float64(p.total), 1)
	filled := int(frac * float64(width))
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	return "[" + bar + "]"
}

// plainProgress is the periodic line written instead when stderr is not
// a terminal.
func plainProgress(cmd string, p progress) string {
	rate, mb := p.rates()
	failed := ""
	if p.failed > 0 {
		failed = fmt.Sprintf(", %d failed", p.failed)
	}
	if p.total <= 0 {
		return fmt.Sprintf("%s: %d records delivered%s in %s, %s rec/s, %.1f MB/s\n",
			cmd, p.done, failed, fmtElapsed(p.elapsed), humanRate(rate), mb)
	}
	return fmt.Sprintf("%s: %.0f%%, %d of %d records delivered%s, %s rec/s, %.1f MB/s, ETA %s\n",
		cmd, 100*min(float64(p.done)/float64(p.total), 1), p.done, p.total, failed, humanRate(rate), mb, p.eta())
}

func fmtElapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
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

// humanCount formats 1500000 as "1.5M" and 450000 as "450k".
func humanCount(n int64) string {
	f := float64(n)
	switch {
	case n >= 1e9:
		return trimZeros(fmt.Sprintf("%.2f", f/1e9)) + "G"
	case n >= 1e6:
		return trimZeros(fmt.Sprintf("%.2f", f/1e6)) + "M"
	case n >= 1e4:
		return trimZeros(fmt.Sprintf("%.1f", f/1e3)) + "k"
	}
	return fmt.Sprint(n)
}

// progressMode is how progress is shown on stderr.
type progressMode int

const (
	progressAuto  progressMode = iota
	progressBar                // one line redrawn in place
	progressLines              // a plain line every so often
	progressOff
)

// parseProgress reads --progress.
func parseProgress(s string) (progressMode, error) {
	switch s {
	case "auto":
		return progressAuto, nil
	case "bar", "always":
		return progressBar, nil
	case "lines":
		return progressLines, nil
	case "never", "off":
		return progressOff, nil
	}
	return progressOff, fmt.Errorf("--progress %q: must be auto, bar, lines or never", s)
}

// progressTicker shows progress while a run goes on.
type progressTicker struct {
	done chan struct{}
	wg   sync.WaitGroup
	last func()
}

// barPeriod is how often the bar is redrawn.
const barPeriod = 200 * time.Millisecond

// startProgress shows the progress get returns: as a bar redrawn every
// barPeriod, or as plain lines every period.
func startProgress(mode progressMode, term *termWriter, period time.Duration, get func(time.Time) progress, plain func(progress) string) *progressTicker {
	pt := &progressTicker{done: make(chan struct{}), last: func() {}}
	var draw func(time.Time)
	switch mode {
	case progressBar:
		period = barPeriod
		draw = func(now time.Time) { term.status(progressLine(get(now), term.columns())) }
		pt.last = func() { draw(time.Now()); term.finish() }
	case progressLines:
		draw = func(now time.Time) { term.print(plain(get(now))) }
	default:
		return pt
	}
	pt.wg.Add(1)
	go func() {
		defer pt.wg.Done()
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-pt.done:
				return
			case now := <-tick.C:
				draw(now)
			}
		}
	}()
	return pt
}

// stop ends the progress, leaving a bar's last state on screen.
func (pt *progressTicker) stop() {
	close(pt.done)
	pt.wg.Wait()
	pt.last()
}
