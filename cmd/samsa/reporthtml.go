package main

import (
	"bytes"
	"fmt"
	"sort"
)

// reportHTML wraps the chart in a self-contained page with the summary
// and the settings as tables; it is well-formed XML as well as HTML, and
// has no scripts.
func reportHTML(res *result, svg []byte) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>samsa perf report</title>\n")
	b.WriteString("<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1040px}" +
		"table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ddd;padding:4px 10px}" +
		"th{background:#f6f6f6}#summary td{text-align:right}#settings th{text-align:left}p.note{color:#555}</style>\n</head>\n<body>\n")
	b.WriteString("<h1>samsa perf report</h1>\n")
	if res.Total != nil {
		fmt.Fprintf(&b, "<p class=\"note\" id=\"warmup-note\">The first %d records were warm-up: the summary and the latency distribution leave them out; the time series show the whole run, warm-up shaded.</p>\n", res.WarmupRecords)
	}
	writeSummaryTable(&b, res)
	b.Write(svg)
	writeSettingsTable(&b, res)
	b.WriteString("<p class=\"note\">Latency is from Produce to the record's acknowledgement. Each point of the time series is one interval of acknowledgements; hover a point for its value.</p>\n</body>\n</html>\n")
	return b.Bytes()
}

func writeSummaryTable(b *bytes.Buffer, res *result) {
	b.WriteString("<table id=\"summary\">\n<tr><th></th><th>records</th><th>errors</th><th>seconds</th><th>records/s</th><th>MB/s</th><th>avg ms</th>" +
		"<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>\n")
	row := func(label string, s summary, errors int64) {
		fmt.Fprintf(b, "<tr><th>%s</th><td>%d</td><td>%d</td><td>%.2f</td><td>%.1f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>\n",
			label, s.Records, errors, s.ElapsedS, s.RecPerS, s.MBPerS, s.AvgMs, s.P50Ms, s.P95Ms, s.P99Ms, s.P999Ms, s.MaxMs)
	}
	if res.Total != nil {
		row("steady state", res.summary, res.Errors)
		row("whole run", *res.Total, res.Errors)
	} else {
		row("whole run", res.summary, res.Errors)
	}
	b.WriteString("</table>\n")
}

func writeSettingsTable(b *bytes.Buffer, res *result) {
	b.WriteString("<h2>Settings</h2>\n<table id=\"settings\">\n")
	for _, l := range headerLines(res) {
		fmt.Fprintf(b, "<tr><th>%s</th><td>%s</td></tr>\n", esc(l[0]), esc(l[1]))
	}
	b.WriteString("</table>\n")
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
