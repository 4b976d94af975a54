// Package telemetry pushes the producer's metrics to the cluster
// (KIP-714): it asks a broker for the client's telemetry subscription
// (GetTelemetrySubscriptions), then pushes the metrics the subscription
// selects (by name prefix), OTLP-encoded and compressed as the broker
// accepts, every push interval (PushTelemetry), and once more, marked
// terminating, when the producer closes. A broker without the APIs turns
// it off, logged at debug level.
package telemetry
