package samsa

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sync"
)

// Serializer turns a value of type T into the bytes of a record key or
// value, as the Java client's Serializer.serialize(topic, headers, data).
// It may append to *headers (for example a schema id). ctx is the context
// given to the TypedProducer method that called it (context.Background
// for TryProduce): a serializer that talks to a schema registry honours
// its deadline and cancellation. A Serializer must be safe for concurrent
// use.
type Serializer[T any] interface {
	Serialize(ctx context.Context, topic string, headers *[]Header, v T) ([]byte, error)
}

// SerializerFunc adapts a function to the Serializer interface.
type SerializerFunc[T any] func(ctx context.Context, topic string, headers *[]Header, v T) ([]byte, error)

// Serialize calls f.
func (f SerializerFunc[T]) Serialize(ctx context.Context, topic string, headers *[]Header, v T) ([]byte, error) {
	return f(ctx, topic, headers, v)
}

// The serializers in this file produce the same bytes as the Java
// client's serializers of org.apache.kafka.common.serialization, so Java
// consumers can read what samsa produces with the matching deserializer.
// They are stateless and safe for concurrent use, ignore the topic, leave
// the headers alone, and allocate nothing but the slice they return (the
// JSON serializer excepted). A nil result is a null key or value.

// bytesSerializer is BytesSerializer.
type bytesSerializer struct{}

// Serialize returns v itself.
func (bytesSerializer) Serialize(_ context.Context, _ string, _ *[]Header, v []byte) ([]byte, error) {
	return v, nil
}

// BytesSerializer returns the identity Serializer for []byte, as Java's
// ByteArraySerializer and BytesSerializer: nil stays nil (a null key or
// value) and an empty non-nil slice stays an empty value. It returns v
// itself, without copying; Produce copies it into the batch.
func BytesSerializer() Serializer[[]byte] { return bytesSerializer{} }

// stringSerializer is StringSerializer.
type stringSerializer struct{}

// Serialize returns the bytes of v.
func (stringSerializer) Serialize(_ context.Context, _ string, _ *[]Header, v string) ([]byte, error) {
	if v == "" {
		return []byte{}, nil // an empty value, not null; no allocation
	}
	return []byte(v), nil
}

// StringSerializer returns a Serializer that writes a string as its UTF-8
// bytes, as Java's StringSerializer with its default UTF-8 encoding. The
// empty string is an empty value, not null. A Go string is sent byte for
// byte: valid UTF-8 gives exactly Java's bytes; invalid UTF-8, which a
// Java String cannot hold, is sent as it is rather than repaired.
func StringSerializer() Serializer[string] { return stringSerializer{} }

// int16Serializer is Int16Serializer.
type int16Serializer struct{}

// Serialize returns v as 2 big-endian bytes.
func (int16Serializer) Serialize(_ context.Context, _ string, _ *[]Header, v int16) ([]byte, error) {
	return binary.BigEndian.AppendUint16(make([]byte, 0, 2), uint16(v)), nil
}

// Int16Serializer returns a Serializer that writes an int16 as 2
// big-endian two's-complement bytes, as Java's ShortSerializer.
func Int16Serializer() Serializer[int16] { return int16Serializer{} }

// int32Serializer is Int32Serializer.
type int32Serializer struct{}

// Serialize returns v as 4 big-endian bytes.
func (int32Serializer) Serialize(_ context.Context, _ string, _ *[]Header, v int32) ([]byte, error) {
	return binary.BigEndian.AppendUint32(make([]byte, 0, 4), uint32(v)), nil
}

// Int32Serializer returns a Serializer that writes an int32 as 4
// big-endian two's-complement bytes, as Java's IntegerSerializer.
func Int32Serializer() Serializer[int32] { return int32Serializer{} }

// int64Serializer is Int64Serializer.
type int64Serializer struct{}

// Serialize returns v as 8 big-endian bytes.
func (int64Serializer) Serialize(_ context.Context, _ string, _ *[]Header, v int64) ([]byte, error) {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(v)), nil
}

// Int64Serializer returns a Serializer that writes an int64 as 8
// big-endian two's-complement bytes, as Java's LongSerializer.
func Int64Serializer() Serializer[int64] { return int64Serializer{} }

// float32Serializer is Float32Serializer.
type float32Serializer struct{}

// Serialize returns the raw IEEE-754 bits of v, big-endian.
func (float32Serializer) Serialize(_ context.Context, _ string, _ *[]Header, v float32) ([]byte, error) {
	return binary.BigEndian.AppendUint32(make([]byte, 0, 4), math.Float32bits(v)), nil
}

// Float32Serializer returns a Serializer that writes a float32 as its
// IEEE-754 binary32 bits, big-endian, as Java's FloatSerializer, which
// uses Float.floatToRawIntBits: every NaN keeps its sign and payload bits.
func Float32Serializer() Serializer[float32] { return float32Serializer{} }

// float64Serializer is Float64Serializer.
type float64Serializer struct{}

// javaCanonicalNaN is the bit pattern Java's Double.doubleToLongBits
// gives every NaN.
const javaCanonicalNaN = 0x7ff8000000000000

// Serialize returns the IEEE-754 bits of v, big-endian, with NaNs
// canonicalized as Java does.
func (float64Serializer) Serialize(_ context.Context, _ string, _ *[]Header, v float64) ([]byte, error) {
	bits := math.Float64bits(v)
	if v != v { // NaN
		bits = javaCanonicalNaN
	}
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), bits), nil
}

// Float64Serializer returns a Serializer that writes a float64 as its
// IEEE-754 binary64 bits, big-endian, as Java's DoubleSerializer. That
// class uses Double.doubleToLongBits, which maps every NaN (whatever its
// sign or payload) to 0x7ff8000000000000, and so does this serializer;
// unlike Float32Serializer, whose Java counterpart keeps NaN bits.
func Float64Serializer() Serializer[float64] { return float64Serializer{} }

// uuidSerializer is UUIDSerializer.
type uuidSerializer struct{}

// Serialize returns the 36-byte canonical text form of v.
func (uuidSerializer) Serialize(_ context.Context, _ string, _ *[]Header, v [16]byte) ([]byte, error) {
	out := make([]byte, 36)
	hex.Encode(out[0:8], v[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], v[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], v[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], v[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], v[10:16])
	return out, nil
}

// UUIDSerializer returns a Serializer that writes a UUID, given as its 16
// bytes in RFC 9562 (big-endian) order, as Java's UUIDSerializer does:
// the text of java.util.UUID.toString() in UTF-8, 36 bytes of lowercase
// hex digits in 8-4-4-4-12 groups, such as
// "f81d4fae-7dec-11d0-a765-00a0c91e6bf6". It is text, not the 16 raw
// bytes. The [16]byte is the layout of the common Go UUID types, so a
// github.com/google/uuid UUID converts with [16]byte(u).
func UUIDSerializer() Serializer[[16]byte] { return uuidSerializer{} }

// voidSerializer is VoidSerializer.
type voidSerializer struct{}

// Serialize returns nil.
func (voidSerializer) Serialize(_ context.Context, _ string, _ *[]Header, _ struct{}) ([]byte, error) {
	return nil, nil
}

// VoidSerializer returns a Serializer whose result is always nil, a null
// key or value, as Java's VoidSerializer. Use it for records without a
// key, or for tombstones.
func VoidSerializer() Serializer[struct{}] { return voidSerializer{} }

// jsonSerializer is JSONSerializer.
type jsonSerializer[T any] struct{}

// jsonEncoder is a reusable encoder writing into its own buffer.
type jsonEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// jsonEncoders pools jsonEncoders; buffers that grew past
// maxPooledJSONBuffer are dropped rather than pooled.
var jsonEncoders = sync.Pool{New: func() any {
	e := new(jsonEncoder)
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// maxPooledJSONBuffer bounds the buffer a pooled jsonEncoder keeps.
const maxPooledJSONBuffer = 64 << 10

// Serialize encodes v as JSON, or returns nil for a nil v.
func (jsonSerializer[T]) Serialize(_ context.Context, _ string, _ *[]Header, v T) ([]byte, error) {
	a := any(v)
	if a == nil {
		return nil, nil
	}
	switch rv := reflect.ValueOf(a); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		if rv.IsNil() {
			return nil, nil
		}
	}
	e := jsonEncoders.Get().(*jsonEncoder)
	e.buf.Reset()
	var out []byte
	err := e.enc.Encode(a)
	if err == nil {
		// Encode ends the value with a newline; drop it.
		out = append([]byte(nil), bytes.TrimSuffix(e.buf.Bytes(), []byte{'\n'})...)
	}
	if e.buf.Cap() <= maxPooledJSONBuffer {
		jsonEncoders.Put(e)
	}
	if err != nil {
		return nil, fmt.Errorf("samsa: JSON serializer: %w", err)
	}
	return out, nil
}

// JSONSerializer returns a Serializer that encodes values of type T with
// encoding/json (struct tags, json.Marshaler and all), without HTML
// escaping, as Kafka Connect's org.apache.kafka.connect.json.JsonSerializer
// (Jackson) writes it: a nil pointer, map, slice or interface is a null
// key or value, not the text "null", as Java's serializers return null for
// null; anything else is its compact JSON text.
//
// For objects, arrays, strings, booleans and integers the bytes equal
// Jackson's whenever the fields come in the same order. They differ in a
// few spellings that every JSON parser reads alike: encoding/json writes
// the float 1.0 as "1" (Jackson "1.0") and 1e21 as "1e+21" (Jackson
// "1.0E21"), escapes U+2028 and U+2029 (Jackson does not), and writes
// control characters as lowercase \u001f (Jackson \u001F). Invalid UTF-8
// in strings becomes U+FFFD.
//
// Unlike the other serializers, encoding/json allocates while it encodes.
func JSONSerializer[T any]() Serializer[T] { return jsonSerializer[T]{} }
