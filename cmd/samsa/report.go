package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Chart geometry, in SVG user units.
const (
	chartW     = 960
	panelH     = 300
	marginL    = 80
	marginR    = 150 // room for the legend
	marginTop  = 40
	marginBot  = 50
	headerH    = 70
	plotW      = chartW - marginL - marginR
	plotH      = panelH - marginTop - marginBot
	chartTotal = headerH + 2*panelH
)

// series is one line of a panel.
type series struct {
	id, name, color string
	values          []float64
}

// writeReport writes res as an SVG chart, or an HTML page holding it,
// chosen by the file name's extension.
func writeReport(path string, res *result, settings string) error {
	svg := reportSVG(res, settings)
	out := svg
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".html" || ext == ".htm" {
		out = reportHTML(res, settings, svg)
	} else {
		out = append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), svg...)
	}
	return os.WriteFile(path, out, 0o644)
}

// reportSVG draws throughput (top) and latency percentiles (bottom)
// against seconds since the start.
func reportSVG(res *result, settings string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, sans-serif" font-size="12">`+"\n",
		chartW, chartTotal, chartW, chartTotal)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartW, chartTotal)
	fmt.Fprintf(&b, `<text x="%d" y="26" font-size="18" font-weight="600" fill="#222">samsa perf: %s records/s, p99 %s ms</text>`+"\n",
		marginL, fmtNum(res.RecPerS), fmtNum(res.P99Ms))
	fmt.Fprintf(&b, `<text x="%d" y="48" fill="#555">%s</text>`+"\n", marginL, esc(settings))
	fmt.Fprintf(&b, `<text x="%d" y="64" fill="#555">%d records, %.1f MB in %.2f s (%.2f MB/s), %d errors; latency avg %s ms, max %s ms</text>`+"\n",
		marginL, res.Records, float64(res.Bytes)/(1024*1024), res.ElapsedS, res.MBPerS, res.Errors, fmtNum(res.AvgMs), fmtNum(res.MaxMs))
	times := make([]float64, len(res.Samples))
	rate, p50, p95, p99, p999, mx := make([]float64, len(times)), make([]float64, len(times)), make([]float64, len(times)), make([]float64, len(times)), make([]float64, len(times)), make([]float64, len(times))
	for i, s := range res.Samples {
		times[i], rate[i] = s.At, s.RecPerS
		p50[i], p95[i], p99[i], p999[i], mx[i] = s.P50Ms, s.P95Ms, s.P99Ms, s.P999Ms, s.MaxMs
	}
	xMax := max(res.ElapsedS, 1)
	drawPanel(&b, headerH, "Throughput", "records / second", times, xMax, []series{
		{"throughput", "records/s", "#1f77b4", rate},
	}, true)
	drawPanel(&b, headerH+panelH, "Latency, Produce to acknowledgement (per second)", "milliseconds", times, xMax, []series{
		{"p50", "p50", "#2ca02c", p50},
		{"p95", "p95", "#bcbd22", p95},
		{"p99", "p99", "#ff7f0e", p99},
		{"p999", "p99.9", "#d62728", p999},
		{"max", "max", "#7f7f7f", mx},
	}, false)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// drawPanel draws one chart at vertical offset top: frame, grid, axes
// with ticks and labels, the series as lines with a point per sample, and
// a legend.
func drawPanel(b *bytes.Buffer, top int, title, yLabel string, xs []float64, xMax float64, ss []series, area bool) {
	yMax := 0.0
	for _, s := range ss {
		for _, v := range s.values {
			yMax = max(yMax, v)
		}
	}
	yStep := niceStep(yMax / 5)
	yTop := math.Max(yStep, math.Ceil(yMax/yStep)*yStep)
	xStep := niceStep(xMax / 8)
	x0, y0 := float64(marginL), float64(top+marginTop)
	px := func(x float64) float64 { return x0 + x/xMax*plotW }
	py := func(y float64) float64 { return y0 + plotH - y/yTop*plotH }

	fmt.Fprintf(b, `<g class="panel" id="panel-%s">`+"\n", ss[0].id)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="14" font-weight="600" fill="#222">%s</text>`+"\n", marginL, top+marginTop-10, esc(title))
	for y := 0.0; y <= yTop+yStep/2; y += yStep {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e5e5"/>`, x0, py(y), x0+plotW, py(y))
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#444">%s</text>`+"\n", x0-6, py(y)+4, fmtNum(y))
	}
	for x := 0.0; x <= xMax+xStep/100; x += xStep {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#f0f0f0"/>`, px(x), y0, px(x), y0+plotH)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#444">%s</text>`+"\n", px(x), y0+plotH+16, fmtNum(x))
	}
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", x0, y0, plotW, plotH)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">seconds since start</text>`+"\n", x0+plotW/2, y0+plotH+36)
	fmt.Fprintf(b, `<text transform="translate(%.1f %.1f) rotate(-90)" text-anchor="middle" fill="#333">%s</text>`+"\n", x0-58, y0+plotH/2, esc(yLabel))
	for i, s := range ss {
		drawSeries(b, s, xs, px, py, area && i == 0, y0+plotH)
		ly := y0 + 10 + float64(i)*20
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/>`, x0+plotW+16, ly, x0+plotW+40, ly, s.color)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="#222" class="legend">%s</text>`+"\n", x0+plotW+46, ly+4, esc(s.name))
	}
	if len(xs) == 0 {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#999">no samples</text>`+"\n", x0+plotW/2, y0+plotH/2)
	}
	b.WriteString("</g>\n")
}

// drawSeries draws s as a polyline (with a filled area below when area is
// set) and a point per sample carrying a tooltip.
func drawSeries(b *bytes.Buffer, s series, xs []float64, px, py func(float64) float64, area bool, base float64) {
	var pts strings.Builder
	for i, v := range s.values {
		fmt.Fprintf(&pts, "%.1f,%.1f ", px(xs[i]), py(v))
	}
	if area && len(xs) > 0 {
		fmt.Fprintf(b, `<polygon points="%.1f,%.1f %s%.1f,%.1f" fill="%s" fill-opacity="0.12" stroke="none"/>`+"\n",
			px(xs[0]), base, pts.String(), px(xs[len(xs)-1]), base, s.color)
	}
	fmt.Fprintf(b, `<polyline class="series" id="series-%s" data-series="%s" points="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"/>`+"\n",
		s.id, esc(s.name), strings.TrimSpace(pts.String()), s.color)
	if len(xs) > 600 {
		return
	}
	for i, v := range s.values {
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s at %.1f s: %s</title></circle>`+"\n",
			px(xs[i]), py(v), s.color, esc(s.name), xs[i], fmtNum(v))
	}
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

// reportHTML wraps the chart in a self-contained page with a summary
// table; it is well-formed XML as well as HTML.
func reportHTML(res *result, settings string, svg []byte) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>samsa perf report</title>\n")
	b.WriteString("<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}" +
		"td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}th{background:#f6f6f6}</style>\n</head>\n<body>\n")
	fmt.Fprintf(&b, "<h1>samsa perf report</h1>\n<p>%s. Generated %s.</p>\n", esc(settings), time.Now().UTC().Format(time.RFC3339))
	b.WriteString("<table id=\"summary\">\n<tr><th>records</th><th>errors</th><th>records/s</th><th>MB/s</th><th>avg ms</th>" +
		"<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>\n")
	fmt.Fprintf(&b, "<tr><td>%d</td><td>%d</td><td>%.1f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>\n</table>\n",
		res.Records, res.Errors, res.RecPerS, res.MBPerS, res.AvgMs, res.P50Ms, res.P95Ms, res.P99Ms, res.P999Ms, res.MaxMs)
	b.Write(svg)
	b.WriteString("<p>Each point is one second of acknowledgements; hover a point for its value.</p>\n</body>\n</html>\n")
	return b.Bytes()
}
