package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
)

// kafkaTopic returns the shared cluster's bootstrap list and a new topic
// with partitions partitions.
func kafkaTopic(t *testing.T, partitions int32) (string, string) {
	t.Helper()
	c := kafkatest.Shared(t)
	return strings.Join(c.Bootstrap(kafkatest.PLAINTEXT), ","), c.NewTopic(t, partitions, 1)
}

// expectRecords reads the one-partition topic back and compares it, in
// order, with want.
func expectRecords(t *testing.T, bootstrap, topic string, want []samsa.Record) {
	t.Helper()
	got := itest.ConsumeAll(t, strings.Split(bootstrap, ","), topic, len(want), itest.ConsumeOpts{Timeout: 90 * time.Second})
	if len(got) != len(want) {
		t.Fatalf("read %d records back, want %d", len(got), len(want))
	}
	for i, g := range got {
		md := samsa.RecordMetadata{Partition: 0, Offset: int64(i), Timestamp: g.Timestamp}
		if diff := itest.Equal(g, want[i], md); diff != "" {
			t.Errorf("record %d: %s", i, diff)
		}
	}
}

func hdr(k, v string) samsa.Header { return samsa.Header{Key: k, Value: []byte(v)} }

func TestKafkaProduceKeysHeaders(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	in := "k1:hello\nk2:world:with colon\n\nk3:\n"
	r := runSamsa(t, in, "produce", "-b", bs, "-t", topic, "-K", ":", "-H", "source=test", "--header", "n=1")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	if !regexp.MustCompile(`3 records \(\d+ bytes\) delivered, 0 failed`).MatchString(r.stderr) {
		t.Errorf("no summary line with 3 records in stderr")
	}
	if strings.Contains(r.stderr, "embedded") {
		t.Errorf("started the embedded broker although --bootstrap-server was given")
	}
	hs := []samsa.Header{hdr("source", "test"), hdr("n", "1")}
	expectRecords(t, bs, topic, []samsa.Record{
		{Key: []byte("k1"), Value: []byte("hello"), Headers: hs},
		{Key: []byte("k2"), Value: []byte("world:with colon"), Headers: hs},
		{Key: []byte("k3"), Value: []byte{}, Headers: hs},
	})
}

func TestKafkaProduceJSON(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	in := `{"key":"a","value":"plain","headers":{"h1":"v1","h2":null}}
{"key":null,"value":{"nested":[1,2]},"timestamp":1700000000123}
{"value":null,"headers":[{"key":"r","value":"1"},{"key":"r","value":"2"}],"partition":0}
{"key":"t","value":"rfc","timestamp":"2024-01-02T03:04:05.678Z"}
`
	r := runSamsa(t, in, "produce", "--bootstrap-server", bs, "--topic", topic, "--json")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	expectRecords(t, bs, topic, []samsa.Record{
		{Key: []byte("a"), Value: []byte("plain"), Headers: []samsa.Header{hdr("h1", "v1"), {Key: "h2"}}},
		{Value: []byte(`{"nested":[1,2]}`), Timestamp: time.UnixMilli(1700000000123)},
		{Headers: []samsa.Header{hdr("r", "1"), hdr("r", "2")}},
		{Key: []byte("t"), Value: []byte("rfc"), Timestamp: time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC)},
	})
}

func TestKafkaProduceBase64FromFile(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	bin := []byte{0, 1, 2, 0xff, '\n', 0xfe}
	file := filepath.Join(t.TempDir(), "in.txt")
	content := base64.StdEncoding.EncodeToString([]byte("key")) + "\t" + base64.StdEncoding.EncodeToString(bin) + "\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runSamsa(t, "", "produce", "-b", bs, "-t", topic, "--base64", "-K", `\t`, "-p", "0", file)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	expectRecords(t, bs, topic, []samsa.Record{{Key: []byte("key"), Value: bin}})
}

// A bad line is reported with its line number; the other records are
// delivered and the exit status is 1.
func TestKafkaProduceBadLine(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	in := "{\"value\":\"one\"}\n{\"value\":\"two\"\n{\"value\":\"three\",\"colour\":1}\n{\"value\":\"four\"}\n"
	r := runSamsa(t, in, "produce", "-b", bs, "-t", topic, "--json")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, "stdin:2: not a JSON record") {
		t.Errorf("stderr does not name stdin:2 as not a JSON record")
	}
	if !strings.Contains(r.stderr, `stdin:3: not a JSON record: json: unknown field "colour"`) {
		t.Errorf("stderr does not name stdin:3 and its unknown field")
	}
	if !strings.Contains(r.stderr, "2 records (7 bytes) delivered, 2 failed") {
		t.Errorf("summary does not say 2 delivered (7 bytes), 2 failed")
	}
	expectRecords(t, bs, topic, []samsa.Record{{Value: []byte("one")}, {Value: []byte("four")}})
}

// A record for a partition the topic does not have fails with an error
// naming its line; the rest are delivered.
func TestKafkaProduceBadPartition(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	in := "{\"value\":\"a\"}\n{\"value\":\"b\",\"partition\":7}\n{\"value\":\"c\"}\n"
	r := runSamsa(t, in, "produce", "-b", bs, "-t", topic, "--json")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if !regexp.MustCompile(`stdin:2: .*partition`).MatchString(r.stderr) {
		t.Errorf("stderr does not report stdin:2's partition")
	}
	expectRecords(t, bs, topic, []samsa.Record{{Value: []byte("a")}, {Value: []byte("c")}})
}

var (
	windowLine = regexp.MustCompile(`^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency\.$`)
	finalLine  = regexp.MustCompile(`^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$`)
)

// checkPerfOutput checks that every stdout line is one of Kafka's and that
// the last is the final line with n records; it returns the final line's
// fields.
func checkPerfOutput(t *testing.T, stdout string, n int) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	for _, l := range lines[:len(lines)-1] {
		if !windowLine.MatchString(l) {
			t.Errorf("line %q is not kafka-producer-perf-test's periodic line", l)
		}
	}
	m := finalLine.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("last line %q is not kafka-producer-perf-test's final line", lines[len(lines)-1])
	}
	if m[1] != strconv.Itoa(n) {
		t.Errorf("final line says %s records, want %d", m[1], n)
	}
	p50, _ := strconv.Atoi(m[6])
	p999, _ := strconv.Atoi(m[9])
	if p50 > p999 {
		t.Errorf("50th percentile %d ms above 99.9th %d ms", p50, p999)
	}
	return m
}

func TestKafkaPerf(t *testing.T) {
	bs, topic := kafkaTopic(t, 3)
	const n = 20000
	r := runSamsa(t, "", "perf", "--topic", topic, "--num-records", strconv.Itoa(n), "--record-size", "64",
		"--throughput", "-1", "--producer-props", "bootstrap.servers="+bs, "acks=all", "linger.ms=5", "--keys")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	checkPerfOutput(t, r.stdout, n)
	got := itest.ConsumeAll(t, strings.Split(bs, ","), topic, n, itest.ConsumeOpts{Timeout: 2 * time.Minute})
	if len(got) != n {
		t.Fatalf("read %d records back, want %d", len(got), n)
	}
	for i, g := range got {
		if len(g.Value) != 64 || len(g.Key) != 16 {
			t.Fatalf("record %d: key of %d bytes and value of %d, want 16 and 64", i, len(g.Key), len(g.Value))
		}
	}
}

// Throttled to 1000 records/s, 6000 records take about 6 s: at least one
// periodic line is printed, and the per-second samples of --json add up.
func TestKafkaPerfThrottledJSONAndReport(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	const n = 6000
	report := filepath.Join(t.TempDir(), "run.html")
	r := runSamsa(t, "", "perf", "-b", bs, "--topic", topic, "--num-records", strconv.Itoa(n), "--record-size", "10",
		"--throughput", "1000", "--json", "--report", report)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	var res result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--json output does not parse: %v", err)
	}
	if res.Records != n || res.Errors != 0 || res.Bytes != n*10 || res.Topic != topic || res.Embedded {
		t.Errorf("result: %d records, %d errors, %d bytes, topic %q, embedded %v; want %d, 0, %d, %q, false",
			res.Records, res.Errors, res.Bytes, res.Topic, res.Embedded, n, n*10, topic)
	}
	if res.RecPerS > 1000*1.2 {
		t.Errorf("%.0f records/s with --throughput 1000", res.RecPerS)
	}
	var sum int64
	for _, s := range res.Samples {
		sum += s.Records
	}
	if sum != n || len(res.Samples) < 5 {
		t.Errorf("%d samples hold %d records, want at least 5 holding %d", len(res.Samples), sum, n)
	}
	checkReport(t, report, len(res.Samples), withRecords(res.Samples))
	got := itest.ConsumeAll(t, strings.Split(bs, ","), topic, n, itest.ConsumeOpts{Timeout: 2 * time.Minute})
	if len(got) != n {
		t.Errorf("read %d records back, want %d", len(got), n)
	}
}

func TestKafkaPerfErrorsNameFlags(t *testing.T) {
	bs, _ := kafkaTopic(t, 1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--topic", "x"}, "--num-records is required"},
		{[]string{"--num-records", "10"}, "--topic is required"},
		{[]string{"--topic", "x", "--num-records", "10", "--throughput", "0"}, "--throughput 0"},
		{[]string{"--topic", "x", "--num-records", "ten"}, `--num-records "ten": not an integer`},
		{[]string{"--topic", "x", "--num-records", "10", "--producer-props", "acks=7"}, "acks"},
		{[]string{"--topic", "x", "--num-records", "10", "--records-size", "7"}, "unknown flag; did you mean --record-size?"},
	} {
		r := runSamsa(t, "", append([]string{"perf", "-b", bs}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// SIGINT stops reading and delivers what was read: with linger.ms at ten
// minutes nothing is sent before the signal, so the records read back were
// flushed because of it.
func TestKafkaProduceInterruptFlushes(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	cmd := exec.Command(samsaBin, "produce", "-b", bs, "-t", topic, "-X", "linger.ms=600000", "-X", "batch.size=1000000")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if _, err := io.WriteString(stdin, "one\ntwo\nthree\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second) // let it read the lines; stdin stays open
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("samsa produce did not exit after SIGINT; stderr:\n%s", stderr.String())
	}
	t.Logf("stderr:\n%s", stderr.String())
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Errorf("exit: %v, want status %d", err, exitInterrupted)
	}
	if !strings.Contains(stderr.String(), "3 records (11 bytes) delivered, 0 failed") || !strings.Contains(stderr.String(), "(interrupted)") {
		t.Errorf("summary does not say 3 records delivered, interrupted")
	}
	expectRecords(t, bs, topic, []samsa.Record{{Value: []byte("one")}, {Value: []byte("two")}, {Value: []byte("three")}})
}

// Kafka 4's names (--command-property, --bootstrap-server) and
// --payload-monotonic: the values read back are 0 to n-1, each once.
func TestKafkaPerfMonotonicKafka4Flags(t *testing.T) {
	bs, topic := kafkaTopic(t, 2)
	const n = 500
	r := runSamsa(t, "", "perf", "--bootstrap-server", bs, "--topic", topic, "--num-records", strconv.Itoa(n),
		"--throughput", "-1", "--payload-monotonic", "--command-property", "acks=1", "linger.ms=0")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	checkPerfOutput(t, r.stdout, n)
	got := itest.ConsumeAll(t, strings.Split(bs, ","), topic, n, itest.ConsumeOpts{Timeout: 2 * time.Minute})
	seen := map[string]bool{}
	for _, g := range got {
		seen[string(g.Value)] = true
	}
	for i := range n {
		if !seen[strconv.Itoa(i)] {
			t.Fatalf("value %d not in the topic (%d records read back)", i, len(got))
		}
	}
	if len(got) != n {
		t.Errorf("read %d records back, want %d", len(got), n)
	}
}

// Against the security listeners of a real broker, a refused login or an
// unaccepted certificate ends the run at once (no retries for the length
// of --connect-timeout) with the address and the cause; a wrong protocol
// on a port says which.
func TestKafkaConnectFailuresNameTheCause(t *testing.T) {
	c := kafkatest.Shared(t)
	one := func(l kafkatest.Listener) string { return c.Bootstrap(l)[0] }
	jaas := `org.apache.kafka.common.security.plain.PlainLoginModule required username="` + kafkatest.PlainUser.Name + `" password="wrong";`
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"wrong password", []string{"-b", one(kafkatest.SASLPlaintext), "-X", "security.protocol=SASL_PLAINTEXT",
			"-X", "sasl.mechanism=PLAIN", "-X", "sasl.jaas.config=" + jaas}, one(kafkatest.SASLPlaintext) + ": SASL authentication failed"},
		{"unknown CA", []string{"-b", one(kafkatest.SSL), "-X", "security.protocol=SSL"},
			one(kafkatest.SSL) + ": TLS: the broker's certificate was not accepted"},
		{"expired certificate", []string{"-b", one(kafkatest.SSLExpired), "-X", "security.protocol=SSL", "-X", "ssl.truststore.location=" + c.CAFile(),
			"-X", "ssl.truststore.type=PEM"}, one(kafkatest.SSLExpired) + ": TLS: the broker's certificate was not accepted"},
		{"TLS to a plaintext port", []string{"-b", one(kafkatest.PLAINTEXT), "-X", "security.protocol=SSL"},
			one(kafkatest.PLAINTEXT) + ": TLS handshake failed: the server did not answer in TLS"},
		{"plaintext to a TLS port", []string{"-b", one(kafkatest.SSL)}, one(kafkatest.SSL) + ": the server does not speak Kafka's protocol: it answered in TLS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := runSamsa(t, "a\n", append([]string{"produce", "-t", "x", "--connect-timeout", "60"}, tc.args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, "cannot reach the cluster") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d; want 1 and %q", r.code, tc.want)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %v with --connect-timeout 60", took)
			}
		})
	}
}

// Against real Kafka the report names the broker's release, guessed from
// its API versions, and --json carries every setting.
func TestKafkaPerfSettingsNameTheBroker(t *testing.T) {
	bs, topic := kafkaTopic(t, 2)
	r := runSamsa(t, "", "perf", "-b", bs, "--topic", topic, "--num-records", "2000", "--json", "--goroutines", "4",
		"--producer-props", "acks=1", "compression.type=zstd", "batch.size=32768", "linger.ms=7", "--keys")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	res := parseResult(t, r.stdout)
	st := res.Settings
	version := kafkatest.Shared(t).Version()
	release := "v" + version[:strings.LastIndex(version, ".")] // 4.3.1 -> v4.3
	if !strings.HasPrefix(st.Broker, "Apache Kafka "+release+" ") {
		t.Errorf("broker %q, want Apache Kafka %s", st.Broker, release)
	}
	if st.Acks != "1" || st.Compression != "zstd" || st.BatchSize != 32768 || st.LingerMs != 7 || st.Idempotence ||
		st.Partitions != 2 || st.Goroutines != 4 || !strings.Contains(st.Keys, "16") || st.Properties["compression.type"] != "zstd" {
		t.Errorf("settings %+v", st)
	}
	got := itest.ConsumeAll(t, strings.Split(bs, ","), topic, 2000, itest.ConsumeOpts{Timeout: 2 * time.Minute})
	if len(got) != 2000 {
		t.Errorf("read %d records back, want 2000", len(got))
	}
}

// kafka-console-producer's reader options against real Kafka: headers,
// keys and null markers read back as written.
func TestKafkaConsoleProducerReader(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	in := "h1:v1,h2:NULL\tk1\tvalue one\nNULL\tNULL\tvalue two\n"
	r := runSamsa(t, in, "produce", "--bootstrap-server", bs, "--topic", topic, "--property", "parse.key=true",
		"--property", "parse.headers=true", "--property", "null.marker=NULL", "--request-required-acks", "all", "--sync")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	expectRecords(t, bs, topic, []samsa.Record{
		{Key: []byte("k1"), Value: []byte("value one"), Headers: []samsa.Header{hdr("h1", "v1"), {Key: "h2"}}},
		{Value: []byte("value two")},
	})
}

// kcat's options against real Kafka.
func TestKafkaKcatOptions(t *testing.T) {
	bs, topic := kafkaTopic(t, 2)
	r := runSamsa(t, "a:1\n:2\nc:\n", "produce", "-P", "-b", bs, "-t", topic, "-p", "1", "-K", ":", "-Z",
		"-H", "src=kcat", "-z", "lz4", "-X", "acks=all", "-T", "-c", "3")
	if r.code != 0 || r.stdout != "a:1\n:2\nc:\n" {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	got := itest.ConsumeAll(t, strings.Split(bs, ","), topic, 3, itest.ConsumeOpts{Timeout: 90 * time.Second})
	want := []string{`a/"1"`, `null/"2"`, `c/null`}
	for i, g := range got {
		k := "null"
		if g.Key != nil {
			k = string(g.Key)
		}
		val := "null"
		if g.Value != nil {
			val = strconv.Quote(string(g.Value))
		}
		if g.Partition != 1 || k+"/"+val != want[i] || len(g.Headers) != 1 || string(g.Headers[0].Value) != "kcat" {
			t.Errorf("record %d: partition %d, %s/%s, headers %v; want partition 1, %s, src=kcat", i, g.Partition, k, val, g.Headers, want[i])
		}
	}
}
