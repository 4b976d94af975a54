package samsaotel

import (
	"errors"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/kerr"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// producerErrors name samsa's own failures for error.type, checked
// before Kafka error codes: a delivery timeout whose last attempt got
// NOT_LEADER_OR_FOLLOWER is a delivery timeout.
var producerErrors = []struct {
	err  error
	name string
}{
	{samsa.ErrDeliveryTimeout, "delivery_timeout"},
	{samsa.ErrOutcomeUnknown, "outcome_unknown"},
	{samsa.ErrTransactionAborted, "transaction_aborted"},
	{samsa.ErrProducerClosed, "producer_closed"},
	{samsa.ErrRecordTooLarge, "record_too_large"},
	{samsa.ErrBufferExhausted, "buffer_exhausted"},
	{samsa.ErrWouldBlock, "would_block"},
	{samsa.ErrInvalidTopic, "invalid_topic"},
	{samsa.ErrInvalidPartition, "invalid_partition"},
	{samsa.ErrUnknownTopic, "unknown_topic"},
	{samsa.ErrSerialization, "serialization"},
}

// errorType names err for the error.type attribute, with low
// cardinality: samsa's failure kind, else the Kafka error code's name
// (NOT_ENOUGH_REPLICAS), else the error's Go type as the semantic
// conventions' ErrorType gives it.
func errorType(err error) string {
	for _, pe := range producerErrors {
		if errors.Is(err, pe.err) {
			return pe.name
		}
	}
	var code kerr.Code
	if errors.As(err, &code) && code.Name() != "" {
		return code.Name()
	}
	return semconv.ErrorType(err).Value.AsString()
}
