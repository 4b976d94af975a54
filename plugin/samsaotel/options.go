package samsaotel

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Opt configures Telemetry.
type Opt func(*config)

type config struct {
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	propagator     propagation.TextMapPropagator
	tracing        bool
	metrics        bool
}

// TracerProvider sets where spans go; default otel.GetTracerProvider().
func TracerProvider(tp trace.TracerProvider) Opt { return func(c *config) { c.tracerProvider = tp } }

// MeterProvider sets where metrics go; default otel.GetMeterProvider().
func MeterProvider(mp metric.MeterProvider) Opt { return func(c *config) { c.meterProvider = mp } }

// Propagator sets how a record's span context is written into its
// headers; default propagation.TraceContext{} (the W3C traceparent and
// tracestate headers). Pass otel.GetTextMapPropagator() to use the
// global one (baggage too, if configured so).
func Propagator(p propagation.TextMapPropagator) Opt { return func(c *config) { c.propagator = p } }

// WithoutTracing records metrics only: no span, no header.
func WithoutTracing() Opt { return func(c *config) { c.tracing = false } }

// WithoutMetrics records spans only.
func WithoutMetrics() Opt { return func(c *config) { c.metrics = false } }
