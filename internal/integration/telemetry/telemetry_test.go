// Package telemetry tests KIP-714 client metrics against real Apache
// Kafka: the broker runs a test-only metrics reporter (testdata, compiled
// with javac against Kafka's jars when the tests start) that receives
// what producers push and writes it to a file, which the tests read.
package telemetry

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var (
	recordFile string // where the broker's reporter writes
	setupErr   error  // compiling the reporter failed
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "samsa-telemetry-")
	if err != nil {
		panic(err)
	}
	recordFile = filepath.Join(dir, "pushes.tsv")
	classes := filepath.Join(dir, "classes")
	opts := kafkatest.Options{Nodes: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	if setupErr = os.MkdirAll(classes, 0o755); setupErr == nil {
		setupErr = kafkatest.CompileJava(ctx, "", classes, filepath.Join("testdata", "TelemetryRecorder.java"))
	}
	cancel()
	if setupErr == nil {
		opts.Classpath = []string{classes}
		opts.ServerProps = map[string]string{
			"metric.reporters":     "samsa.test.TelemetryRecorder",
			"samsa.telemetry.file": recordFile,
		}
	}
	code := kafkatest.Run(m, opts)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// cluster returns the shared cluster, failing (or skipping, as kafkatest
// does) when the reporter could not be compiled.
func cluster(t *testing.T) *kafkatest.Cluster {
	t.Helper()
	if setupErr != nil {
		if os.Getenv(kafkatest.EnvRequire) != "" {
			t.Fatalf("the broker's telemetry reporter: %v", setupErr)
		}
		t.Skipf("the broker's telemetry reporter: %v (set %s=1 to fail instead)", setupErr, kafkatest.EnvRequire)
	}
	return kafkatest.Shared(t)
}

// subscribe sets the client metrics subscription name on the cluster, as
// kafka-client-metrics.sh --alter does: IncrementalAlterConfigs on a
// CLIENT_METRICS resource.
func subscribe(t *testing.T, c *kafkatest.Cluster, name, metrics, clientID string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Bootstrap(kafkatest.PLAINTEXT)...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = kmsg.ConfigResourceType(16), name // CLIENT_METRICS
	for k, v := range map[string]string{"metrics": metrics, "interval.ms": "500", "match": "client_id=" + clientID} {
		cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		cfg.Name, cfg.Value = k, kmsg.StringPtr(v)
		res.Configs = append(res.Configs, cfg)
	}
	req.Resources = append(req.Resources, res)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Resources {
		if r.ErrorCode != 0 {
			t.Fatalf("subscription %s: error %d %v", name, r.ErrorCode, r.ErrorMessage)
		}
	}
}

// pushRecord is one push the broker received.
type pushRecord struct {
	client      string
	terminating bool
	resource    string
	metrics     []point
}

type point struct {
	name, kind, temporality, attrs string
	value                          float64
	start, time                    int64
}

// pushes reads what the broker's reporter received from client.
func pushes(t *testing.T, client string) []pushRecord {
	t.Helper()
	f, err := os.Open(recordFile)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []pushRecord
	var cur *pushRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 2 || f[1] != client {
			continue
		}
		switch f[0] {
		case "error":
			t.Fatalf("the broker could not parse a push of %s: %s", client, f[2])
		case "push":
			cur = &pushRecord{client: client, terminating: f[3] == "true"}
		case "resource":
			cur.resource = f[2]
		case "metric":
			if len(f) < 9 {
				t.Fatalf("metric line %q", sc.Text())
			}
			v, _ := strconv.ParseFloat(f[5], 64)
			start, _ := strconv.ParseInt(f[7], 10, 64)
			at, _ := strconv.ParseInt(f[8], 10, 64)
			cur.metrics = append(cur.metrics, point{name: f[2], kind: f[3], temporality: f[4], value: v, attrs: f[6], start: start, time: at})
		case "end":
			out = append(out, *cur)
			cur = nil
		}
	}
	return out
}

func (p *pushRecord) find(name, attrs string) *point {
	for i := range p.metrics {
		if p.metrics[i].name == name && p.metrics[i].attrs == attrs {
			return &p.metrics[i]
		}
	}
	return nil
}

// waitPushes polls until cond holds on client's pushes.
func waitPushes(t *testing.T, client, what string, cond func([]pushRecord) bool) []pushRecord {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ps := pushes(t, client)
		if cond(ps) {
			return ps
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %d pushes from %s: %+v", what, len(ps), client, ps)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func producer(t *testing.T, c *kafkatest.Cluster, clientID string, mod func(*samsa.Config)) (*samsa.Producer, *itest.SyncBuffer) {
	t.Helper()
	log := &itest.SyncBuffer{}
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = c.Bootstrap(kafkatest.PLAINTEXT)
	cfg.ClientID = clientID
	cfg.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if mod != nil {
		mod(&cfg)
	}
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p, log
}

// TestPushesReachTheBroker: a producer matched by a subscription for the
// producer metrics pushes them every interval, compressed as the broker
// prefers, under Java's names with the values of what was produced; the
// broker parses every push with the official OTLP classes; Close sends a
// last push marked terminating with the final counts.
func TestPushesReachTheBroker(t *testing.T) {
	c := cluster(t)
	// The broker's reporter records every push of a client id for the
	// cluster's life: under -count a run saw the last run's terminating
	// push among its own.
	client := fmt.Sprintf("telemetry-e2e-%d", time.Now().UnixNano())
	subscribe(t, c, "samsa-e2e", "org.apache.kafka.producer.", client)
	topic := c.NewTopic(t, 3, 1)
	p, log := producer(t, c, client, func(cfg *samsa.Config) { cfg.TransactionalID = "telemetry-e2e-txn" })
	ctx := context.Background()
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 40
	if err := p.Transact(ctx, func(ctx context.Context) error {
		for i := range n {
			p.Produce(ctx, samsa.Record{Topic: topic, Key: fmt.Appendf(nil, "k%d", i), Value: []byte("v")}, nil)
		}
		return p.Flush(ctx)
	}); err != nil {
		t.Fatal(err)
	}
	sent := fmt.Sprintf("topic=%s", topic)
	// Kafka asks for delta temporality by default: the pushes' values of a
	// counter add up to its total, each starting where the previous ended.
	sum := func(ps []pushRecord) (total float64, points []*point) {
		for i := range ps {
			if m := ps[i].find("org.apache.kafka.producer.topic.record.send.total", sent); m != nil {
				total += m.value
				points = append(points, m)
			}
		}
		return total, points
	}
	waitPushes(t, client, "pushes counting the records", func(ps []pushRecord) bool {
		total, _ := sum(ps)
		return total == n
	})
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	ps := waitPushes(t, client, "the terminating push", func(ps []pushRecord) bool {
		return len(ps) > 0 && ps[len(ps)-1].terminating
	})
	last := ps[len(ps)-1]
	for i, push := range ps {
		if push.terminating != (i == len(ps)-1) {
			t.Fatalf("push %d of %d: terminating %v", i, len(ps), push.terminating)
		}
		if push.resource != "transactional_id=telemetry-e2e-txn" {
			t.Fatalf("push %d: resource attributes %q", i, push.resource)
		}
		for _, m := range push.metrics {
			if !strings.HasPrefix(m.name, "org.apache.kafka.producer.") || strings.Contains(m.attrs, "client_id") {
				t.Fatalf("push %d: metric %s {%s}", i, m.name, m.attrs)
			}
		}
	}
	total, points := sum(ps)
	if total != n || len(points) < 2 {
		t.Fatalf("topic.record.send.total: %d points adding up to %v, want %d", len(points), total, n)
	}
	for i, m := range points {
		if m.kind != "sum" || m.temporality != "AGGREGATION_TEMPORALITY_DELTA/true" || m.start >= m.time ||
			(i > 0 && m.start != points[i-1].time) {
			t.Fatalf("topic.record.send.total point %d: %+v (previous %+v)", i, m, points[max(i-1, 0)])
		}
	}
	if e := last.find("org.apache.kafka.producer.record.error.total", ""); e == nil || e.value != 0 {
		t.Fatalf("record.error.total: %+v", e)
	}
	if lat := last.find("org.apache.kafka.producer.node.request.latency.avg", "node_id=node-1"); lat == nil || lat.kind != "gauge" || lat.value <= 0 {
		t.Fatalf("node.request.latency.avg for node 1: %+v", lat)
	}
	if !strings.Contains(log.String(), "msg=\"telemetry pushed\"") || !strings.Contains(log.String(), "compression=zstd") {
		t.Fatalf("the debug log does not show zstd-compressed pushes:\n%s", log.String())
	}
}

// TestSubscriptionChangeAndOptOut: when the subscription changes, the
// producer follows it (the broker refuses the old subscription id, the
// producer fetches the new one) and pushes only what the new one selects;
// a producer with enable.metrics.push=false pushes nothing.
func TestSubscriptionChangeAndOptOut(t *testing.T) {
	c := cluster(t)
	const client, quiet = "telemetry-change", "telemetry-quiet"
	subscribe(t, c, "samsa-change", "org.apache.kafka.producer.record.", client+"|"+quiet)
	topic := c.NewTopic(t, 1, 1)
	p, _ := producer(t, c, client, nil)
	q, _ := producer(t, c, quiet, func(cfg *samsa.Config) { cfg.EnableMetricsPush = false })
	ctx := context.Background()
	for _, pr := range []*samsa.Producer{p, q} {
		if _, err := pr.SendSync(ctx, samsa.Record{Topic: topic, Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	waitPushes(t, client, "a push of record metrics", func(ps []pushRecord) bool {
		return len(ps) > 0 && ps[len(ps)-1].find("org.apache.kafka.producer.record.send.total", "") != nil
	})
	subscribe(t, c, "samsa-change", "org.apache.kafka.producer.node.", client)
	before := len(pushes(t, client))
	ps := waitPushes(t, client, "pushes under the new subscription", func(ps []pushRecord) bool {
		return len(ps) >= before+2 && len(ps[len(ps)-1].metrics) > 0 &&
			strings.HasPrefix(ps[len(ps)-1].metrics[0].name, "org.apache.kafka.producer.node.")
	})
	for _, m := range ps[len(ps)-1].metrics {
		if !strings.HasPrefix(m.name, "org.apache.kafka.producer.node.") {
			t.Fatalf("after the change, pushed %s", m.name)
		}
	}
	if got := pushes(t, quiet); len(got) != 0 {
		t.Fatalf("the producer with enable.metrics.push=false pushed %d times", len(got))
	}
}
