package samsa

import (
	"errors"
	"fmt"
	"time"
)

// Errors the producer returns for records it could not deliver or accept.
// Test for them with errors.Is; the typed errors below carry the details and
// match these values.
var (
	// ErrProducerClosed: the record was produced after Close began, or was
	// still undelivered when Close's context ended.
	ErrProducerClosed = errors.New("samsa: producer closed")
	// ErrBufferExhausted: no buffer memory became free within max.block.ms
	// (or the context's deadline); see BufferExhaustedError.
	ErrBufferExhausted = errors.New("samsa: buffer memory exhausted")
	// ErrDeliveryTimeout: the record was not acknowledged within
	// delivery.timeout.ms; see DeliveryTimeoutError.
	ErrDeliveryTimeout = errors.New("samsa: delivery timeout")
	// ErrRecordTooLarge: the record is larger than max.request.size or
	// buffer.memory; see RecordTooLargeError.
	ErrRecordTooLarge = errors.New("samsa: record too large")
	// ErrInvalidTopic: the topic name is empty, too long, or has characters
	// Kafka does not allow.
	ErrInvalidTopic = errors.New("samsa: invalid topic name")
	// ErrInvalidPartition: an explicit partition is negative or not below
	// the topic's partition count, or a partitioner returned such a one.
	ErrInvalidPartition = errors.New("samsa: invalid partition")
	// ErrUnknownTopic: the topic's metadata did not arrive within
	// max.block.ms; the topic does not exist and was not auto-created.
	ErrUnknownTopic = errors.New("samsa: unknown topic")
	// ErrSerialization: a serializer failed; see SerializationError.
	ErrSerialization = errors.New("samsa: serialization failed")
	// ErrWouldBlock: TryProduce could not take the record without waiting,
	// for buffer memory or for the topic's metadata; the error's text says
	// which.
	ErrWouldBlock = errors.New("samsa: would block")
	// ErrInvalidConfig: NewProducer rejected the configuration; see
	// ConfigError.
	ErrInvalidConfig = errors.New("samsa: invalid configuration")
	// ErrOutcomeUnknown: an attempt to write the record went unanswered,
	// and the idempotent producer had to move to a new epoch before the
	// broker confirmed it. The record may or may not be in the topic;
	// samsa did not resend it, because that could write it twice.
	ErrOutcomeUnknown = errors.New("samsa: record outcome unknown")
)

// errBufferFull is TryProduce's error when the record would have to wait
// for buffer memory: one value, so that a TryProduce loop under
// backpressure allocates nothing per refused record.
var errBufferFull = fmt.Errorf("%w: no free buffer memory (buffer.memory) for the record", ErrWouldBlock)

// BufferExhaustedError reports a record that found no free buffer memory.
type BufferExhaustedError struct {
	Waited       time.Duration // how long Produce waited
	BufferMemory int64         // the buffer.memory setting
	Need         int           // bytes the record's batch needed
}

func (e *BufferExhaustedError) Error() string {
	return fmt.Sprintf("samsa: buffer memory exhausted: waited %v for %d bytes of buffer.memory=%d; "+
		"the cluster is slower than the producer, or unreachable", e.Waited, e.Need, e.BufferMemory)
}

// Is matches ErrBufferExhausted.
func (e *BufferExhaustedError) Is(target error) bool { return target == ErrBufferExhausted }

// DeliveryTimeoutError reports a record that was not acknowledged within
// delivery.timeout.ms.
type DeliveryTimeoutError struct {
	Topic     string
	Partition int32
	Timeout   time.Duration // the delivery.timeout.ms setting
	Attempts  int           // produce attempts made for the record's batch
	// Last is the error of the last attempt, if there was one. When it is
	// a retriable error, the record may nevertheless have been written.
	Last error
}

func (e *DeliveryTimeoutError) Error() string {
	s := fmt.Sprintf("samsa: record to %s[%d] not acknowledged within delivery.timeout.ms=%v after %d attempts",
		e.Topic, e.Partition, e.Timeout, e.Attempts)
	if e.Last != nil {
		s += "; last error: " + e.Last.Error()
	}
	return s
}

// Is matches ErrDeliveryTimeout.
func (e *DeliveryTimeoutError) Is(target error) bool { return target == ErrDeliveryTimeout }

// Unwrap returns the last attempt's error.
func (e *DeliveryTimeoutError) Unwrap() error { return e.Last }

// RecordTooLargeError reports a record larger than a limit.
type RecordTooLargeError struct {
	Topic   string
	Size    int    // the record's encoded size in a batch, in bytes
	Max     int64  // the limit
	Setting string // the setting that sets the limit, such as "max.request.size"
}

func (e *RecordTooLargeError) Error() string {
	return fmt.Sprintf("samsa: record for topic %q is %d bytes, above %s=%d", e.Topic, e.Size, e.Setting, e.Max)
}

// Is matches ErrRecordTooLarge.
func (e *RecordTooLargeError) Is(target error) bool { return target == ErrRecordTooLarge }

// SerializationError reports a key or value serializer failure.
type SerializationError struct {
	Topic string
	Key   bool // the key's serializer failed; otherwise the value's
	Err   error
}

func (e *SerializationError) Error() string {
	what := "value"
	if e.Key {
		what = "key"
	}
	return fmt.Sprintf("samsa: serializing %s for topic %q: %v", what, e.Topic, e.Err)
}

// Is matches ErrSerialization.
func (e *SerializationError) Is(target error) bool { return target == ErrSerialization }

// Unwrap returns the serializer's error.
func (e *SerializationError) Unwrap() error { return e.Err }

// ConfigError reports an invalid configuration setting.
type ConfigError struct {
	// Key is the Java property name of the setting, such as "linger.ms",
	// and Field the Config field, such as "Linger".
	Key, Field string
	// Value is the offending value as text; empty for secrets.
	Value string
	// Reason says what is wrong.
	Reason string
	// Suggestion is the nearest valid key, for an unknown key.
	Suggestion string
}

func (e *ConfigError) Error() string {
	name := e.Key
	if name == "" {
		name = e.Field
	} else if e.Field != "" {
		name += " (Config." + e.Field + ")"
	}
	s := "samsa: invalid configuration: " + name
	if e.Value != "" {
		s += fmt.Sprintf(" = %q", e.Value)
	}
	s += ": " + e.Reason
	if e.Suggestion != "" {
		s += fmt.Sprintf("; did you mean %q?", e.Suggestion)
	}
	return s
}

// Is matches ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }
