// Command compat-matrix runs the broker-version compatibility suite
// (the TestCompat... tests of internal/integration/compat) against each
// Kafka version of the matrix, one version after the other, and prints
// the results as a Markdown table: one row per test, one column per
// version, each cell pass, FAIL or n.a. with the reason.
//
//	go run ./internal/integration/compat/cmd/compat-matrix [-versions 4.3.1,2.8.2] [-readme README.md]
//
// With -readme it also replaces the table between the markers
// <!-- compat-matrix:begin --> and <!-- compat-matrix:end --> in that
// file. It exits non-zero when a test failed.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

// Matrix is the default list of versions: the newest patch release of
// each line the issue names that Maven Central serves.
var Matrix = []string{"4.3.1", "4.0.2", "3.9.2", "3.6.2", "3.0.2", "2.8.2"}

const (
	pkg         = "./internal/integration/compat"
	beginMarker = "<!-- compat-matrix:begin -->"
	endMarker   = "<!-- compat-matrix:end -->"
)

// result is one test's outcome on one version.
type result struct {
	action string // pass, fail, skip
	why    string
	notes  []string // what the test logged for the table ("matrix: ...")
}

// column is one version's run.
type column struct {
	version string
	mode    kafkatest.Mode
	took    time.Duration
	tests   map[string]*result
	err     string // the run failed outside any test
}

func main() {
	versions := flag.String("versions", strings.Join(Matrix, ","), "comma-separated Kafka versions")
	run := flag.String("run", "Compat", "go test -run pattern")
	readme := flag.String("readme", "", "also write the table into this file between the compat-matrix markers")
	race := flag.Bool("race", false, "run the tests with -race")
	timeout := flag.String("timeout", "30m", "go test -timeout per version")
	flag.Parse()

	var cols []*column
	failed := false
	for _, v := range strings.Split(*versions, ",") {
		v = strings.TrimSpace(v)
		col := runVersion(v, *run, *timeout, *race)
		cols = append(cols, col)
		for _, r := range col.tests {
			failed = failed || r.action == "fail"
		}
		failed = failed || col.err != ""
		fmt.Fprintf(os.Stderr, "compat-matrix: Kafka %s done in %v\n", v, col.took.Round(time.Second))
	}
	table := render(cols)
	fmt.Print(table)
	passed, failedN, skipped := 0, 0, 0
	for _, c := range cols {
		for _, r := range c.tests {
			switch r.action {
			case "pass":
				passed++
			case "skip":
				skipped++
			default:
				failedN++
			}
		}
		if c.err != "" {
			failedN++
		}
	}
	fmt.Printf("compat-matrix: %d passed, %d failed, %d skipped\n", passed, failedN, skipped)
	if *readme != "" {
		if err := writeReadme(*readme, table); err != nil {
			fmt.Fprintln(os.Stderr, "compat-matrix:", err)
			os.Exit(2)
		}
	}
	if failed {
		os.Exit(1)
	}
}

// runVersion prepares Kafka v and runs the suite against it.
func runVersion(v, run, timeout string, race bool) *column {
	col := &column{version: v, tests: map[string]*result{}}
	layout, err := kafkatest.LayoutOf(v)
	if err != nil {
		col.err = err.Error()
		return col
	}
	col.mode = layout.Mode
	start := time.Now()
	defer func() { col.took = time.Since(start) }()
	prep := exec.Command("go", "run", "./internal/kafkatest/cmd/kafka-up", "-prepare", "-version", v)
	if out, err := prep.CombinedOutput(); err != nil {
		col.err = fmt.Sprintf("preparing Kafka %s: %v: %s", v, err, lastLine(string(out)))
		return col
	}
	args := []string{"test", "-json", "-count=1", "-run", run, "-timeout", timeout}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "SAMSA_KAFKA_VERSION="+v, "SAMSA_REQUIRE_KAFKA=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		col.err = err.Error()
		return col
	}
	if err := cmd.Start(); err != nil {
		col.err = err.Error()
		return col
	}
	parse(out, col)
	if err := cmd.Wait(); err != nil && len(col.tests) == 0 {
		col.err = fmt.Sprintf("go test: %v: %s", err, lastLine(stderr.String()))
	}
	return col
}

// event is one line of go test -json.
type event struct {
	Action string
	Test   string
	Output string
}

// parse reads go test -json events into col: the outcome of every
// top-level test, with the first message a failing or skipped test
// logged as the reason.
func parse(r io.Reader, col *column) {
	outputs := map[string][]string{}
	notes := map[string][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		top, _, _ := strings.Cut(e.Test, "/")
		switch e.Action {
		case "output":
			line := strings.TrimSpace(e.Output)
			if _, note, ok := strings.Cut(line, "matrix: "); ok {
				notes[top] = append(notes[top], note)
			} else if strings.Contains(line, "_test.go:") {
				outputs[top] = append(outputs[top], line)
			}
		case "pass", "fail", "skip":
			if e.Test != top {
				if e.Action == "fail" {
					outputs[top] = append(outputs[top], "subtest "+strings.TrimPrefix(e.Test, top+"/")+" failed")
				}
				continue
			}
			col.tests[top] = &result{action: e.Action, why: reason(outputs[top]), notes: notes[top]}
			if e.Action == "fail" {
				// The table keeps one line; the whole story goes to stderr.
				fmt.Fprintf(os.Stderr, "compat-matrix: Kafka %s: %s failed:\n%s\n", col.version, top, strings.Join(outputs[top], "\n"))
			}
		}
	}
}

// reason picks the message that explains a failure or skip: the first
// logged line that is not the harness's start-up note.
func reason(lines []string) string {
	for _, l := range lines {
		if strings.Contains(l, "kafkatest: started") {
			continue
		}
		if _, msg, ok := strings.Cut(l, ": "); ok {
			l = msg
		}
		if len(l) > 300 {
			l = l[:297] + "..."
		}
		return strings.ReplaceAll(l, "|", "/")
	}
	return ""
}

// render draws the table.
func render(cols []*column) string {
	var names []string
	for _, c := range cols {
		for n := range c.tests {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("| test |")
	for _, c := range cols {
		fmt.Fprintf(&b, " %s (%s) |", c.version, c.mode)
	}
	b.WriteString("\n| --- |")
	for range cols {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, n := range names {
		fmt.Fprintf(&b, "| `%s` |", n)
		for _, c := range cols {
			r, ok := c.tests[n]
			switch {
			case c.err != "":
				fmt.Fprintf(&b, " FAIL: %s |", c.err)
			case !ok:
				b.WriteString(" not run |")
			case r.action == "pass" && len(r.notes) > 0:
				fmt.Fprintf(&b, " pass: %s |", strings.Join(r.notes, "; "))
			case r.action == "pass":
				b.WriteString(" pass |")
			case r.action == "skip":
				fmt.Fprintf(&b, " n.a.: %s |", r.why)
			default:
				fmt.Fprintf(&b, " FAIL: %s |", r.why)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("| time (start, all tests) |")
	for _, c := range cols {
		fmt.Fprintf(&b, " %v |", c.took.Round(time.Second))
	}
	b.WriteString("\n")
	return b.String()
}

// writeReadme replaces the text between the markers in path with table.
func writeReadme(path, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s ... %s markers", path, beginMarker, endMarker)
	}
	s = s[:i+len(beginMarker)] + "\n" + table + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
