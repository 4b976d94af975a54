package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
)

// produceCase is one option of samsa produce under test: a run against a
// fake broker, the records read back, and what else the option changes.
type produceCase struct {
	name     string
	args     []string // {B}, {T} and {F:name} are filled in
	stdin    string
	files    map[string]string
	want     []rec
	ordered  bool     // the records are in one partition, in this order
	code     int      // exit status
	stdout   *string  // exact stdout, when it matters
	stderr   []string // in stderr
	requests func(*testing.T, []producedRequest)
	dump     map[string]string // -X dump's values with the same flags
}

// Every option of kafka-console-producer and kcat -P that samsa takes
// produces a record that is read back and checked, along with its effect
// on the wire (acks, timeout, compression, batching, one record per
// request for --sync) or on the settings in effect (-X dump).
func TestProduceOptions(t *testing.T) {
	fb := newFakeBroker(t)
	for _, c := range append(consoleProducerCases(), kcatCases()...) {
		t.Run(c.name, func(t *testing.T) { runProduceCase(t, fb, c) })
	}
}

func runProduceCase(t *testing.T, fb *fakeBroker, c produceCase) {
	topic := fb.newTopic(t)
	paths := writeFiles(t, c.files)
	args := expand(c.args, fb.addr, topic, paths)
	r := runSamsa(t, c.stdin, append([]string{"produce"}, args...)...)
	if r.code != c.code {
		t.Fatalf("exit %d, want %d", r.code, c.code)
	}
	for _, want := range c.stderr {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if c.stdout != nil && r.stdout != *c.stdout {
		t.Errorf("stdout %q, want %q", r.stdout, *c.stdout)
	}
	readBack(t, fb.addr, topic, c.want, c.ordered, itest.ConsumeOpts{})
	if c.requests != nil {
		c.requests(t, fb.produced(topic))
	}
	if c.dump != nil {
		d := runSamsa(t, "", append(append([]string{"produce"}, args...), "-X", "dump")...)
		for k, want := range c.dump {
			if got := dumpValue(d.stdout, k); got != want {
				t.Errorf("-X dump: %s = %s, want %s", k, got, want)
			}
		}
	}
}

// acksAre checks every produce request's acks.
func acksAre(acks int16) func(*testing.T, []producedRequest) {
	return func(t *testing.T, rs []producedRequest) {
		if len(rs) == 0 {
			t.Fatal("no produce request seen")
		}
		for _, r := range rs {
			if r.acks != acks {
				t.Errorf("produce request with acks %d, want %d", r.acks, acks)
			}
		}
	}
}

// codecIs checks every batch's compression codec (1 gzip, 2 snappy, 3
// lz4, 4 zstd).
func codecIs(codec int8) func(*testing.T, []producedRequest) {
	return func(t *testing.T, rs []producedRequest) {
		n := 0
		for _, r := range rs {
			for _, b := range r.batches {
				n++
				if b.codec != codec {
					t.Errorf("batch compressed with codec %d, want %d", b.codec, codec)
				}
			}
		}
		if n == 0 {
			t.Fatal("no batch seen")
		}
	}
}

// oneRecordPerRequest checks that every request carried one record, as
// --sync (or a tiny batch.size with one record per batch) makes it.
func oneRecordPerBatch(t *testing.T, rs []producedRequest) {
	for _, r := range rs {
		for _, b := range r.batches {
			if b.records != 1 {
				t.Errorf("a batch of %d records, want 1", b.records)
			}
		}
	}
}

func oneRecordPerRequest(t *testing.T, rs []producedRequest) {
	if len(rs) < 3 {
		t.Errorf("%d produce requests for 3 records", len(rs))
	}
	for _, r := range rs {
		if len(r.batches) != 1 || r.batches[0].records != 1 {
			t.Errorf("a request of %d batches (%v), want one record", len(r.batches), r.batches)
		}
	}
}

func consoleProducerCases() []produceCase {
	base := []string{"--bootstrap-server", "{B}", "--topic", "{T}"}
	with := func(args ...string) []string { return append(append([]string(nil), base...), args...) }
	return []produceCase{
		{name: "bootstrap-server,topic", args: base, stdin: "a\nb\n", want: []rec{v("a"), v("b")}},
		{name: "broker-list", args: []string{"--broker-list", "{B}", "--topic", "{T}"}, stdin: "a\n", want: []rec{v("a")}},
		{name: "producer-property", args: with("--producer-property", "acks=1"), stdin: "a\n", want: []rec{v("a")}, requests: acksAre(1)},
		{name: "producer.config", args: with("--producer.config", "{F:p.properties}"), files: map[string]string{"p.properties": "acks=1\nlinger.ms=0\n"},
			stdin: "a\n", want: []rec{v("a")}, requests: acksAre(1), dump: map[string]string{"linger.ms": "0"}},
		{name: "property parse.key key.separator", args: with("--property", "parse.key=true", "--property", "key.separator=:"),
			stdin: "k1:v1\nk2:v:2\n", want: []rec{kv("k1", "v1"), kv("k2", "v:2")}},
		{name: "property parse.key default tab", args: with("--property", "parse.key=true"), stdin: "k\tv\n", want: []rec{kv("k", "v")}},
		{name: "property parse.headers", args: with("--property", "parse.headers=true", "--property", "parse.key=true"),
			stdin: "h1:v1,h2:v2\tk\tv\n", want: []rec{{key: s("k"), value: s("v"), partition: -1,
				headers: []hdrWant{{"h1", s("v1")}, {"h2", s("v2")}}}}},
		{name: "property headers.delimiter separator key.separator", args: with("--property", "parse.headers=true",
			"--property", "headers.delimiter=|", "--property", "headers.separator=;", "--property", "headers.key.separator=="),
			stdin: "a=1;b=2|value\n", want: []rec{{value: s("value"), partition: -1, headers: []hdrWant{{"a", s("1")}, {"b", s("2")}}}}},
		{name: "property null.marker", args: with("--property", "parse.key=true", "--property", "parse.headers=true", "--property", "null.marker=NULL"),
			stdin: "h:NULL\tNULL\tNULL\nNULL\tk\tv\n", want: []rec{{partition: -1, headers: []hdrWant{{"h", nil}}}, kv("k", "v")}},
		{name: "property ignore.error", args: with("--property", "parse.key=true", "--property", "ignore.error=true"),
			stdin: "novalue\nk\tv\n", want: []rec{v("novalue"), kv("k", "v")}},
		{name: "property parse.key without separator fails the line", args: with("--property", "parse.key=true"),
			stdin: "novalue\nk\tv\n", want: []rec{kv("k", "v")}, code: 1, stderr: []string{`stdin:1: no key separator "\t"`}},
		{name: "reader-config", args: with("--reader-config", "{F:r.properties}", "--property", "key.separator=="),
			files: map[string]string{"r.properties": "parse.key=true\nkey.separator=|\n"}, stdin: "k=v\n", want: []rec{kv("k", "v")}},
		{name: "request-required-acks", args: with("--request-required-acks", "1"), stdin: "a\n", want: []rec{v("a")}, requests: acksAre(1)},
		{name: "request-required-acks -1", args: with("--request-required-acks", "-1"), stdin: "a\n", want: []rec{v("a")}, requests: acksAre(-1)},
		{name: "compression-codec without value", args: []string{"-b", "{B}", "--compression-codec", "--topic", "{T}"}, stdin: "a\n", want: []rec{v("a")}, requests: codecIs(1)},
		{name: "compression-codec lz4", args: with("--compression-codec", "lz4"), stdin: "a\n", want: []rec{v("a")}, requests: codecIs(3)},
		{name: "batch-size", args: with("--batch-size", "100", "--partition", "0", "-X", "linger.ms=100"),
			stdin: strings.Repeat(strings.Repeat("x", 60)+"\n", 3), ordered: true,
			want:     []rec{rec{value: s(strings.Repeat("x", 60)), partition: 0}, rec{value: s(strings.Repeat("x", 60)), partition: 0}, rec{value: s(strings.Repeat("x", 60)), partition: 0}},
			requests: oneRecordPerBatch, dump: map[string]string{"batch.size": "100"}},
		{name: "timeout", args: with("--timeout", "1500"), stdin: "a\n", want: []rec{v("a")}, dump: map[string]string{"linger.ms": "1500"}},
		{name: "request-timeout-ms", args: with("--request-timeout-ms", "7000"), stdin: "a\n", want: []rec{v("a")},
			requests: func(t *testing.T, rs []producedRequest) {
				for _, r := range rs {
					if r.timeoutMillis != 7000 {
						t.Errorf("produce request timeout %d ms, want 7000", r.timeoutMillis)
					}
				}
			}},
		{name: "message-send-max-retries", args: with("--message-send-max-retries", "2"), stdin: "a\n", want: []rec{v("a")}, dump: map[string]string{"retries": "2"}},
		{name: "retry-backoff-ms", args: with("--retry-backoff-ms", "50"), stdin: "a\n", want: []rec{v("a")}, dump: map[string]string{"retry.backoff.ms": "50"}},
		{name: "metadata-expiry-ms", args: with("--metadata-expiry-ms", "60000"), stdin: "a\n", want: []rec{v("a")}, dump: map[string]string{"metadata.max.age.ms": "60000"}},
		{name: "max-block-ms", args: with("--max-block-ms", "5000"), stdin: "a\n", want: []rec{v("a")}, dump: map[string]string{"max.block.ms": "5000"}},
		{name: "max-memory-bytes", args: with("--max-memory-bytes", "10000000"), stdin: "a\n", want: []rec{v("a")}, dump: map[string]string{"buffer.memory": "10000000"}},
		{name: "max-partition-memory-bytes", args: with("--max-partition-memory-bytes", "2000"), stdin: "a\n", want: []rec{v("a")}, dump: map[string]string{"batch.size": "2000"}},
		{name: "socket-buffer-size", args: with("--socket-buffer-size", "65536"), stdin: "a\n", want: []rec{v("a")}, dump: map[string]string{"send.buffer.bytes": "65536"}},
		{name: "sync", args: with("--sync", "--partition", "0"), stdin: "1\n2\n3\n", ordered: true,
			want: []rec{{value: s("1")}, {value: s("2")}, {value: s("3")}}, requests: oneRecordPerRequest},
	}
}

func kcatCases() []produceCase {
	base := []string{"-P", "-b", "{B}", "-t", "{T}"}
	with := func(args ...string) []string { return append(append([]string(nil), base...), args...) }
	alpha, beta := samsa.Murmur2Partitioner().Partition("", []byte("alpha"), []int32{0, 1, 2}, nil),
		samsa.Murmur2Partitioner().Partition("", []byte("beta"), []int32{0, 1, 2}, nil)
	tee := "one\ntwo\n"
	return []produceCase{
		{name: "-b -t -p", args: with("-p", "1"), stdin: "a\nb\n", ordered: true, want: []rec{{value: s("a"), partition: 1}, {value: s("b"), partition: 1}}},
		{name: "-p -1 uses the partitioner", args: with("-p", "-1", "-K", ":"), stdin: "alpha:1\nbeta:2\n",
			want: []rec{{key: s("alpha"), value: s("1"), partition: alpha}, {key: s("beta"), value: s("2"), partition: beta}}},
		{name: "-k fixed key", args: with("-k", "fixed", "-K", ":", "--property", "ignore.error=true"), stdin: "own:1\nbare\n",
			want: []rec{kv("own", "1"), kv("fixed", "bare")}},
		{name: "-K", args: with("-K", "::"), stdin: "k::v::w\n", want: []rec{kv("k", "v::w")}},
		{name: "-H", args: with("-H", "a=1", "-H", "b"), stdin: "x\n", want: []rec{{value: s("x"), partition: -1, headers: []hdrWant{{"a", s("1")}, {"b", nil}}}}},
		{name: "-T", args: with("-T"), stdin: tee, stdout: &tee, want: []rec{v("one"), v("two")}},
		{name: "-c", args: with("-c", "2", "-p", "0"), stdin: "1\n2\n3\n4\n", ordered: true,
			want: []rec{{value: s("1")}, {value: s("2")}}, stderr: []string{"2 records (2 bytes) delivered"}},
		{name: "-z", args: with("-z", "snappy"), stdin: "a\n", want: []rec{v("a")}, requests: codecIs(2)},
		{name: "-X", args: with("-X", "acks=1", "-X", "compression.codec=zstd"), stdin: "a\n", want: []rec{v("a")},
			requests: func(t *testing.T, rs []producedRequest) { acksAre(1)(t, rs); codecIs(4)(t, rs) }},
		{name: "-l", args: with("-l", "{F:in.txt}"), files: map[string]string{"in.txt": "l1\nl2\n"}, want: []rec{v("l1"), v("l2")}},
		{name: "-D", args: with("-D", ";"), stdin: "a;b;c", want: []rec{v("a"), v("b"), v("c")}},
		{name: "-Z", args: with("-K", ":", "-Z"), stdin: ":v\nk:\n", want: []rec{{value: s("v"), partition: -1}, {key: s("k"), partition: -1}}},
		{name: "-F", args: with("-F", "{F:kcat.conf}"), files: map[string]string{"kcat.conf": "acks=1\n"}, stdin: "a\n", want: []rec{v("a")}, requests: acksAre(1)},
		{name: "-d", args: with("-d", "broker,msg"), stdin: "a\n", want: []rec{v("a")}, stderr: []string{"samsa produce: debug: ", "msg=connected"}},
		{name: "-X debug", args: with("-X", "debug=all"), stdin: "a\n", want: []rec{v("a")}, stderr: []string{"samsa produce: debug: "}},
		{name: "-v", args: with("-v"), stdin: "a\n", want: []rec{v("a")}, stderr: []string{"samsa produce: debug: "}},
		{name: "-X statistics.interval.ms", args: with("-X", "statistics.interval.ms=100", "--sync", "--timeout", "300"),
			stdin: "a\nb\n", want: []rec{v("a"), v("b")}, stderr: []string{`{"name":"samsa produce","client_id":"console-producer","type":"producer"`, `"txmsgs":`}},
	}
}

// The statistics lines are JSON objects with the producer's metrics.
func TestProduceStatisticsLines(t *testing.T) {
	fb := newFakeBroker(t)
	topic := fb.newTopic(t)
	r := runSamsa(t, "a\nb\nc\n", "produce", "-b", fb.addr, "-t", topic, "-X", "statistics.interval.ms=100", "--sync", "--timeout", "250")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	lines := 0
	var last statsLine
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "{") {
			lines++
			if err := json.Unmarshal([]byte(l), &last); err != nil {
				t.Fatalf("statistics line %q: %v", l, err)
			}
		}
	}
	if lines < 3 {
		t.Errorf("%d statistics lines in about 750 ms at 100 ms", lines)
	}
	pm, _ := last.Metrics["producer-metrics"].(map[string]any)
	if last.Type != "producer" || pm == nil || pm["record-send-total"] == nil || last.TxMsgs < 1 {
		t.Errorf("last statistics line: %+v", last)
	}
	readBack(t, fb.addr, topic, []rec{v("a"), v("b"), v("c")}, false, itest.ConsumeOpts{})
}
