package samsaotel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// env is a producer instrumented with Telemetry that records into memory.
type env struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	p      *samsa.Producer
	addrs  []string
}

func newEnv(t *testing.T, addrs []string, sampler sdktrace.Sampler, mod func(*samsa.Config)) *env {
	t.Helper()
	e := &env{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader(), addrs: addrs}
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans), sdktrace.WithSampler(sampler))
	tel, err := New(TracerProvider(e.tp), MeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))))
	if err != nil {
		t.Fatal(err)
	}
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers, cfg.ClientID, cfg.Hooks = addrs, "otel-test", []samsa.Hook{tel}
	cfg.MaxBlock = 10 * time.Second
	if mod != nil {
		mod(&cfg)
	}
	if e.p, err = samsa.NewProducer(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.p.Close(context.Background()) })
	return e
}

func fakeCluster(t *testing.T, topics ...string) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// consume reads n records of topic with franz-go.
func consume(t *testing.T, addrs []string, topic string, n int) []*kgo.Record {
	t.Helper()
	return itest.ConsumeAll(t, addrs, topic, n, itest.ConsumeOpts{})
}

// headerContext extracts the trace context a consumer finds in r.
func headerContext(r *kgo.Record) trace.SpanContext {
	m := propagation.MapCarrier{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), m))
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	out := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		out[kv.Key] = kv.Value
	}
	return out
}

// checkSpansMatchRecords: each record read back carries the context of a
// span, a child of parent, whose partition and offset are where the
// record is.
func checkSpansMatchRecords(t *testing.T, spans []sdktrace.ReadOnlySpan, records []*kgo.Record, parent trace.SpanContext) {
	t.Helper()
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s
	}
	for _, r := range records {
		sc := headerContext(r)
		s, ok := byID[sc.SpanID()]
		if !ok || sc.TraceID() != parent.TraceID() || !sc.IsSampled() {
			t.Fatalf("record at %d/%d carries %v, which is no span of the trace %v", r.Partition, r.Offset, sc, parent.TraceID())
		}
		a := attrs(s)
		if s.Parent().SpanID() != parent.SpanID() || s.SpanKind() != trace.SpanKindProducer || s.Name() != "send "+r.Topic ||
			a["messaging.destination.partition.id"].AsString() != strconv.Itoa(int(r.Partition)) ||
			a["messaging.kafka.offset"].AsInt64() != r.Offset || a["messaging.system"].AsString() != "kafka" ||
			a["messaging.destination.name"].AsString() != r.Topic || a["messaging.kafka.message.key"].AsString() != string(r.Key) ||
			a["messaging.client.id"].AsString() != "otel-test" || s.Status().Code != codes.Unset {
			t.Fatalf("span %q of the record at %d/%d: parent %v kind %v status %v attributes %v",
				s.Name(), r.Partition, r.Offset, s.Parent().SpanID(), s.SpanKind(), s.Status(), a)
		}
		if s.EndTime().Before(s.StartTime()) || s.EndTime().IsZero() {
			t.Fatalf("span of %d/%d did not end after it started", r.Partition, r.Offset)
		}
	}
}

// TestSpansFromProduceToAck: every record produced under a parent span
// gets a producer span from Produce to its acknowledgement, whose context
// the record read back carries in its traceparent header, and which names
// the partition and offset the record is at.
func TestSpansFromProduceToAck(t *testing.T) {
	addrs := fakeCluster(t, "traced")
	e := newEnv(t, addrs, sdktrace.ParentBased(sdktrace.AlwaysSample()), nil)
	ctx, parent := e.tp.Tracer("test").Start(context.Background(), "handler")
	const n = 20
	for i := range n {
		e.p.Produce(ctx, samsa.Record{Topic: "traced", Key: fmt.Appendf(nil, "k%d", i), Value: []byte("v"),
			Headers: []samsa.Header{{Key: "traceparent", Value: []byte("00-stale")}}}, nil)
	}
	if err := e.p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := e.spans.Ended()
	if len(spans) != n+1 {
		t.Fatalf("%d spans ended, want %d", len(spans), n+1)
	}
	records := consume(t, addrs, "traced", n)
	for _, r := range records {
		if len(r.Headers) != 1 {
			t.Fatalf("headers %v: the stale traceparent was not replaced", r.Headers)
		}
	}
	checkSpansMatchRecords(t, spans, records, parent.SpanContext())
}

// TestFailedRecordSpan: a record that fails ends its span with status
// Error, the error recorded and its error.type.
func TestFailedRecordSpan(t *testing.T) {
	addrs := fakeCluster(t, "fails")
	e := newEnv(t, addrs, sdktrace.AlwaysSample(), nil)
	_, err := e.p.SendSync(context.Background(), samsa.Record{Topic: "fails", Partition: samsa.PartitionOf(7)})
	if !errors.Is(err, samsa.ErrInvalidPartition) {
		t.Fatalf("got %v", err)
	}
	spans := e.spans.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	if s.Status().Code != codes.Error || attrs(s)["error.type"].AsString() != "invalid_partition" ||
		len(s.Events()) != 1 || s.Events()[0].Name != "exception" {
		t.Fatalf("span: status %v attributes %v events %v", s.Status(), attrs(s), s.Events())
	}
}

// TestUnsampledRecordsKeepNoSpan: with a sampler that drops every span,
// nothing is recorded, the producer is not asked to keep the records for
// their acknowledgement, and the records still carry the unsampled trace
// context.
func TestUnsampledRecordsKeepNoSpan(t *testing.T) {
	addrs := fakeCluster(t, "dropped")
	e := newEnv(t, addrs, sdktrace.NeverSample(), nil)
	tel := e.tel(t)
	ctx := context.Background()
	r := samsa.Record{Topic: "dropped", Value: []byte("v")}
	rctx := tel.OnSend(ctx, &r)
	if tel.WantsAck(rctx, r) {
		t.Fatal("an unsampled record asks for its acknowledgement")
	}
	if _, err := e.p.SendSync(ctx, samsa.Record{Topic: "dropped", Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.spans.Ended()) + len(e.spans.Started()); n != 0 {
		t.Fatalf("%d spans recorded", n)
	}
	got := consume(t, addrs, "dropped", 1)[0]
	if sc := headerContext(got); !sc.IsValid() || sc.IsSampled() {
		t.Fatalf("header trace context %v, want a valid unsampled one", sc)
	}
}

// tel returns the Telemetry installed in e's producer, by making a second
// one on the same providers (a Telemetry keeps no per-producer state but
// the client id).
func (e *env) tel(t *testing.T) *Telemetry {
	tel, err := New(TracerProvider(e.tp))
	if err != nil {
		t.Fatal(err)
	}
	return tel
}

// sums returns the data points of metric name, keyed by topic, partition
// and error.type.
func points(t *testing.T, reader *sdkmetric.ManualReader, name string) map[string]metricdata.DataPoint[int64] {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.DataPoint[int64]{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				out[key(dp.Attributes)] = dp
			}
		}
	}
	return out
}

func key(set attribute.Set) string {
	v := func(k string) string { x, _ := set.Value(attribute.Key(k)); return x.String() }
	return v("messaging.destination.name") + "/" + v("messaging.destination.partition.id") + "/" + v("error.type") +
		"/" + v("messaging.system") + "/" + v("messaging.operation.name")
}

func histograms(t *testing.T, reader *sdkmetric.ManualReader, name string) map[string]metricdata.HistogramDataPoint[float64] {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.HistogramDataPoint[float64]{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				if m.Unit != "s" {
					t.Fatalf("%s unit %q", name, m.Unit)
				}
				for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
					out[key(dp.Attributes)] = dp
				}
			}
		}
	}
	return out
}

// TestMessagingMetrics: sent messages count the records sent per topic
// and partition, failures under their Kafka error name, and the operation
// duration has one observation per batch.
func TestMessagingMetrics(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "metered"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e := newEnv(t, c.ListenAddrs(), sdktrace.NeverSample(), func(cfg *samsa.Config) { cfg.Retries = 0 })
	ctx := context.Background()
	perPartition := []int{5, 0, 12}
	for part, n := range perPartition {
		for range n {
			e.p.Produce(ctx, samsa.Record{Topic: "metered", Partition: samsa.PartitionOf(int32(part)), Value: []byte("v")}, nil)
		}
	}
	if err := e.p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		return respond.ProduceError(r.(*kmsg.ProduceRequest), 19, 0), nil, true // NOT_ENOUGH_REPLICAS
	})
	if _, err := e.p.SendSync(ctx, samsa.Record{Topic: "metered", Partition: samsa.PartitionOf(1), Value: []byte("x")}); err == nil {
		t.Fatal("the injected error did not fail the record")
	}
	sent := points(t, e.reader, "messaging.client.sent.messages")
	want := map[string]int64{
		"metered/0//kafka/send": 5, "metered/2//kafka/send": 12, "metered/1/NOT_ENOUGH_REPLICAS/kafka/send": 1,
	}
	if len(sent) != len(want) {
		t.Fatalf("sent.messages points: %v", sent)
	}
	for k, v := range want {
		if sent[k].Value != v {
			t.Fatalf("sent.messages[%s] = %d, want %d (all: %v)", k, sent[k].Value, v, sent)
		}
	}
	dur := histograms(t, e.reader, "messaging.client.operation.duration")
	for k := range want {
		if dp := dur[k]; dp.Count < 1 || dp.Sum <= 0 || dp.Count > uint64(want[k]) {
			t.Fatalf("operation.duration[%s]: %d observations, sum %v", k, dp.Count, dp.Sum)
		}
	}
}
