package samsaotel

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/kafkatest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The end-to-end test starts real Apache Kafka with the core module's
// internal/kafkatest, which this module may import: its path lies under
// github.com/samsa-go/samsa (and go.mod's replace points at the same
// tree). Tests only; the plugin's own code never imports it.
func TestMain(m *testing.M) { os.Exit(kafkatest.Run(m, kafkatest.Options{})) }

// TestTraceThroughKafka: records produced under a parent span to real
// Kafka, lz4-compressed, keyed to three partitions, are read back with
// franz-go; each carries a traceparent continuing its own producer span,
// a child of the parent, and the span names the partition and offset the
// consumer found the record at.
func TestTraceThroughKafka(t *testing.T) {
	cluster := kafkatest.Shared(t)
	topic := "otel-e2e"
	if err := cluster.CreateTopic(context.Background(), topic, 3, -1, nil); err != nil {
		t.Fatal(err)
	}
	addrs := cluster.Bootstrap(kafkatest.PLAINTEXT)
	e := newEnv(t, addrs, sdktrace.ParentBased(sdktrace.AlwaysSample()), func(c *samsa.Config) {
		c.Compression = samsa.CompressionLZ4
	})
	ctx, parent := e.tp.Tracer("test").Start(context.Background(), "checkout")
	const n = 30
	var futures []*samsa.Future
	for i := range n {
		futures = append(futures, e.p.Send(ctx, samsa.Record{Topic: topic, Key: fmt.Appendf(nil, "order-%d", i), Value: []byte("paid")}))
	}
	for i, f := range futures {
		if _, err := f.Wait(ctx); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	parent.End()
	records := consume(t, addrs, topic, n)
	if len(records) != n {
		t.Fatalf("read %d records, want %d", len(records), n)
	}
	checkSpansMatchRecords(t, e.spans.Ended(), records, parent.SpanContext())
}
