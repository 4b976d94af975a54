package samsaprom

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func fakeCluster(t *testing.T, topics ...string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newProducer(t *testing.T, addrs []string, mod func(*samsa.Config)) *samsa.Producer {
	t.Helper()
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = addrs
	cfg.MaxBlock = 10 * time.Second
	mod(&cfg)
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// scrape gathers reg into series keyed "name{label="value",...}" (labels
// sorted); histograms give name_count and name_sum.
func scrape(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			key := func(suffix string) string { return mf.GetName() + suffix + "{" + strings.Join(labels, ",") + "}" }
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[key("")] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key("")] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[key("_count")] = float64(m.GetHistogram().GetSampleCount())
				out[key("_sum")] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

// batchLog is a BatchHook remembering every batch, the test's own account
// of what was produced.
type batchLog struct {
	mu      sync.Mutex
	batches []samsa.BatchEvent
}

func (l *batchLog) OnBatch(b *samsa.BatchEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batches = append(l.batches, *b)
}

// TestScrapeMatchesWhatWasProduced: the registry holds, for the producer's
// client id, the records and batches produced per topic, the bytes sent,
// the requests made, the connections opened, the producer's memory and
// what it holds without an outcome, and none of it once it has closed.
func TestScrapeMatchesWhatWasProduced(t *testing.T) {
	fake := fakeCluster(t, "orders", "audit")
	reg := prometheus.NewRegistry()
	m := New(Registerer(reg))
	batches := &batchLog{}
	p := newProducer(t, fake.ListenAddrs(), func(c *samsa.Config) {
		c.ClientID, c.Compression, c.Hooks = "prom-test", samsa.CompressionLZ4, []samsa.Hook{m, batches}
	})
	ctx := context.Background()
	produce := func(topic string, n int) {
		for i := range n {
			p.Produce(ctx, samsa.Record{Topic: topic, Key: fmt.Appendf(nil, "k%d", i), Value: []byte(strings.Repeat("payload ", 20))}, nil)
		}
	}
	produce("orders", 100)
	produce("audit", 40)
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	got := scrape(t, reg)
	want := func(series string, v float64) {
		t.Helper()
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", series, g, ok, v)
		}
	}
	// What the test saw of the batches, per topic.
	batches.mu.Lock()
	sent := map[string][3]float64{} // batches, records, bytes
	for _, b := range batches.batches {
		s := sent[b.Topic]
		sent[b.Topic] = [3]float64{s[0] + 1, s[1] + float64(b.Records), s[2] + float64(b.CompressedBytes)}
	}
	batches.mu.Unlock()
	for topic, n := range map[string]float64{"orders": 100, "audit": 40} {
		l := fmt.Sprintf(`{client_id="prom-test",topic=%q}`, topic)
		want("samsa_producer_record_send_total"+l, n)
		want("samsa_producer_record_error_total"+l, 0)
		want("samsa_producer_record_retry_total"+l, 0)
		want("samsa_producer_buffered_records"+l, 0)
		want("samsa_producer_bytes_total"+l, sent[topic][2])
		want("samsa_producer_batch_records_count"+l, sent[topic][0])
		want("samsa_producer_batch_records_sum"+l, n)
		want("samsa_producer_batch_size_bytes_sum"+l, sent[topic][2])
		want("samsa_producer_compression_ratio_count"+l, sent[topic][0])
		want("samsa_producer_record_queue_time_seconds_count"+l, sent[topic][0])
		if r := got["samsa_producer_compression_ratio_sum"+l] / sent[topic][0]; r <= 0 || r >= 0.5 {
			t.Errorf("%s: mean compression ratio %.3f, want repetitive values to compress below 0.5", topic, r)
		}
		want(fmt.Sprintf(`samsa_producer_partition_buffered_records{client_id="prom-test",partition="1",topic=%q}`, topic), 0)
	}
	// The same, as Prometheus's own test helper reads the registry.
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP samsa_producer_record_send_total Records sent in produce requests, retries included (Java's record-send-total).
# TYPE samsa_producer_record_send_total counter
samsa_producer_record_send_total{client_id="prom-test",topic="audit"} 40
samsa_producer_record_send_total{client_id="prom-test",topic="orders"} 100
`), "samsa_producer_record_send_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg, "samsa_producer_partition_buffered_records"); err != nil || n != 4 {
		t.Errorf("%d partition_buffered_records series (%v), want 4: two topics of two partitions", n, err)
	}
	want(`samsa_producer_buffer_total_bytes{client_id="prom-test"}`, 32<<20)
	want(`samsa_producer_buffer_available_bytes{client_id="prom-test"}`, 32<<20)
	want(`samsa_producer_requests_in_flight{client_id="prom-test"}`, 0)
	produces := got[`samsa_producer_requests_total{api="Produce",broker="0",client_id="prom-test"}`]
	if produces < 1 || got[`samsa_producer_request_latency_seconds_count{api="Produce",broker="0",client_id="prom-test"}`] != produces {
		t.Errorf("%v produce requests, latency count %v", produces, got[`samsa_producer_request_latency_seconds_count{api="Produce",broker="0",client_id="prom-test"}`])
	}
	if got[`samsa_producer_request_bytes_total{broker="0",client_id="prom-test"}`] < sent["orders"][2]+sent["audit"][2] {
		t.Errorf("request bytes %v below the batch bytes sent", got[`samsa_producer_request_bytes_total{broker="0",client_id="prom-test"}`])
	}
	if got[`samsa_producer_connection_creations_total{broker="0",client_id="prom-test"}`] < 1 || got[`samsa_producer_connections{client_id="prom-test"}`] < 1 {
		t.Errorf("connections: %v created, %v open", got[`samsa_producer_connection_creations_total{broker="0",client_id="prom-test"}`], got[`samsa_producer_connections{client_id="prom-test"}`])
	}

	// Held records show as buffered; a throttled, failed first attempt
	// as a retry and a throttle time.
	gate := make(chan struct{})
	var once sync.Once
	fake.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		<-gate
		var resp kmsg.Response
		once.Do(func() { resp = respond.ProduceError(r.(*kmsg.ProduceRequest), 6, 250) })
		if resp == nil {
			fake.KeepControl()
		}
		return resp, nil, resp != nil
	})
	f := p.Send(ctx, samsa.Record{Topic: "orders", Partition: samsa.PartitionOf(1), Value: []byte("held")})
	got = scrape(t, reg)
	want(`samsa_producer_buffered_records{client_id="prom-test",topic="orders"}`, 1)
	want(`samsa_producer_partition_buffered_records{client_id="prom-test",partition="1",topic="orders"}`, 1)
	close(gate)
	if _, err := f.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got = scrape(t, reg)
	want(`samsa_producer_record_retry_total{client_id="prom-test",topic="orders"}`, 1)
	want(`samsa_producer_record_send_total{client_id="prom-test",topic="orders"}`, 102)
	want(`samsa_producer_throttle_time_seconds_sum{broker="0",client_id="prom-test"}`, 0.25)

	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scrape(t, reg); len(got) != 0 {
		t.Fatalf("%d series left after Close", len(got))
	}
}

// TestEveryProducerMetricIsExported: each metric Producer.Metrics reports
// is named in the package documentation's table, next to the Prometheus
// series (or query) it becomes, and each series the table names is one
// the registry exports.
func TestEveryProducerMetricIsExported(t *testing.T) {
	fake := fakeCluster(t, "t")
	reg := prometheus.NewRegistry()
	m := New(Registerer(reg))
	p := newProducer(t, fake.ListenAddrs(), func(c *samsa.Config) {
		c.Hooks = []samsa.Hook{m}
		c.Spool.Dir = t.TempDir() // its metrics too
	})
	if _, err := p.SendSync(context.Background(), samsa.Record{Topic: "t", Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	table := string(doc[strings.Index(string(doc), "# The producer's metrics, in Prometheus"):])
	rows := map[string]string{} // Java name -> Prometheus side of its row
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "//"))
		if len(f) < 2 || !strings.Contains(f[0], "-") {
			continue
		}
		var java []string
		i := 0
		for ; i < len(f) && strings.Contains(f[i], "-") && !strings.Contains(f[i], "("); i++ {
			java = append(java, strings.TrimSuffix(f[i], ","))
		}
		rest := strings.Join(f[i:], " ")
		for j, name := range java {
			if strings.HasPrefix(name, "-") { // "-rate" after "record-send-total"
				base := java[0][:strings.LastIndex(java[0], "-")]
				java[j] = base + name
			}
			rows[java[j]] = rest
		}
	}
	pNN := regexp.MustCompile(`-p(50|99|999)$`)
	for _, metric := range p.Metrics() {
		name := pNN.ReplaceAllString(metric.Name, "-pNN")
		if _, ok := rows[name]; !ok {
			t.Errorf("%s %s has no row in doc.go's table", metric.Group, metric.Name)
		}
	}
	// Every series described, whether or not it has a value yet.
	exported := map[string]bool{}
	descs := make(chan *prometheus.Desc, 100)
	m.Describe(descs)
	close(descs)
	fq := regexp.MustCompile(`fqName: "samsa_producer_([a-z_]+)"`)
	for d := range descs {
		exported[fq.FindStringSubmatch(d.String())[1]] = true
	}
	series := regexp.MustCompile(`[a-z_]+`)
	for java, prom := range rows {
		first := series.FindString(strings.TrimPrefix(prom, "rate("))
		if !exported[first] && !exported[strings.TrimSuffix(first, "_total")] {
			t.Errorf("%s: the table names %q, which the registry does not export (exported: %v)", java, first, exported)
		}
	}
}

// TestProducersShareARegistry: two producers' series stay apart by client
// id; a second producer with the same client id cannot register, and says
// so through Err.
func TestProducersShareARegistry(t *testing.T) {
	fake := fakeCluster(t, "t")
	reg := prometheus.NewRegistry()
	ms := []*Metrics{New(Registerer(reg)), New(Registerer(reg)), New(Registerer(reg))}
	ids := []string{"one", "two", "one"}
	ctx := context.Background()
	for i, m := range ms {
		p := newProducer(t, fake.ListenAddrs(), func(c *samsa.Config) { c.ClientID, c.Hooks = ids[i], []samsa.Hook{m} })
		for range i + 1 {
			if _, err := p.SendSync(ctx, samsa.Record{Topic: "t", Value: []byte("v")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ms[0].Err() != nil || ms[1].Err() != nil || ms[2].Err() == nil {
		t.Fatalf("registration errors: %v, %v, %v", ms[0].Err(), ms[1].Err(), ms[2].Err())
	}
	got := scrape(t, reg)
	if a, b := got[`samsa_producer_record_send_total{client_id="one",topic="t"}`], got[`samsa_producer_record_send_total{client_id="two",topic="t"}`]; a != 1 || b != 2 {
		t.Fatalf("records sent: one %v, two %v", a, b)
	}
}
