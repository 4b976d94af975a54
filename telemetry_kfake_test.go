package samsa

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/samsa-go/samsa/internal/otlp"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// telemetryBroker answers the telemetry APIs of a kfake cluster with the
// subscriptions the test sets, and keeps every push it receives.
type telemetryBroker struct {
	mu            sync.Mutex
	subs          []*kmsg.GetTelemetrySubscriptionsResponse // handed out in turn; the last one repeats
	subscriptions int
	pushes        []push
	pushErrs      []int16 // error codes for the next pushes
}

type push struct {
	req     *kmsg.PushTelemetryRequest
	metrics []otlp.Metric
	res     []otlp.KV
}

func newSubscriptionResponse(id int32, interval time.Duration, delta bool, codecs []int8, metrics ...string) *kmsg.GetTelemetrySubscriptionsResponse {
	r := kmsg.NewPtrGetTelemetrySubscriptionsResponse()
	r.ClientInstanceID = [16]byte{1, 2, 3}
	r.SubscriptionID, r.PushIntervalMillis, r.DeltaTemporality = id, int32(interval/time.Millisecond), delta
	r.AcceptedCompressionTypes, r.RequestedMetrics, r.TelemetryMaxBytes = codecs, metrics, 1<<20
	return r
}

func (tb *telemetryBroker) install(t *testing.T, fake *kfake.Cluster) {
	fake.ControlKey(71, func(r kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		tb.mu.Lock()
		defer tb.mu.Unlock()
		tb.subscriptions++
		resp := tb.subs[min(tb.subscriptions, len(tb.subs))-1]
		resp.Version = r.GetVersion()
		return resp, nil, true
	})
	fake.ControlKey(72, func(r kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		req := r.(*kmsg.PushTelemetryRequest)
		resp := req.ResponseKind().(*kmsg.PushTelemetryResponse)
		data := req.Metrics
		if req.CompressionType == 4 {
			dec, _ := zstd.NewReader(nil)
			defer dec.Close()
			var err error
			if data, err = dec.DecodeAll(req.Metrics, nil); err != nil {
				t.Errorf("push payload does not decompress with zstd: %v", err)
			}
		}
		ms, res, err := otlp.Decode(data)
		if err != nil {
			t.Errorf("push payload does not decode: %v", err)
		}
		tb.mu.Lock()
		defer tb.mu.Unlock()
		tb.pushes = append(tb.pushes, push{req: req, metrics: ms, res: res})
		if len(tb.pushErrs) > 0 {
			resp.ErrorCode, tb.pushErrs = tb.pushErrs[0], tb.pushErrs[1:]
		}
		return resp, nil, true
	})
}

func (tb *telemetryBroker) snapshot() (int, []push) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.subscriptions, slices.Clone(tb.pushes)
}

func find(ms []otlp.Metric, name string, attrs ...otlp.KV) *otlp.Metric {
	for i := range ms {
		if ms[i].Name == name && (len(attrs) == 0 || slices.Equal(ms[i].Attrs, attrs)) {
			return &ms[i]
		}
	}
	return nil
}

// TestTelemetryPushesSelectedMetrics: with a subscription asking for the
// producer's record metrics, pushes come at the interval, zstd-compressed
// as the broker prefers, with only the selected metrics under Java's
// names, counters as cumulative sums that match what was produced, and a
// last push marked terminating on Close.
func TestTelemetryPushesSelectedMetrics(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "pushed"))
	tb := &telemetryBroker{subs: []*kmsg.GetTelemetrySubscriptionsResponse{
		newSubscriptionResponse(7, 100*time.Millisecond, false, []int8{4, 1}, "org.apache.kafka.producer.topic.record", "org.apache.kafka.producer.record.send"),
	}}
	tb.install(t, fake)
	p := testProducer(t, fake.ListenAddrs(), nil)
	ctx := context.Background()
	for range 5 {
		if _, err := p.SendSync(ctx, Record{Topic: "pushed", Value: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "a push after the records", func() bool {
		_, pushes := tb.snapshot()
		return len(pushes) > 0 && find(pushes[len(pushes)-1].metrics, "org.apache.kafka.producer.topic.record.send.total",
			otlp.KV{Key: "topic", Value: "pushed"}) != nil && find(pushes[len(pushes)-1].metrics,
			"org.apache.kafka.producer.topic.record.send.total", otlp.KV{Key: "topic", Value: "pushed"}).Value == 5
	})
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	subs, pushes := tb.snapshot()
	if subs != 1 || len(pushes) < 2 {
		t.Fatalf("%d subscriptions, %d pushes", subs, len(pushes))
	}
	last := pushes[len(pushes)-1]
	for i, p := range pushes {
		if p.req.CompressionType != 4 || p.req.SubscriptionID != 7 || p.req.ClientInstanceID != [16]byte{1, 2, 3} ||
			p.req.Terminating != (i == len(pushes)-1) {
			t.Fatalf("push %d: compression %d subscription %d instance %x terminating %v", i, p.req.CompressionType,
				p.req.SubscriptionID, p.req.ClientInstanceID, p.req.Terminating)
		}
		for _, m := range p.metrics {
			if !bytes.HasPrefix([]byte(m.Name), []byte("org.apache.kafka.producer.topic.record")) &&
				!bytes.HasPrefix([]byte(m.Name), []byte("org.apache.kafka.producer.record.send")) {
				t.Fatalf("push %d holds %s, which the subscription did not ask for", i, m.Name)
			}
			for _, kv := range m.Attrs {
				if kv.Key == "client_id" {
					t.Fatalf("%s carries client_id", m.Name)
				}
			}
		}
	}
	sent := find(last.metrics, "org.apache.kafka.producer.record.send.total")
	if sent == nil || sent.Kind != otlp.Sum || sent.Temporality != otlp.Cumulative || sent.Value != 5 ||
		sent.Start >= sent.Time || find(last.metrics, "org.apache.kafka.producer.record.send.rate").Kind != otlp.Gauge {
		t.Fatalf("record.send.total in the terminating push: %+v", sent)
	}
}

// TestTelemetrySubscriptionChanges: a push refused with
// UNKNOWN_SUBSCRIPTION_ID makes the producer fetch the subscription again
// and follow the new one (another selector, delta sums); a subscription
// with no metrics makes no push.
func TestTelemetrySubscriptionChanges(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "changed"))
	tb := &telemetryBroker{
		subs: []*kmsg.GetTelemetrySubscriptionsResponse{
			newSubscriptionResponse(1, 50*time.Millisecond, false, nil, "org.apache.kafka.producer.record.send.total"),
			newSubscriptionResponse(2, 50*time.Millisecond, true, []int8{0}, "org.apache.kafka.producer.record.error"),
		},
		pushErrs: []int16{117}, // UNKNOWN_SUBSCRIPTION_ID
	}
	tb.install(t, fake)
	p := testProducer(t, fake.ListenAddrs(), nil)
	if _, err := p.SendSync(context.Background(), Record{Topic: "changed"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pushes under the second subscription", func() bool {
		_, pushes := tb.snapshot()
		return len(pushes) >= 3 && pushes[len(pushes)-1].req.SubscriptionID == 2
	})
	subs, pushes := tb.snapshot()
	if subs != 2 || pushes[0].req.SubscriptionID != 1 || find(pushes[0].metrics, "org.apache.kafka.producer.record.send.total") == nil {
		t.Fatalf("%d subscriptions; first push %+v", subs, pushes[0].req)
	}
	for _, p := range pushes[1:] {
		e := find(p.metrics, "org.apache.kafka.producer.record.error.total")
		if p.req.SubscriptionID != 2 || p.req.CompressionType != 0 || e == nil || e.Temporality != otlp.Delta || e.Value != 0 ||
			find(p.metrics, "org.apache.kafka.producer.record.send.total") != nil {
			t.Fatalf("push under the second subscription: %+v, metrics %+v", p.req, p.metrics)
		}
	}

	// No metrics asked for: no push.
	quiet := fakeCluster(t, kfake.SeedTopics(1, "quiet"))
	qb := &telemetryBroker{subs: []*kmsg.GetTelemetrySubscriptionsResponse{newSubscriptionResponse(3, 50*time.Millisecond, false, nil)}}
	qb.install(t, quiet)
	testProducer(t, quiet.ListenAddrs(), nil)
	waitFor(t, "a second subscription request", func() bool { n, _ := qb.snapshot(); return n >= 2 })
	if _, pushes := qb.snapshot(); len(pushes) != 0 {
		t.Fatalf("%d pushes without requested metrics", len(pushes))
	}
}

// TestTelemetryOff: enable.metrics.push=false asks for no subscription; a
// broker without the KIP-714 APIs turns telemetry off, said at debug
// level, and the producer works as ever.
func TestTelemetryOff(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "off"))
	tb := &telemetryBroker{subs: []*kmsg.GetTelemetrySubscriptionsResponse{newSubscriptionResponse(1, 10*time.Millisecond, false, nil, "*")}}
	tb.install(t, fake)
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.EnableMetricsPush = false })
	if _, err := p.SendSync(context.Background(), Record{Topic: "off"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n, _ := tb.snapshot(); n != 0 {
		t.Fatalf("%d subscription requests with enable.metrics.push=false", n)
	}

	old := fakeCluster(t, kfake.SeedTopics(1, "off"), kfake.MaxVersions(kversion.V3_6_0()))
	var log jsonLog
	p2 := testProducer(t, old.ListenAddrs(), func(c *Config) { c.Logger = log.logger() })
	if _, err := p2.SendSync(context.Background(), Record{Topic: "off"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "telemetry turned off", func() bool {
		return len(log.find(t, "telemetry off: the broker does not support client metrics (KIP-714)")) == 1
	})
	for _, level := range []string{"WARN", "ERROR"} {
		if bytes.Contains([]byte(log.buf.String()), []byte(`"level":"`+level+`"`)) {
			t.Fatalf("a broker without KIP-714 made the producer log at %s:\n%s", level, log.buf.String())
		}
	}
}
