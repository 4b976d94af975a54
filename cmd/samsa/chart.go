package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"
)

// axis maps values onto [0, 1] and lists its ticks.
type axis struct {
	pos   func(v float64) float64 // 0 at the low end, 1 at the high end
	ticks []tick
}

type tick struct {
	v     float64
	label string
	minor bool // a grid line without a label
}

// linearAxis runs from lo to a round number at or above hi.
func linearAxis(lo, hi float64) axis {
	step := niceStep((hi - lo) / 5)
	top := math.Max(lo+step, math.Ceil(hi/step)*step)
	a := axis{pos: func(v float64) float64 { return (v - lo) / (top - lo) }}
	for v := lo; v <= top+step/100; v += step {
		a.ticks = append(a.ticks, tick{v: v, label: fmtNum(v)})
	}
	return a
}

// timeAxis runs from 0 to exactly end (the run's length), with round
// ticks within it.
func timeAxis(end float64) axis {
	end = math.Max(end, 1e-3)
	step := niceStep(end / 8)
	a := axis{pos: func(v float64) float64 { return v / end }}
	for v := 0.0; v <= end+step/1000; v += step {
		a.ticks = append(a.ticks, tick{v: v, label: fmtNum(v)})
	}
	return a
}

// logAxis runs over whole decades around lo and hi (both positive; a
// missing lo or hi gives 0.1 to 10), with grid lines at 2 and 5 times each
// power of ten.
func logAxis(lo, hi float64) axis {
	if math.IsInf(lo, 0) || lo <= 0 || hi <= 0 {
		lo, hi = 0.1, 10
	}
	d0, d1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if d1 <= d0 {
		d1 = d0 + 1
	}
	a := axis{pos: func(v float64) float64 {
		v = math.Max(v, math.Pow(10, d0))
		return (math.Log10(v) - d0) / (d1 - d0)
	}}
	for d := d0; d <= d1; d++ {
		p := math.Pow(10, d)
		a.ticks = append(a.ticks, tick{v: p, label: fmtNum(p)})
		if d < d1 {
			a.ticks = append(a.ticks, tick{v: 2 * p, label: fmtNum(2 * p), minor: d1-d0 > 3},
				tick{v: 5 * p, label: fmtNum(5 * p), minor: d1-d0 > 2})
		}
	}
	return a
}

// ninesAxis is the percentile axis of the distribution: 0, 90, 99, ... up
// to hi (a ninesPos value), and the maximum.
func ninesAxis(hi float64) axis {
	end := math.Max(math.Ceil(hi), 1)
	a := axis{pos: func(v float64) float64 { return v / end }}
	labels := []string{"0", "90", "99", "99.9", "99.99", "99.999"}
	for i := 0; i < len(labels) && float64(i) <= end; i++ {
		a.ticks = append(a.ticks, tick{v: float64(i), label: labels[i]})
	}
	if hi >= ninesPos(100) {
		a.ticks = append(a.ticks, tick{v: ninesPos(100), label: "max"})
	}
	return a
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*pow >= raw {
			return m * pow
		}
	}
	return 10 * pow
}

// panel is one chart: a plot area at a vertical offset, its axes and
// legend.
type panel struct {
	top            int
	title, yLabel  string
	xLabel         string
	x, y           axis
	legend         int
	x0, y0, bottom float64
}

func newPanel(top int, title, yLabel string) *panel {
	return &panel{top: top, title: title, yLabel: yLabel, xLabel: "seconds since start",
		x0: marginL, y0: float64(top + marginTop), bottom: float64(top + marginTop + plotH)}
}

func (p *panel) px(v float64) float64 { return p.x0 + p.x.pos(v)*plotW }
func (p *panel) py(v float64) float64 { return p.bottom - p.y.pos(v)*plotH }

// begin draws the title, the grid, the axes and their labels.
func (p *panel) begin(b *bytes.Buffer, id string) {
	fmt.Fprintf(b, `<g class="panel" id="panel-%s">`+"\n", id)
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="14" font-weight="600" fill="#222">%s</text>`+"\n", p.x0, p.y0-12, esc(p.title))
	for _, t := range p.y.ticks {
		y := p.py(t.v)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`, p.x0, y, p.x0+plotW, y, gridColor(t.minor))
		if !t.minor {
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#444">%s</text>`+"\n", p.x0-6, y+4, t.label)
		}
	}
	for _, t := range p.x.ticks {
		x := p.px(t.v)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#f0f0f0"/>`, x, p.y0, x, p.bottom)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#444">%s</text>`+"\n", x, p.bottom+16, t.label)
	}
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", p.x0, p.y0, plotW, plotH)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">%s</text>`+"\n", p.x0+plotW/2, p.bottom+36, esc(p.xLabel))
	fmt.Fprintf(b, `<text transform="translate(%.1f %.1f) rotate(-90)" text-anchor="middle" fill="#333">%s</text>`+"\n",
		p.x0-62, p.y0+plotH/2, esc(p.yLabel))
}

func gridColor(minor bool) string {
	if minor {
		return "#f3f3f3"
	}
	return "#e2e2e2"
}

// warmup shades the warm-up part of the run.
func (p *panel) warmup(b *bytes.Buffer, res *result) {
	if res.SteadyStartS <= 0 {
		return
	}
	x1 := p.px(res.SteadyStartS)
	fmt.Fprintf(b, `<rect class="warmup" x="%.1f" y="%.1f" width="%.1f" height="%d" fill="#000" fill-opacity="0.06"><title>warm-up: the first %d records</title></rect>`,
		p.x0, p.y0, x1-p.x0, plotH, res.WarmupRecords)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="#777" font-size="11">warm-up</text>`+"\n", p.x0+4, p.y0+14)
}

// line draws s, with a point and tooltip per value, and its legend entry.
func (p *panel) line(b *bytes.Buffer, s series) {
	var pts strings.Builder
	for i := range s.xs {
		fmt.Fprintf(&pts, "%.1f,%.1f ", p.px(s.xs[i]), p.py(s.ys[i]))
	}
	if s.step && len(s.xs) > 0 {
		fmt.Fprintf(b, `<polygon points="%.1f,%.1f %s%.1f,%.1f" fill="%s" fill-opacity="0.15" stroke="none"/>`+"\n",
			p.px(s.xs[0]), p.bottom, pts.String(), p.px(s.xs[len(s.xs)-1]), p.bottom, s.color)
	}
	fmt.Fprintf(b, `<polyline class="series" id="series-%s" data-series="%s" points="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"/>`+"\n",
		s.id, esc(s.name), strings.TrimSpace(pts.String()), s.color)
	p.points(b, s)
	ly := p.y0 + 10 + float64(p.legend)*20
	p.legend++
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/>`, p.x0+plotW+16, ly, p.x0+plotW+40, ly, s.color)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="#222" class="legend">%s</text>`+"\n", p.x0+plotW+46, ly+4, esc(s.name))
}

// points draws a dot with a tooltip for each value (each interval's
// middle, for a step chart).
func (p *panel) points(b *bytes.Buffer, s series) {
	step := 1
	if s.step {
		step = 2
	}
	for i := 0; i+step-1 < len(s.xs); i += step {
		x, y, at := s.xs[i], s.ys[i], fmt.Sprintf("%.3g s", s.xs[i])
		if s.step {
			x = (s.xs[i] + s.xs[i+1]) / 2
			at = fmt.Sprintf("%.3g-%.3g s", s.xs[i], s.xs[i+1])
		}
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s at %s: %s</title></circle>`+"\n",
			p.px(x), p.py(y), s.color, esc(s.name), at, fmtNum(y))
	}
}

// end closes the panel, saying so when it has nothing to show.
func (p *panel) end(b *bytes.Buffer, empty bool) {
	if empty {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#999">no record was acknowledged</text>`+"\n", p.x0+plotW/2, p.y0+plotH/2)
	}
	b.WriteString("</g>\n")
}
