package samsa

import (
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"github.com/samsa-go/samsa/internal/recordbatch"
)

// Header is one record header. A record's headers are ordered and may
// repeat a key; a nil Value is sent as a null header value.
type Header struct {
	Key   string
	Value []byte
}

// Partition names a partition of a record's topic, or none. Its zero value,
// AnyPartition, lets the producer's partitioner choose; PartitionOf names
// one explicitly. A plain int32 cannot tell the two apart, because 0 is a
// real partition.
type Partition struct {
	id  int32
	set bool
}

// AnyPartition is the zero Partition: the partitioner chooses.
var AnyPartition = Partition{}

// PartitionOf returns the explicit partition n. Produce rejects a negative
// n, or one not below the topic's partition count, with ErrInvalidPartition.
func PartitionOf(n int32) Partition { return Partition{id: n, set: true} }

// Number returns the explicit partition number and true, or 0 and false
// for AnyPartition.
func (p Partition) Number() (n int32, ok bool) { return p.id, p.set }

// String returns the partition number, or "any".
func (p Partition) String() string {
	if !p.set {
		return "any"
	}
	return strconv.Itoa(int(p.id))
}

// Record is one record to produce.
//
// Produce copies Key, Value and Headers into the partition's batch before
// it returns, so the caller may reuse those buffers afterwards.
type Record struct {
	// Topic is the topic to produce to. It must be a valid Kafka topic name.
	Topic string
	// Partition is the target partition, or AnyPartition (the zero value)
	// to let the partitioner choose.
	Partition Partition
	// Key is the record key; nil is a null key, which partitioners treat as
	// "no key". An empty non-nil key is a real, empty key.
	Key []byte
	// Value is the record value; nil is a null value (a tombstone on
	// compacted topics).
	Value []byte
	// Headers are sent in order; keys may repeat.
	Headers []Header
	// Timestamp is the record's CreateTime; the zero Time means "now" at
	// the moment Produce is called.
	Timestamp time.Time
}

// TimestampType says which clock a RecordMetadata timestamp came from.
type TimestampType int8

const (
	// CreateTime is the producer's timestamp, set on the record.
	CreateTime TimestampType = 0
	// LogAppendTime is the broker's clock when it appended the batch, for
	// topics configured with message.timestamp.type=LogAppendTime.
	LogAppendTime TimestampType = 1
)

// String returns "CreateTime" or "LogAppendTime".
func (t TimestampType) String() string {
	if t == LogAppendTime {
		return "LogAppendTime"
	}
	return "CreateTime"
}

// RecordMetadata describes where an acknowledged record was written.
type RecordMetadata struct {
	// Topic and Partition the record was written to.
	Topic     string
	Partition int32
	// Offset of the record in the partition, or -1 when acks=0 (the
	// producer does not learn offsets then).
	Offset int64
	// Timestamp of the record: its CreateTime, or the broker's append time
	// when TimestampType is LogAppendTime.
	Timestamp     time.Time
	TimestampType TimestampType
	// SerializedKeySize and SerializedValueSize are the key and value
	// lengths in bytes, or -1 for a null key or value.
	SerializedKeySize   int
	SerializedValueSize int
	// LeaderEpoch is the partition leader epoch the producer knew when it
	// sent the record, or -1 when unknown.
	LeaderEpoch int32
}

// String formats the metadata as topic[partition]@offset.
func (m RecordMetadata) String() string {
	return fmt.Sprintf("%s[%d]@%d", m.Topic, m.Partition, m.Offset)
}

// wireHeaders views headers as the encoder's header type, without copying:
// the two types have the same fields, which the conversion below proves at
// compile time.
func wireHeaders(h []Header) []recordbatch.Header {
	if len(h) == 0 {
		return nil
	}
	return unsafe.Slice((*recordbatch.Header)(unsafe.Pointer(unsafe.SliceData(h))), len(h))
}

var _ = recordbatch.Header(Header{}) // same field names and types, so same layout
