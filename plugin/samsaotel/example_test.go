package samsaotel_test

import (
	"context"
	"fmt"
	"log"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/plugin/samsaotel"
	"github.com/twmb/franz-go/pkg/kfake"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A record's span runs from Produce to its acknowledgement, as a child of
// the caller's span; its trace context travels in the record's headers.
func Example() {
	// An in-process Kafka-protocol broker, so that the example runs
	// anywhere; point BootstrapServers at your cluster instead.
	fake, err := kfake.NewCluster(kfake.SeedTopics(1, "orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	// In a service: the SDK providers with OTLP exporters.
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	tel, err := samsaotel.New(samsaotel.TracerProvider(tp), samsaotel.MeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = fake.ListenAddrs()
	cfg.Hooks = []samsa.Hook{tel}
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(context.Background())

	ctx, handler := tp.Tracer("shop").Start(context.Background(), "POST /checkout")
	md, err := p.SendSync(ctx, samsa.Record{Topic: "orders", Key: []byte("order-42"), Value: []byte("paid")})
	if err != nil {
		log.Fatal(err)
	}
	handler.End()

	s := spans.Ended()[0]
	fmt.Println(s.Name(), s.SpanKind(), "child of", s.Parent().SpanID() == handler.SpanContext().SpanID())
	for _, kv := range s.Attributes() {
		if kv.Key == "messaging.kafka.offset" {
			fmt.Println("offset", kv.Value.AsInt64() == md.Offset)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		fmt.Println(m.Name, m.Unit)
	}
	// Output:
	// send orders producer child of true
	// offset true
	// messaging.client.sent.messages {message}
	// messaging.client.operation.duration s
}
