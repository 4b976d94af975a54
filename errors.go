package samsa

import (
	"errors"
	"fmt"
	"time"

	"github.com/samsa-go/samsa/internal/config"
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
	// buffer.memory, or the broker refused it as larger than the topic
	// allows (then the error also matches kerr.MessageTooLarge); see
	// RecordTooLargeError.
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

// RecordTooLargeError reports a record larger than a limit: one the
// producer checks before sending (max.request.size, buffer.memory), or one
// the broker enforced by refusing the record's batch, in which case Broker
// holds its answer (MESSAGE_TOO_LARGE: the topic's max.message.bytes, or
// the broker's message.max.bytes; RECORD_LIST_TOO_LARGE: the topic's
// segment.bytes) and the error also matches that code, such as
// kerr.MessageTooLarge.
type RecordTooLargeError struct {
	Topic string
	// Size is the record's size in bytes: for the producer's check, the
	// most a batch holding only this record can take (as the Java client
	// computes it); for the broker's refusal, the size of the batch the
	// broker refused, which held this record alone unless it could not be
	// split (compressed, when compression is on).
	Size int
	// Max is the limit, when known: the broker does not say its own.
	Max int64
	// Setting names the setting that sets the limit, such as
	// "max.request.size", or for a broker refusal "max.message.bytes"
	// (or "segment.bytes").
	Setting string
	// Broker is the broker's refusal; nil when the producer refused the
	// record before sending it.
	Broker *KafkaError
}

func (e *RecordTooLargeError) Error() string {
	if e.Broker != nil {
		return fmt.Sprintf("samsa: the broker refused a record for topic %q as too large: its batch is %d bytes, above the topic's %s%s: %v",
			e.Topic, e.Size, e.Setting, brokerSettingNote(e.Setting), e.Broker)
	}
	return fmt.Sprintf("samsa: record for topic %q is %d bytes, above %s=%d", e.Topic, e.Size, e.Setting, e.Max)
}

// brokerSettingNote names the broker-wide default behind a topic setting.
func brokerSettingNote(setting string) string {
	switch setting {
	case "max.message.bytes":
		return " (or the broker's message.max.bytes when the topic does not set it)"
	case "segment.bytes":
		return " (or the broker's log.segment.bytes)"
	}
	return ""
}

// Is matches ErrRecordTooLarge.
func (e *RecordTooLargeError) Is(target error) bool { return target == ErrRecordTooLarge }

// Unwrap returns the broker's refusal, or nil.
func (e *RecordTooLargeError) Unwrap() error {
	if e.Broker == nil {
		return nil
	}
	return e.Broker
}

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

func (e *ConfigError) Error() string { return (*config.Error)(e).Error() }

// Is matches ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }
