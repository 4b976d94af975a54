package main

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samsa-go/samsa"
)

func TestEmbeddedPerfJSON(t *testing.T) {
	const n = 30000
	r := runSamsa(t, "", "perf", "--num-records", "30000", "--record-size", "50", "--json", "--progress", "never")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	if !strings.Contains(r.stderr, "embedded in-process Kafka-compatible broker") {
		t.Errorf("stderr does not say the embedded broker is used")
	}
	var res result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--json output does not parse: %v", err)
	}
	if res.Records != n || res.Errors != 0 || res.Bytes != n*50 || res.Topic != embeddedTopic || !res.Embedded {
		t.Errorf("result %+v; want %d records of 50 bytes to %s on the embedded broker", res, n, embeddedTopic)
	}
	if res.P50Ms > res.P99Ms || res.P99Ms > res.MaxMs || res.RecPerS <= 0 {
		t.Errorf("inconsistent figures: p50 %v, p99 %v, max %v, %v rec/s", res.P50Ms, res.P99Ms, res.MaxMs, res.RecPerS)
	}
}

func TestEmbeddedPerfKafkaLinesAndSVG(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "run.svg")
	r := runSamsa(t, "", "perf", "--num-records", "20000", "--throughput", "4000", "--report", svg, "--progress", "always")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	checkPerfOutput(t, r.stdout, 20000)
	if !strings.Contains(r.stderr, "] 100% 20000/20000") {
		t.Errorf("stderr has no finished progress bar")
	}
	checkReport(t, svg, -1, -1)
}

func TestEmbeddedProduce(t *testing.T) {
	r := runSamsa(t, "a\nb\nc\n", "produce", "-t", "greetings")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	if !strings.Contains(r.stderr, "embedded in-process Kafka-compatible broker") || !strings.Contains(r.stderr, "3 records (3 bytes) delivered, 0 failed") {
		t.Errorf("stderr lacks the embedded-broker notice or the summary")
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{[]string{"version"}, 0, "samsa " + samsa.Version() + " (go", ""},
		{[]string{"produce", "-V"}, 0, "samsa " + samsa.Version(), ""},
		{[]string{"help"}, 0, "samsa completion bash|zsh|fish", ""},
		{[]string{"help", "perf"}, 0, "--num-records", ""},
		{[]string{"perf", "--help"}, 0, "--producer-props", ""},
		{[]string{"produce", "-h"}, 0, "--key-separator", ""},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"produce", "-t", "x", "--delimiter", `\q`}, 2, "", `--delimiter "\\q": unknown escape \q`},
		{[]string{"produce", "-t", "x", "-H", "=v"}, 2, "", `--header "=v": want KEY=VALUE or KEY`},
		{[]string{"produce", "-t", "x", "--partition", "-2"}, 2, "", "--partition -2: must be 0 or more, or -1 for the partitioner"},
		{[]string{"produce", "-t", "x", "--json", "-K", ":"}, 2, "", "and --json do not go together"},
		{[]string{"produce", "-X", "linger.ms=soon", "-t", "x"}, 2, "", `-X linger.ms=soon: must be a whole number of milliseconds`},
		{[]string{"produce", "-X", "lingr.ms=5", "-t", "x"}, 2, "", `-X lingr.ms: unknown producer property; did you mean "linger.ms"?`},
		{[]string{"produce", "--producer-property", "bach.size=5", "-t", "x"}, 2, "", `--producer-property bach.size: unknown producer property; did you mean "batch.size"?`},
		{[]string{"perf", "--producer-props", "acks=1", "lingerms=5"}, 2, "", `--producer-props lingerms: unknown producer property; did you mean "linger.ms"?`},
		{[]string{"produce", "-X", "batch.size", "-t", "x"}, 2, "", `-X "batch.size": want KEY=VALUE, such as -X linger.ms=5`},
		{[]string{"produce", "--batch-size", "big", "-t", "x"}, 2, "", `--batch-size "big" (batch.size): must be a size in bytes`},
		{[]string{"produce", "-X", "debug=brokr", "-t", "x"}, 2, "", `-X debug=brokr: unknown debug context "brokr"; did you mean "broker"?`},
		{[]string{"produce", "-X", "statistics.interval.ms=-5", "-t", "x"}, 2, "", "-X statistics.interval.ms=-5: must be a whole number of milliseconds from 0 (off)"},
		{[]string{"produce", "-X", "statistcs.interval.ms=5", "-t", "x"}, 2, "", `did you mean "statistics.interval.ms"?`},
		{[]string{"produce", "--property", "parse.kye=true", "-t", "x"}, 2, "", `parse.kye: unknown reader property; did you mean "parse.key"?`},
		{[]string{"produce", "--property", "headers.delimiter=,", "--property", "parse.headers=true", "-t", "x"}, 2, "", "--property headers.delimiter and headers.separator may not be equal"},
		{[]string{"produce", "--sync", "-t", "x", "-X", "dump"}, 0, "linger.ms = 5", ""},
		{[]string{"produce", "--snyc", "-t", "x"}, 2, "", "--snyc: unknown flag; did you mean --sync?"},
		{[]string{"produce", "-C", "-t", "x"}, 2, "", "samsa only produces: kcat's -C mode is not supported"},
		{[]string{"produce", "--line-reader", "my.Reader", "-t", "x"}, 2, "", "cannot load a Java class"},
		{[]string{"produce"}, 2, "", "--topic is required"},
		{[]string{"perf", "--report", "out.png"}, 2, "", "--report \"out.png\""},
		{[]string{"perf", "--producer.config", "/nonexistent/client.properties"}, 2, "", "--producer.config"},
		{[]string{"perf", "-n", "10", "--warmup-records", "10"}, 2, "", "--warmup-records 10: must be at least 0 and fewer than --num-records (10)"},
		{[]string{"perf", "--goroutines", "0"}, 2, "", "--goroutines 0: must be from 1 to"},
		{[]string{"perf", "--progress", "sometimes"}, 2, "", `--progress "sometimes": must be auto, bar, lines or never`},
		{[]string{"completion", "tcsh"}, 2, "", `unknown shell "tcsh"`},
		{[]string{"completion", "fish"}, 0, "complete -c samsa -n '__fish_seen_subcommand_from perf' -l num-records -s n -x", ""},
	} {
		r := runSamsa(t, "", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout, tc.out) || !strings.Contains(r.stderr, tc.err) {
			t.Errorf("samsa %v: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				tc.args, r.code, r.stdout, r.stderr, tc.code, tc.out, tc.err)
		}
	}
}

// Every command's help has examples, and lists its flags under headings.
func TestHelpHasExamples(t *testing.T) {
	for _, cmd := range [][]string{{"help"}, {"produce", "--help"}, {"perf", "--help"}, {"help", "version"}, {"help", "completion"}} {
		r := runSamsa(t, "", cmd...)
		if r.code != 0 || !strings.Contains(r.stdout, "Example") {
			t.Errorf("samsa %v: exit %d, no examples in:\n%s", cmd, r.code, r.stdout)
		}
	}
	r := runSamsa(t, "", "produce", "--help")
	for _, heading := range []string{"Input and records:", "Cluster and producer settings:", "Settings under kafka-console-producer's names:"} {
		if !strings.Contains(r.stdout, "\n"+heading+"\n") {
			t.Errorf("produce --help lacks the heading %q", heading)
		}
	}
}

// checkReport parses the report as XML and checks that it is an SVG chart
// (inside an HTML page for .html) with the throughput and latency series,
// each with a point per sample (when samples >= 0), and labelled axes.
func checkReport(t *testing.T, path string, samples, latencyPoints int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	series := map[string]int{}
	var texts strings.Builder
	var svgs, scripts int
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("report %s is not well-formed: %v", path, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "svg":
				svgs++
			case "script":
				scripts++
			case "polyline":
				series[attr(el, "id")] = len(strings.Fields(attr(el, "points")))
			}
		case xml.CharData:
			texts.Write(el)
		}
	}
	if svgs != 1 || scripts != 0 {
		t.Errorf("report has %d svg and %d script elements, want 1 and 0", svgs, scripts)
	}
	for _, id := range []string{"series-throughput", "series-p50", "series-p95", "series-p99", "series-p999", "series-max", "series-distribution"} {
		n, ok := series[id]
		want := latencyPoints // a point per sample with records
		switch id {
		case "series-throughput":
			want = 2 * samples // a step per sample: its start and end
		case "series-distribution":
			want = -1
		}
		switch {
		case !ok:
			t.Errorf("report has no %s polyline", id)
		case samples >= 0 && want >= 0 && n != want:
			t.Errorf("%s has %d points, want %d", id, n, want)
		case n == 0:
			t.Errorf("%s has no points", id)
		}
	}
	for _, label := range []string{"records / second", "milliseconds", "seconds since start", "p99.9", "Throughput", "Latency",
		"percentile", "Broker:", "Producer:", "acks=", "Batching:", "Run:", "samsa " + samsa.Version()} {
		if !strings.Contains(texts.String(), label) {
			t.Errorf("report has no %q text", label)
		}
	}
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// A file that cannot be read is reported and the other files are still
// produced; the exit status is 1.
func TestEmbeddedProduceMissingFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(good, []byte("x\ny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.txt")
	r := runSamsa(t, "", "produce", "-t", "files", "-X", "linger.ms=1", missing, good) // -X takes one value
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, missing+": no such file") || !strings.Contains(r.stderr, "2 records (2 bytes) delivered, 0 failed") {
		t.Errorf("stderr does not name the missing file or does not count the 2 records of the other")
	}
}
