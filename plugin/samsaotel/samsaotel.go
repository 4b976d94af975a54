package samsaotel

import (
	"context"
	"strconv"
	"sync/atomic"
	"unicode/utf8"

	"github.com/samsa-go/samsa"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/messagingconv"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/samsa-go/samsa/plugin/samsaotel"

// Telemetry traces and measures a samsa producer with OpenTelemetry. It
// is a samsa hook: put it in the producer's Config.Hooks. One Telemetry
// may serve several producers.
type Telemetry struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	tracing    bool

	sent     messagingconv.ClientSentMessages
	duration messagingconv.ClientOperationDuration
	metrics  bool

	clientID atomic.Pointer[string]
}

var _ interface {
	samsa.SendHook
	samsa.AckHook
	samsa.AckFilter
	samsa.BatchHook
	samsa.ProducerHook
} = (*Telemetry)(nil)

// New returns Telemetry configured by opts: by default it uses the global
// TracerProvider and MeterProvider and injects W3C trace context.
func New(opts ...Opt) (*Telemetry, error) {
	cfg := config{
		tracerProvider: otel.GetTracerProvider(), meterProvider: otel.GetMeterProvider(),
		propagator: propagation.TraceContext{}, tracing: true, metrics: true,
	}
	for _, o := range opts {
		o(&cfg)
	}
	t := &Telemetry{propagator: cfg.propagator, tracing: cfg.tracing, metrics: cfg.metrics}
	t.tracer = cfg.tracerProvider.Tracer(ScopeName, trace.WithInstrumentationVersion(samsa.Version()),
		trace.WithSchemaURL(semconv.SchemaURL))
	meter := cfg.meterProvider.Meter(ScopeName, metric.WithInstrumentationVersion(samsa.Version()),
		metric.WithSchemaURL(semconv.SchemaURL))
	var err error
	if t.sent, err = messagingconv.NewClientSentMessages(meter); err != nil {
		return nil, err
	}
	if t.duration, err = messagingconv.NewClientOperationDuration(meter,
		metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, err
	}
	return t, nil
}

// durationBuckets are the bucket bounds the messaging semantic
// conventions advise for messaging.client.operation.duration, in seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// spanKey keys the span of a produced record in the context that follows
// the record to its acknowledgement.
type spanKey struct{}

// OnNewProducer implements samsa.ProducerHook: spans carry the
// producer's client id.
func (t *Telemetry) OnNewProducer(p *samsa.Producer) {
	id := p.ClientID()
	t.clientID.Store(&id)
}

// OnProducerClosed implements samsa.ProducerHook.
func (t *Telemetry) OnProducerClosed(*samsa.Producer) {}

// OnSend implements samsa.SendHook: it starts the record's span, a child
// of ctx's span, and injects its context into the record's headers
// (replacing a traceparent the record may carry). A span the sampler
// drops is not kept: the record costs nothing more, though its headers
// still carry the (unsampled) trace context downstream.
func (t *Telemetry) OnSend(ctx context.Context, r *samsa.Record) context.Context {
	if !t.tracing {
		return ctx
	}
	sctx, span := t.tracer.Start(ctx, "send "+r.Topic, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes( // the attributes a sampler may decide on
			semconv.MessagingSystemKafka, semconv.MessagingOperationTypeSend,
			semconv.MessagingOperationName("send"), semconv.MessagingDestinationName(r.Topic)))
	t.propagator.Inject(sctx, headerCarrier{r})
	if !span.IsRecording() {
		return ctx
	}
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, semconv.MessagingMessageBodySize(len(r.Value)))
	if r.Key != nil && utf8.Valid(r.Key) {
		attrs = append(attrs, semconv.MessagingKafkaMessageKey(string(r.Key)))
	}
	if id, ok := r.Partition.Number(); ok {
		attrs = append(attrs, semconv.MessagingDestinationPartitionID(strconv.Itoa(int(id))))
	}
	if id := t.clientID.Load(); id != nil {
		attrs = append(attrs, semconv.MessagingClientID(*id))
	}
	span.SetAttributes(attrs...)
	return context.WithValue(sctx, spanKey{}, span)
}

// WantsAck implements samsa.AckFilter: only records with a recording
// span need their acknowledgement.
func (t *Telemetry) WantsAck(ctx context.Context, _ samsa.Record) bool {
	return ctx.Value(spanKey{}) != nil
}

// OnAcknowledgement implements samsa.AckHook: it ends the record's span
// with the partition and offset the record was written at, or its error.
func (t *Telemetry) OnAcknowledgement(ctx context.Context, a *samsa.Ack) {
	span, ok := ctx.Value(spanKey{}).(trace.Span)
	if !ok {
		return
	}
	if a.Metadata.Partition >= 0 {
		span.SetAttributes(semconv.MessagingDestinationPartitionID(strconv.Itoa(int(a.Metadata.Partition))))
	}
	if a.Err != nil {
		span.SetAttributes(attribute.String(string(semconv.ErrorTypeKey), errorType(a.Err)))
		span.RecordError(a.Err)
		span.SetStatus(codes.Error, a.Err.Error())
	} else if a.Metadata.Offset >= 0 {
		span.SetAttributes(semconv.MessagingKafkaOffset(int(a.Metadata.Offset)))
	}
	span.End()
}

// OnBatch implements samsa.BatchHook: a batch that was sent adds its
// records to messaging.client.sent.messages and records the time from its
// first record's Produce to its outcome (the longest send operation of the
// batch) in messaging.client.operation.duration.
func (t *Telemetry) OnBatch(b *samsa.BatchEvent) {
	if !t.metrics || b.Attempts == 0 {
		return // not sent: the conventions count only what was sent
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, semconv.MessagingDestinationName(b.Topic),
		semconv.MessagingDestinationPartitionID(strconv.Itoa(int(b.Partition))))
	if b.Err != nil {
		attrs = append(attrs, attribute.String(string(semconv.ErrorTypeKey), errorType(b.Err)))
	}
	ctx := context.Background()
	t.sent.Add(ctx, int64(b.Records), "send", messagingconv.SystemKafka, attrs...)
	t.duration.Record(ctx, b.Age.Seconds(), "send", messagingconv.SystemKafka, attrs...)
}
