// Package samsaotel traces and measures a samsa producer with
// OpenTelemetry, following the messaging semantic conventions (v1.43.0).
//
// A Telemetry is a samsa hook: install it in Config.Hooks.
//
//	tel, err := samsaotel.New(samsaotel.TracerProvider(tp), samsaotel.MeterProvider(mp))
//	cfg.Hooks = append(cfg.Hooks, tel)
//
// # Tracing
//
// Every record gets a producer span, "send <topic>", a child of the span
// in the context given to Produce (or Send), from Produce to the record's
// acknowledgement. The span's context is injected into the record's
// headers (W3C traceparent by default), so that a consumer continues the
// trace. The span carries messaging.system=kafka, messaging.operation.name
// and .type "send", messaging.destination.name, messaging.client.id,
// messaging.message.body.size, messaging.kafka.message.key (for UTF-8
// keys); at the acknowledgement messaging.destination.partition.id and
// messaging.kafka.offset, or the error (status Error, error.type and the
// error recorded as an exception event).
//
// Sampling is respected: a record whose span the sampler drops keeps no
// span and costs the producer nothing more until its outcome (Telemetry
// is an AckFilter); its headers still carry the unsampled trace context,
// so that the rest of the trace agrees.
//
// # Metrics
//
// messaging.client.sent.messages (counter, {message}) and
// messaging.client.operation.duration (histogram, seconds, with the
// conventions' bucket bounds), with messaging.system=kafka,
// messaging.operation.name=send, messaging.destination.name,
// messaging.destination.partition.id and, for failures, error.type (a
// Kafka error code name such as NOT_ENOUGH_REPLICAS, or samsa's failure
// kind such as delivery_timeout). Both are recorded once per batch when it
// has its outcome: sent.messages adds its records, operation.duration the
// time from its first record's Produce to its outcome (the longest send
// of the batch). Batches that failed before they were sent are not
// counted, as the conventions ask.
package samsaotel
