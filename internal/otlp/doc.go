// Package otlp encodes metrics as an OpenTelemetry OTLP MetricsData
// protobuf message (opentelemetry/proto/metrics/v1/metrics.proto), the
// payload of KIP-714's PushTelemetry.
//
// The encoder is written by hand rather than generated: the payload uses
// eight message types of a stable schema (MetricsData, ResourceMetrics,
// Resource, ScopeMetrics, Metric, Gauge, Sum, NumberDataPoint, with
// KeyValue and AnyValue), and generating them would make the core module
// depend on go.opentelemetry.io/proto/otlp and the protobuf runtime for a
// few hundred bytes of output per push. The field numbers below are those
// of the .proto files; the tests decode the output field by field, and the
// integration tests have a real broker parse it with the official Java
// classes.
package otlp
