package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Chart geometry, in SVG user units.
const (
	chartW    = 1000
	panelH    = 300
	marginL   = 84
	marginR   = 130 // room for the legend
	marginTop = 36
	marginBot = 48
	plotW     = chartW - marginL - marginR
	plotH     = panelH - marginTop - marginBot
	rowH      = 17 // a header line
)

// series is one line of a panel.
type series struct {
	id, name, color string
	xs, ys          []float64
	step            bool // a step chart: xs holds each interval's start and end
}

// The colours of the latency percentiles, from p50 to max.
var latencyColors = []string{"#2ca02c", "#1f9bcf", "#ff7f0e", "#d62728", "#555555"}

// writeReport writes res as an SVG chart, or an HTML page holding it,
// chosen by the file name's extension.
func writeReport(path string, res *result) error {
	svg := reportSVG(res)
	out := append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), svg...)
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".html" || ext == ".htm" {
		out = reportHTML(res, svg)
	}
	return os.WriteFile(path, out, 0o644)
}

// reportSVG draws the header with the run's settings, throughput over
// time, latency percentiles over time (log axis) and the latency
// distribution (log axes).
func reportSVG(res *result) []byte {
	var b bytes.Buffer
	header := headerLines(res)
	top := 62 + len(header)*rowH + 8
	total := top + 3*panelH
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`+"\n",
		chartW, total, chartW, total)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartW, total)
	drawHeader(&b, res, header)
	drawThroughput(&b, top, res)
	drawLatencyOverTime(&b, top+panelH, res)
	drawDistribution(&b, top+2*panelH, res)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// drawHeader writes the title, the result line and the settings.
func drawHeader(b *bytes.Buffer, res *result, lines [][2]string) {
	title := fmt.Sprintf("samsa perf: %s records/s, p99 %s ms", fmtNum(res.RecPerS), fmtNum(res.P99Ms))
	fmt.Fprintf(b, `<text x="24" y="28" font-size="19" font-weight="600" fill="#222">%s</text>`+"\n", esc(title))
	fmt.Fprintf(b, `<text x="24" y="50" fill="#333">%s</text>`+"\n", esc(resultLine(res)))
	for i, l := range lines {
		y := 62 + (i+1)*rowH - 4
		fmt.Fprintf(b, `<text x="24" y="%d" fill="#555"><tspan font-weight="600" fill="#333">%s:</tspan> %s</text>`+"\n",
			y, esc(l[0]), esc(clip(l[1], 150)))
	}
}

// resultLine sums up the figures.
func resultLine(res *result) string {
	what := "records"
	if res.Total != nil {
		what = "steady-state records"
	}
	s := fmt.Sprintf("%d %s (%.1f MB) in %.2f s, %.2f MB/s; latency avg %s ms, p50 %s, p95 %s, p99 %s, p99.9 %s, max %s ms; %d errors",
		res.Records, what, float64(res.Bytes)/(1024*1024), res.ElapsedS, res.MBPerS, fmtNum(res.AvgMs),
		fmtNum(res.P50Ms), fmtNum(res.P95Ms), fmtNum(res.P99Ms), fmtNum(res.P999Ms), fmtNum(res.MaxMs), res.Errors)
	if res.Interrupted {
		s += " (interrupted)"
	}
	return s
}

// headerLines are the settings, as label and value.
func headerLines(res *result) [][2]string {
	st := res.Settings
	rate := "unlimited"
	if st.Throughput > 0 {
		rate = fmt.Sprintf("%s records/s", fmtNum(st.Throughput))
	}
	topic := st.Topic
	if st.Partitions > 0 {
		topic += fmt.Sprintf(" (%d partitions)", st.Partitions)
	}
	records := fmt.Sprintf("%d to send", st.NumRecords)
	if st.Warmup > 0 {
		records += fmt.Sprintf("; the first %d are warm-up, left out of the summary and of the latency distribution (the time series show all)", st.Warmup)
	}
	idem := "off"
	if st.Idempotence {
		idem = "on"
	}
	lines := [][2]string{
		{"Broker", st.Broker},
		{"Bootstrap", strings.Join(st.Bootstrap, ", ")},
		{"Topic", topic},
		{"Records", records},
		{"Values", st.Payload},
		{"Keys", st.Keys},
		{"Load", fmt.Sprintf("%d goroutine(s) sharing one producer; target rate %s", st.Goroutines, rate)},
		{"Producer", fmt.Sprintf("acks=%s, idempotence %s, transactions %s", st.Acks, idem, st.Transactions)},
		{"Batching", fmt.Sprintf("compression %s, batch.size %d, linger.ms %s, buffer.memory %d, max.in.flight %d",
			st.Compression, st.BatchSize, fmtNum(st.LingerMs), st.BufferMemory, st.MaxInFlight)},
	}
	if len(st.Properties) > 0 {
		lines = append(lines, [2]string{"Settings given", propsText(st.Properties)})
	}
	return append(lines, [2]string{"Run", fmt.Sprintf("samsa %s, %s, %s, %d CPUs, started %s",
		st.Samsa, st.Go, st.Platform, st.CPUs, st.Started)})
}

func propsText(props map[string]string) string {
	keys := sortedKeys(props)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + props[k]
	}
	return strings.Join(parts, " ")
}

// clip shortens s to n characters with an ellipsis.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// drawThroughput draws records per second of each interval as steps.
func drawThroughput(b *bytes.Buffer, top int, res *result) {
	var xs, ys []float64
	for _, s := range res.Samples {
		xs = append(xs, s.Start, s.End)
		ys = append(ys, s.RecPerS, s.RecPerS)
	}
	p := newPanel(top, "Throughput: acknowledged records per second, per interval of "+fmtSeconds(res.IntervalS), "records / second")
	p.x = timeAxis(res.Total.elapsedOr(res.ElapsedS))
	p.y = linearAxis(0, maxOf(ys))
	p.begin(b, "throughput")
	p.warmup(b, res)
	p.line(b, series{id: "throughput", name: "records/s", color: "#1f77b4", xs: xs, ys: ys, step: true})
	p.end(b, len(xs) == 0)
}

// elapsedOr returns the run's length from its total summary, or def
// without one.
func (sm *summary) elapsedOr(def float64) float64 {
	if sm == nil {
		return def
	}
	return sm.ElapsedS
}

// drawLatencyOverTime draws each interval's percentiles on a log axis.
func drawLatencyOverTime(b *bytes.Buffer, top int, res *result) {
	p := newPanel(top, "Latency over time, Produce to acknowledgement (log scale)", "milliseconds")
	var mids []float64
	cols := make([][]float64, 5)
	for _, s := range res.Samples {
		if s.Records == 0 {
			continue
		}
		mids = append(mids, (s.Start+s.End)/2)
		for i, v := range []float64{s.P50Ms, s.P95Ms, s.P99Ms, s.P999Ms, s.MaxMs} {
			cols[i] = append(cols[i], v)
		}
	}
	p.x = timeAxis(res.Total.elapsedOr(res.ElapsedS))
	p.y = logAxis(minOf(cols[0]), maxOf(cols[4]))
	p.begin(b, "latency")
	p.warmup(b, res)
	for i, id := range []string{"p50", "p95", "p99", "p999", "max"} {
		p.line(b, series{id: id, name: percentileName(id), color: latencyColors[i], xs: mids, ys: cols[i]})
	}
	p.end(b, len(mids) == 0)
}

func percentileName(id string) string {
	if id == "p999" {
		return "p99.9"
	}
	return id
}

// drawDistribution draws the latency at each percentile, on a log axis of
// nines, marking p50, p95, p99, p99.9 and the maximum.
func drawDistribution(b *bytes.Buffer, top int, res *result) {
	title := "Latency distribution of the whole run (log scales)"
	if res.Total != nil {
		title = "Latency distribution of the steady state (log scales)"
	}
	p := newPanel(top, title, "milliseconds")
	p.xLabel = "percentile"
	var xs, ys []float64
	for _, q := range res.Latency {
		xs = append(xs, ninesPos(q.Percentile))
		ys = append(ys, q.Ms)
	}
	p.x = ninesAxis(maxOf(xs))
	p.y = logAxis(minOf(ys), maxOf(ys))
	p.begin(b, "distribution")
	p.line(b, series{id: "distribution", name: "latency", color: "#6a3d9a", xs: xs, ys: ys})
	marks := []struct {
		pct   float64
		label string
		ms    float64
	}{{50, "p50", res.P50Ms}, {95, "p95", res.P95Ms}, {99, "p99", res.P99Ms}, {99.9, "p99.9", res.P999Ms}, {100, "max", res.MaxMs}}
	for i, m := range marks {
		if len(xs) == 0 || (m.pct < 100 && ninesPos(m.pct) > maxOf(xs)) {
			continue
		}
		x, y := p.px(ninesPos(m.pct)), p.py(m.ms)
		fmt.Fprintf(b, `<circle class="mark" cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s: %s ms</title></circle>`, x, y, latencyColors[i], m.label, fmtNum(m.ms))
		anchor, dx := "start", 6.0
		if m.pct == 100 {
			anchor, dx = "end", -6 // keep the label inside the plot
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="#222" font-size="11" text-anchor="%s">%s %s ms</text>`+"\n", x+dx, y-6, anchor, m.label, fmtNum(m.ms))
	}
	p.end(b, len(xs) == 0)
}

// ninesPos places percentile p on the nines axis: log10(100/(100-p)), so
// that 90, 99 and 99.9 are equally spaced; the maximum (100) goes half a
// step past 99.999.
func ninesPos(p float64) float64 {
	if p >= 100 {
		return 5.5
	}
	return math.Log10(100 / (100 - p))
}

// fmtSeconds formats an interval length: 0.02 as "20 ms", 2 as "2 s".
func fmtSeconds(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.0f ms", s*1000)
	}
	return fmtNum(s) + " s"
}

func minOf(vs []float64) float64 {
	m := math.Inf(1)
	for _, v := range vs {
		if v > 0 {
			m = min(m, v)
		}
	}
	return m
}

func maxOf(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// fmtNum formats a value compactly: 152300 as "152.3k", 0.25 as "0.25".
func fmtNum(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return trimZeros(fmt.Sprintf("%.2f", v/1e6)) + "M"
	case a >= 1e4:
		return trimZeros(fmt.Sprintf("%.1f", v/1e3)) + "k"
	case a >= 100 || a == 0:
		return fmt.Sprintf("%.0f", v)
	case a >= 1:
		return trimZeros(fmt.Sprintf("%.1f", v))
	}
	return trimZeros(fmt.Sprintf("%.3f", v))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func esc(s string) string { return html.EscapeString(s) }
