package samsa

import (
	"context"
	"time"
)

// TypedRecord is a record whose key and value are Go values of types K and
// V, turned into bytes by a TypedProducer's serializers.
//
// # Null keys and values
//
// Kafka tells a null key or value (no bytes at all; a null value is a
// tombstone on a compacted topic) from an empty one. A TypedRecord says
// "null" in one of two ways:
//
//   - NullKey or NullValue set to true: the serializer is not called and
//     the key or value is null. This works for every K and V, including
//     types that have no nil, such as string or int64, whose zero values
//     ("" and 0) are real keys and values.
//   - A serializer that returns nil: the built-in serializers do so for a
//     nil []byte (BytesSerializer), a nil pointer, map, slice or interface
//     (JSONSerializer) and always (VoidSerializer), as the Java client's
//     serializers return null for null. So with K = *T or []byte, a nil Key
//     is already a null key.
//
// Zero values are never mapped to null behind the caller's back: a
// TypedRecord[string, int64] with Key "" has an empty key, and one with
// Value 0 has the 8-byte value 0.
type TypedRecord[K, V any] struct {
	// Topic is the topic to produce to.
	Topic string
	// Partition is the target partition, or AnyPartition (the zero value)
	// to let the partitioner choose from the serialized key.
	Partition Partition
	// Key is the record key, serialized with the producer's key
	// serializer unless NullKey is set.
	Key K
	// Value is the record value, serialized with the producer's value
	// serializer unless NullValue is set.
	Value V
	// NullKey sends a null key: Key is ignored and the key serializer is
	// not called.
	NullKey bool
	// NullValue sends a null value (a tombstone): Value is ignored and the
	// value serializer is not called.
	NullValue bool
	// Headers are sent in order; keys may repeat. The serializers see them
	// and may append more; the caller's slice is never written to.
	Headers []Header
	// Timestamp is the record's CreateTime; the zero Time means "now".
	Timestamp time.Time
}

// TypedProducer produces TypedRecords through a Producer, serializing keys
// and values with the Serializers it was made with. It adds nothing to the
// Producer but serialization: ordering, batching, outcomes and errors are
// the Producer's. It is safe for concurrent use, as its serializers must
// be. Many TypedProducers of different types may share one Producer;
// Flush and Close the Producer itself.
//
// Serialization happens in the calling goroutine, before the Producer sees
// the record, so SendHooks (Config.Hooks) see the serialized Record. A
// serializer's error fails that record only: its outcome is a
// *SerializationError (errors.Is ErrSerialization) naming the topic and
// whether the key or the value failed, delivered once to the record's
// callback or Future and to the AckHooks (the SendHooks never saw it), and
// the record is not sent.
type TypedProducer[K, V any] struct {
	p      *Producer
	keys   Serializer[K]
	values Serializer[V]
}

// NewTypedProducer returns a TypedProducer that produces through p, with
// keys serialized by keys and values by values. It panics if any argument
// is nil. For a producer without keys use VoidSerializer for K and leave
// Key as struct{}{}.
func NewTypedProducer[K, V any](p *Producer, keys Serializer[K], values Serializer[V]) *TypedProducer[K, V] {
	if p == nil || keys == nil || values == nil {
		panic("samsa: NewTypedProducer with a nil producer or serializer")
	}
	return &TypedProducer[K, V]{p: p, keys: keys, values: values}
}

// Producer returns the Producer that t produces through, for Flush, Close,
// Metrics and untyped records.
func (t *TypedProducer[K, V]) Producer() *Producer { return t.p }

// serialize turns r into a Record. On error the returned Record still
// carries what is known (topic, partition, headers, timestamp and any key
// already serialized), for the failed outcome's metadata.
func (t *TypedProducer[K, V]) serialize(ctx context.Context, r *TypedRecord[K, V]) (Record, error) {
	rec := Record{Topic: r.Topic, Partition: r.Partition, Timestamp: r.Timestamp}
	// A full slice expression: a serializer's append must reallocate
	// rather than write past len into the caller's backing array, which
	// the caller may share between records.
	headers := r.Headers[:len(r.Headers):len(r.Headers)]
	if !r.NullKey {
		k, err := t.keys.Serialize(ctx, r.Topic, &headers, r.Key)
		if err != nil {
			rec.Headers = headers
			return rec, &SerializationError{Topic: r.Topic, Key: true, Err: err}
		}
		rec.Key = k
	}
	if !r.NullValue {
		v, err := t.values.Serialize(ctx, r.Topic, &headers, r.Value)
		if err != nil {
			rec.Headers = headers
			return rec, &SerializationError{Topic: r.Topic, Err: err}
		}
		rec.Value = v
	}
	rec.Headers = headers
	return rec, nil
}

// Produce serializes r and produces it as Producer.Produce does. fn, which
// may be nil, is called exactly once with the record's outcome; a
// serializer error is that outcome (a *SerializationError), given at once.
func (t *TypedProducer[K, V]) Produce(ctx context.Context, r TypedRecord[K, V], fn func(RecordMetadata, error)) {
	var cb any
	if fn != nil {
		cb = fn
	}
	rec, err := t.serialize(ctx, &r)
	if err != nil {
		_ = t.p.failUnsent(ctx, &rec, cb, err)
		return
	}
	_ = t.p.produce(ctx, &rec, cb, false)
}

// TryProduce serializes r and produces it as Producer.TryProduce does,
// without blocking. It returns the error that ended the record at once, a
// serializer's included, which is also passed to fn.
func (t *TypedProducer[K, V]) TryProduce(r TypedRecord[K, V], fn func(RecordMetadata, error)) error {
	var cb any
	if fn != nil {
		cb = fn
	}
	ctx := context.Background()
	rec, err := t.serialize(ctx, &r)
	if err != nil {
		return t.p.failUnsent(context.Background(), &rec, cb, err)
	}
	return t.p.produce(ctx, &rec, cb, true)
}

// Send serializes r and sends it as Producer.Send does, returning the
// record's Future; a serializer error completes the Future at once.
func (t *TypedProducer[K, V]) Send(ctx context.Context, r TypedRecord[K, V]) *Future {
	f := newFuture(t.p.acc)
	rec, err := t.serialize(ctx, &r)
	if err != nil {
		_ = t.p.failUnsent(ctx, &rec, f, err)
		return f
	}
	_ = t.p.produce(ctx, &rec, f, false)
	return f
}

// SendSync serializes r, sends it and waits for its outcome, or until ctx
// ends, as Producer.SendSync.
func (t *TypedProducer[K, V]) SendSync(ctx context.Context, r TypedRecord[K, V]) (RecordMetadata, error) {
	if err := t.p.refuseInsideCallback("SendSync"); err != nil {
		return RecordMetadata{}, err
	}
	return t.Send(ctx, r).Wait(ctx)
}
