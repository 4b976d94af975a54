package spoolcrash

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kills returns how many times a crash test kills its child.
func kills(t *testing.T, def int) int {
	if s := os.Getenv("SAMSA_SPOOL_KILLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("SAMSA_SPOOL_KILLS=%q: want a positive count", s)
		}
		return n
	}
	return def
}

// crashHarness runs children on one spool directory.
type crashHarness struct {
	t         *testing.T
	bootstrap []string
	topic     string
	dir       string
	progress  string
	report    string
	fsync     string
	notIdem   bool
	codec     string
	runs      int
}

func newHarness(t *testing.T, bootstrap []string, topic string, v variant) *crashHarness {
	base := t.TempDir()
	return &crashHarness{t: t, bootstrap: bootstrap, topic: topic, fsync: v.fsync, notIdem: v.notIdempotent, codec: v.compression,
		dir: filepath.Join(base, "spool"), progress: filepath.Join(base, "progress"), report: filepath.Join(base, "report")}
}

// variant is a crash test's producer configuration.
type variant struct {
	fsync         string // spool.fsync; empty for the default
	notIdempotent bool
	compression   string // compression.type; empty for none
}

// child starts the next run's child producing records.
func (h *crashHarness) child(records int) *exec.Cmd {
	cc := childConfig{Bootstrap: h.bootstrap, Dir: h.dir, Topic: h.topic, Fsync: h.fsync, NotIdempotent: h.notIdem, Compression: h.codec, Run: h.runs,
		Records: records, Progress: h.progress, Report: h.report}
	h.runs++
	env, err := json.Marshal(cc)
	if err != nil {
		h.t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+string(env))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	return cmd
}

// killRounds starts a child n times and kills it with SIGKILL at a random
// point between 50ms (often during its recovery) and max.
func (h *crashHarness) killRounds(n int, max time.Duration) {
	for range n {
		cmd := h.child(1 << 30)
		time.Sleep(50*time.Millisecond + rand.N(max-50*time.Millisecond))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			h.t.Fatal(err)
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			h.t.Fatalf("run %d ended before it was killed: %v", h.runs-1, err)
		}
	}
}

// finish runs a last child that produces records and closes cleanly,
// sending whatever the spool still holds.
func (h *crashHarness) finish(records int) {
	cmd := h.child(records)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			h.t.Fatalf("the last run failed: %v", err)
		}
	case <-time.After(5 * time.Minute):
		cmd.Process.Kill()
		h.t.Fatal("the last run did not finish within 5 minutes")
	}
}

// outcome is what the children said and what the topic holds.
type outcome struct {
	spooled  map[int]int        // run -> the last seq known spooled
	finished map[int]bool       // runs that closed cleanly
	flagged  map[string]bool    // values reported as possible duplicates
	reports  []string           // the recovery summaries
	counts   map[string]int     // value -> copies in the topic
	order    map[int32][]string // partition -> values, in offset order
}

func (h *crashHarness) outcome() *outcome {
	o := &outcome{spooled: map[int]int{}, finished: map[int]bool{}, flagged: map[string]bool{},
		counts: map[string]int{}, order: map[int32][]string{}}
	lines(h.t, h.progress, func(f []string) {
		switch {
		case f[0] == "P" && len(f) == 3:
			run, err1 := strconv.Atoi(f[1])
			seq, err2 := strconv.Atoi(f[2])
			if err1 == nil && err2 == nil && seq > o.spooled[run] {
				o.spooled[run] = seq
			} else if err1 == nil && err2 == nil {
				if _, ok := o.spooled[run]; !ok {
					o.spooled[run] = seq
				}
			}
		case f[0] == "D" && len(f) == 2:
			run, _ := strconv.Atoi(f[1])
			o.finished[run] = true
		}
	})
	lines(h.t, h.report, func(f []string) {
		switch f[0] {
		case "R":
			if len(f) >= 3 && f[2] == "true" {
				o.flagged[f[1]] = true
			}
		case "S":
			o.reports = append(o.reports, strings.Join(f[1:], " "))
		}
	})
	for _, r := range readTopic(h.t, h.bootstrap, h.topic) {
		v := string(r.Value)
		o.counts[v]++
		o.order[r.Partition] = append(o.order[r.Partition], v)
	}
	return o
}

// lines calls fn with the fields of each complete line of path.
func lines(t *testing.T, path string, fn func([]string)) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 0 {
			fn(fields)
		}
	}
}

// parseValue splits "run-seq".
func parseValue(v string) (run, seq int, ok bool) {
	a, b, found := strings.Cut(v, "-")
	run, err1 := strconv.Atoi(a)
	seq, err2 := strconv.Atoi(b)
	return run, seq, found && err1 == nil && err2 == nil
}

// check fails the test for a record lost after it was spooled, a
// duplicate the spool did not report, or records out of order.
func (h *crashHarness) check(o *outcome) (records, dups int) {
	t := h.t
	for run, last := range o.spooled {
		for seq := 0; seq <= last; seq++ {
			if v := fmt.Sprintf("%d-%d", run, seq); o.counts[v] == 0 {
				t.Errorf("record %s was spooled (run %d reached %d) but is not in the topic", v, run, last)
				return
			}
		}
	}
	for v, n := range o.counts {
		records++
		if n > 1 {
			dups += n - 1
			if !o.flagged[v] {
				t.Errorf("record %s is in the topic %d times, and no recovery reported it as a possible duplicate", v, n)
			}
		}
		if _, _, ok := parseValue(v); !ok {
			t.Errorf("unexpected record %q in the topic", v)
		}
	}
	for p, vs := range o.order {
		seen := map[string]bool{}
		prevRun, prevSeq := -1, -1
		for _, v := range vs {
			if seen[v] {
				continue // a reported duplicate's second copy
			}
			seen[v] = true
			run, seq, _ := parseValue(v)
			if run < prevRun || run == prevRun && seq <= prevSeq {
				t.Errorf("partition %d: %s after %d-%d: records of a partition must keep the order they were produced in", p, v, prevRun, prevSeq)
				break
			}
			prevRun, prevSeq = run, seq
		}
	}
	return records, dups
}

// readTopic reads every record of topic up to its end offsets.
func readTopic(t *testing.T, bootstrap []string, topic string) []*kgo.Record {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			t.Fatalf("end offset of %s[%d]: %v", topic, o.Partition, o.Err)
		}
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	cons, err := kgo.NewClient(kgo.SeedBrokers(bootstrap...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	var out []*kgo.Record
	for len(want) > 0 {
		fs := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: %v (partitions left: %v)", topic, ctx.Err(), want)
		}
		fs.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", tp, p, err) })
		for _, r := range fs.Records() {
			out = append(out, r)
			if r.Offset+1 >= want[r.Partition] {
				delete(want, r.Partition)
			}
		}
	}
	return out
}

// crashTest kills a child n times, lets a last one finish, and checks
// what the topic holds.
func crashTest(t *testing.T, bootstrap []string, topic string, v variant, n int, maxLife time.Duration) {
	h := newHarness(t, bootstrap, topic, v)
	start := time.Now()
	h.killRounds(n, maxLife)
	h.finish(2000)
	o := h.outcome()
	records, dups := h.check(o)
	spooled := 0
	for _, last := range o.spooled {
		spooled += last + 1
	}
	t.Logf("%d kills in %v; %d records in the topic, %d known spooled before their run ended, %d duplicated, %d reported as possible duplicates",
		n, time.Since(start).Round(time.Second), records, spooled, dups, len(o.flagged))
	for _, r := range o.reports {
		t.Logf("recovery: %s", r)
	}
	if !o.finished[h.runs-1] {
		t.Errorf("the last run did not report closing")
	}
	if len(o.reports) == 0 {
		t.Errorf("no run reported a recovery, so the kills never left records in the spool")
	}
	if dups > 0 && !v.notIdempotent {
		t.Errorf("%d duplicates with an idempotent producer (each was reported, but none should happen when the broker still knows the producer)", dups)
	}
}

// slowFake starts a kfake cluster that answers produce requests 20ms
// late, as a replicating cluster does: kills then find batches in
// flight. The control function sleeps itself, holding kfake's loop, so
// produce requests are answered one at a time; kfake's SleepControl
// would let them overlap, but its sleep queue has a data race of its own
// (bsleep.waitQueue against resleepSleptControl) that -race reported in
// this test.
func slowFake(t *testing.T) *kfake.Cluster {
	fake, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(6, "crash"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	fake.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		time.Sleep(20 * time.Millisecond)
		return nil, nil, false
	})
	return fake
}

// TestSpoolCrashKfake kills a producing child many times against kfake,
// an in-process cluster that deduplicates idempotent batches as Kafka
// does (last 5 batches per producer and partition).
func TestSpoolCrashKfake(t *testing.T) {
	fake := slowFake(t)
	crashTest(t, fake.ListenAddrs(), "crash", variant{}, kills(t, 20), 1500*time.Millisecond)
}

// TestSpoolCrashVariantsKfake runs fewer kills with the other fsync
// policies, with compression (batches compressed in the background,
// spooled compressed), and without idempotence: then a batch in flight at
// the kill may be written twice, and every such record must be reported
// as a possible duplicate.
func TestSpoolCrashVariantsKfake(t *testing.T) {
	for _, v := range []variant{{fsync: "always"}, {fsync: "os"}, {notIdempotent: true}, {compression: "zstd"}} {
		t.Run(fmt.Sprintf("%+v", v), func(t *testing.T) {
			fake := slowFake(t)
			crashTest(t, fake.ListenAddrs(), "crash", v, kills(t, 8), 1500*time.Millisecond)
		})
	}
}

// TestSpoolCrashKafka kills a producing child many times against a real
// three-node Kafka cluster (replication 3, min.insync.replicas 2).
func TestSpoolCrashKafka(t *testing.T) {
	bootstrap, topic := cluster(t)
	crashTest(t, bootstrap, topic, variant{}, kills(t, 12), 2500*time.Millisecond)
}

// envBootstrap names a running three-node cluster to use instead of
// starting one (for iterating on these tests with kafka-up -nodes 3).
const envBootstrap = "SAMSA_SPOOL_BOOTSTRAP"

// cluster returns a three-node cluster's bootstrap servers and a new
// topic of 6 partitions, replication 3.
func cluster(t *testing.T) ([]string, string) {
	if s := os.Getenv(envBootstrap); s != "" {
		bootstrap := strings.Split(s, ",")
		topic := kafkatest.TopicName(t)
		cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap...))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 6, 3, nil, topic); err != nil {
			t.Fatal(err)
		}
		return bootstrap, topic
	}
	c := kafkatest.Shared(t)
	return c.Bootstrap(kafkatest.PLAINTEXT), c.NewTopic(t, 6, 3)
}
