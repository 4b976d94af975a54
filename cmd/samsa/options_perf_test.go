package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/samsa-go/samsa/internal/itest"
	"github.com/twmb/franz-go/pkg/kgo"
)

// perfCase is one option of samsa perf under test.
type perfCase struct {
	name  string
	args  []string // after perf -b {B} --topic {T}
	files map[string]string
	n     int // records to read back
	check func(t *testing.T, r runResult, got []*kgo.Record, reqs []producedRequest)
}

// Every option of kafka-producer-perf-test (and samsa's additions) runs
// against a fake broker; the records are read back and checked, and so is
// the output the option changes.
func TestPerfOptions(t *testing.T) {
	fb := newFakeBroker(t)
	for _, c := range perfCases() {
		t.Run(c.name, func(t *testing.T) {
			topic := fb.newTopic(t)
			paths := writeFiles(t, c.files)
			args := append([]string{"perf", "-b", fb.addr, "--topic", topic, "--progress", "never"}, expand(c.args, fb.addr, topic, paths)...)
			r := runSamsa(t, "", args...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0", r.code)
			}
			got := itest.ConsumeAll(t, []string{fb.addr}, topic, c.n, itest.ConsumeOpts{ReadCommitted: true})
			if len(got) != c.n {
				t.Fatalf("read %d records back, want %d", len(got), c.n)
			}
			c.check(t, r, got, fb.produced(topic))
		})
	}
}

func perfCases() []perfCase {
	return []perfCase{
		{name: "num-records record-size", args: []string{"--num-records", "500", "--record-size", "37", "--throughput", "-1"}, n: 500,
			check: func(t *testing.T, r runResult, got []*kgo.Record, _ []producedRequest) {
				checkPerfOutput(t, r.stdout, 500)
				freshLetters(t, got, 37)
			}},
		{name: "record-size goroutines", args: []string{"--num-records", "400", "--record-size", "64", "--goroutines", "4"}, n: 400,
			check: func(t *testing.T, r runResult, got []*kgo.Record, _ []producedRequest) {
				checkPerfOutput(t, r.stdout, 400)
				freshLetters(t, got, 64)
			}},
		{name: "throughput", args: []string{"--num-records", "300", "--throughput", "200", "--json"}, n: 300,
			check: func(t *testing.T, r runResult, _ []*kgo.Record, _ []producedRequest) {
				res := parseResult(t, r.stdout)
				if res.RecPerS > 200*1.2 || res.Settings.Throughput != 200 {
					t.Errorf("%.0f records/s (settings say %v) with --throughput 200", res.RecPerS, res.Settings.Throughput)
				}
			}},
		{name: "producer-props", args: []string{"--num-records", "50", "--producer-props", "acks=1", "compression.type=lz4"}, n: 50,
			check: func(t *testing.T, _ runResult, _ []*kgo.Record, reqs []producedRequest) {
				acksAre(1)(t, reqs)
				codecIs(3)(t, reqs)
			}},
		{name: "producer.config", args: []string{"--num-records", "50", "--producer.config", "{F:p.properties}"},
			files: map[string]string{"p.properties": "acks=1\n"}, n: 50,
			check: func(t *testing.T, _ runResult, _ []*kgo.Record, reqs []producedRequest) { acksAre(1)(t, reqs) }},
		{name: "payload-file payload-delimiter", args: []string{"--num-records", "60", "--payload-file", "{F:payloads}", "--payload-delimiter", ";"},
			files: map[string]string{"payloads": "red;green;blue"}, n: 60,
			check: func(t *testing.T, r runResult, got []*kgo.Record, _ []producedRequest) {
				seen := map[string]bool{}
				for _, g := range got {
					seen[string(g.Value)] = true
				}
				if len(seen) != 3 || !seen["red"] || !seen["green"] || !seen["blue"] {
					t.Errorf("values %v, want red, green and blue", seen)
				}
				if !regexp.MustCompile(`(?m)^Reading payloads from: /.*payloads\nNumber of messages read: 3\n`).MatchString(r.stdout) {
					t.Errorf("stdout lacks Kafka's payload file lines")
				}
			}},
		{name: "payload-monotonic goroutines", args: []string{"--num-records", "2000", "--payload-monotonic", "--goroutines", "8", "--json"}, n: 2000,
			check: func(t *testing.T, r runResult, got []*kgo.Record, _ []producedRequest) {
				seen := map[string]int{}
				for _, g := range got {
					seen[string(g.Value)]++
				}
				for i := range 2000 {
					if seen[strconv.Itoa(i)] != 1 {
						t.Fatalf("value %d read back %d times", i, seen[strconv.Itoa(i)])
					}
				}
				if res := parseResult(t, r.stdout); res.Settings.Goroutines != 8 || res.Records != 2000 {
					t.Errorf("settings say %d goroutines, %d records", res.Settings.Goroutines, res.Records)
				}
			}},
		{name: "transactional-id", args: []string{"--num-records", "300", "--throughput", "600", "--transactional-id", "perf-txn", "--transaction-duration-ms", "100"}, n: 300,
			check: func(t *testing.T, r runResult, _ []*kgo.Record, reqs []producedRequest) {
				txnRequests(t, reqs, func(id string) bool { return id == "perf-txn" })
			}},
		{name: "transaction-duration-ms makes up an id", args: []string{"--num-records", "100", "--transaction-duration-ms", "100"}, n: 100,
			check: func(t *testing.T, r runResult, _ []*kgo.Record, reqs []producedRequest) {
				txnRequests(t, reqs, func(id string) bool { return strings.HasPrefix(id, txnIDPrefix) && len(id) == len(txnIDPrefix)+36 })
			}},
		{name: "print-metrics", args: []string{"--num-records", "100", "--print-metrics"}, n: 100,
			check: func(t *testing.T, r runResult, _ []*kgo.Record, _ []producedRequest) {
				if !regexp.MustCompile(`\nMetric Name +Value\n`).MatchString(r.stdout) ||
					!regexp.MustCompile(`(?m)^producer-metrics:record-send-total:\{client-id=perf-producer-client\} +: 100\.000$`).MatchString(r.stdout) {
					t.Errorf("stdout lacks the metrics table with record-send-total 100")
				}
			}},
		{name: "warmup-records", args: []string{"--num-records", "400", "--warmup-records", "100"}, n: 400,
			check: func(t *testing.T, r runResult, _ []*kgo.Record, _ []producedRequest) {
				if !strings.HasPrefix(r.stdout, "Warmup first 100 records. Steady state results will print after the complete test summary.\n") {
					t.Errorf("stdout does not start with Kafka's warm-up line")
				}
				lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
				total, steady := lines[len(lines)-2], lines[len(lines)-1]
				if !finalLine.MatchString(total) || !strings.HasPrefix(total, "400 records sent") ||
					!strings.HasPrefix(steady, "300 steady state records sent, ") {
					t.Errorf("last lines %q and %q: want the 400-record total, then the 300-record steady state", total, steady)
				}
			}},
		{name: "warmup-records json", args: []string{"--num-records", "400", "--warmup-records", "100", "--json"}, n: 400,
			check: func(t *testing.T, r runResult, _ []*kgo.Record, _ []producedRequest) {
				res := parseResult(t, r.stdout)
				if res.Records != 300 || res.WarmupRecords != 100 || res.Total == nil || res.Total.Records != 400 || res.Settings.Warmup != 100 {
					t.Errorf("records %d, warmup %d, total %+v: want 300 in the summary, 400 in total", res.Records, res.WarmupRecords, res.Total)
				}
			}},
		{name: "keys", args: []string{"--num-records", "50", "--keys"}, n: 50,
			check: func(t *testing.T, _ runResult, got []*kgo.Record, _ []producedRequest) {
				for _, g := range got {
					if len(g.Key) != 16 {
						t.Fatalf("key %q: want 16 bytes", g.Key)
					}
				}
			}},
	}
}

// freshLetters checks that every value is size random uppercase letters
// with a null key, and that each record got a value of its own, as Kafka's
// tool makes them (the same value for every record would compress as no
// real data does): all values differ and every letter occurs.
func freshLetters(t *testing.T, got []*kgo.Record, size int) {
	t.Helper()
	values := map[string]bool{}
	letters := map[rune]bool{}
	for _, g := range got {
		if len(g.Value) != size || g.Key != nil || strings.Trim(string(g.Value), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			t.Fatalf("value %q (key %q): want %d uppercase letters and a null key", g.Value, g.Key, size)
		}
		values[string(g.Value)] = true
		for _, c := range string(g.Value) {
			letters[c] = true
		}
	}
	if len(values) != len(got) || len(letters) != 26 {
		t.Errorf("%d records: %d distinct values, %d distinct letters; want a fresh value for each record, all 26 letters", len(got), len(values), len(letters))
	}
}

// txnRequests checks that every produce request was transactional with
// an id ok accepts.
func txnRequests(t *testing.T, reqs []producedRequest, ok func(string) bool) {
	if len(reqs) == 0 {
		t.Fatal("no produce request seen")
	}
	for _, r := range reqs {
		if !ok(r.txnID) {
			t.Fatalf("produce request with transactional.id %q", r.txnID)
		}
	}
}

// withRecords counts the samples with acknowledged records (the latency
// series have a point for each).
func withRecords(ss []sample) int {
	n := 0
	for _, s := range ss {
		if s.Records > 0 {
			n++
		}
	}
	return n
}

func parseResult(t *testing.T, stdout string) result {
	t.Helper()
	var res result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("--json output does not parse: %v", err)
	}
	return res
}

// A short run against the fake broker still gives a complete report: one
// sample per interval with no partial interval, a latency distribution,
// and every setting in the header.
func TestPerfReportComplete(t *testing.T) {
	fb := newFakeBroker(t)
	topic := fb.newTopic(t)
	dir := t.TempDir()
	html := filepath.Join(dir, "run.html")
	r := runSamsa(t, "", "perf", "-b", fb.addr, "--topic", topic, "--num-records", "3000", "--record-size", "64",
		"--throughput", "10000", "--producer-props", "acks=1", "linger.ms=2", "--json", "--report", html, "--progress", "never")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	res := parseResult(t, r.stdout)
	if len(res.Samples) < 10 || res.IntervalS <= 0 {
		t.Fatalf("%d samples of %v s for a 0.3 s run", len(res.Samples), res.IntervalS)
	}
	var sum int64
	for i, s := range res.Samples {
		sum += s.Records
		if i < len(res.Samples)-1 && (s.End-s.Start) > res.IntervalS*1.01 {
			t.Errorf("sample %d spans %v s, not the interval %v", i, s.End-s.Start, res.IntervalS)
		}
	}
	last := res.Samples[len(res.Samples)-1]
	if sum != 3000 || last.End != res.ElapsedS || last.End-last.Start < res.IntervalS*0.99 {
		t.Errorf("samples hold %d records, the last spans %v-%v s of %v s", sum, last.Start, last.End, res.ElapsedS)
	}
	st := res.Settings
	if st.Acks != "1" || st.LingerMs != 2 || st.Partitions != 3 || !strings.Contains(st.Broker, "kfake") && !strings.Contains(st.Broker, "Kafka") ||
		st.Samsa == "" || st.Payload == "" || st.Goroutines != 1 {
		t.Errorf("settings %+v", st)
	}
	if len(res.Latency) < 4 || res.Latency[len(res.Latency)-1].Percentile != 100 {
		t.Errorf("latency distribution %v", res.Latency)
	}
	checkReport(t, html, len(res.Samples), withRecords(res.Samples))
}
