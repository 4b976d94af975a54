package samsa_test

import (
	"context"
	"fmt"
	"math"

	"github.com/samsa-go/samsa"
)

// Int64Serializer writes the 8 big-endian bytes that Java's LongSerializer
// writes, so a Java consumer reads it back with LongDeserializer.
func ExampleInt64Serializer() {
	ctx := context.Background()
	b, err := samsa.Int64Serializer().Serialize(ctx, "orders", nil, -2)
	fmt.Printf("% x %v\n", b, err)
	// Output: ff ff ff ff ff ff ff fe <nil>
}

// StringSerializer writes UTF-8; the empty string is an empty value, not
// null.
func ExampleStringSerializer() {
	ctx := context.Background()
	s := samsa.StringSerializer()
	b, _ := s.Serialize(ctx, "greetings", nil, "héllo")
	empty, _ := s.Serialize(ctx, "greetings", nil, "")
	fmt.Printf("% x\n", b)
	fmt.Println(len(empty), empty == nil)
	// Output:
	// 68 c3 a9 6c 6c 6f
	// 0 false
}

// UUIDSerializer writes the UUID's 36-character text, as Java's
// UUIDSerializer (UUID.toString()), not its 16 raw bytes.
func ExampleUUIDSerializer() {
	ctx := context.Background()
	id := [16]byte{0xf8, 0x1d, 0x4f, 0xae, 0x7d, 0xec, 0x11, 0xd0, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6}
	b, _ := samsa.UUIDSerializer().Serialize(ctx, "users", nil, id)
	fmt.Printf("%s (%d bytes)\n", b, len(b))
	// Output: f81d4fae-7dec-11d0-a765-00a0c91e6bf6 (36 bytes)
}

// Float64Serializer maps every NaN to Java's canonical NaN, as
// DoubleSerializer (Double.doubleToLongBits) does.
func ExampleFloat64Serializer() {
	ctx := context.Background()
	s := samsa.Float64Serializer()
	one, _ := s.Serialize(ctx, "readings", nil, 1.5)
	nan, _ := s.Serialize(ctx, "readings", nil, math.Float64frombits(0xfff0000000000001))
	fmt.Printf("% x\n% x\n", one, nan)
	// Output:
	// 3f f8 00 00 00 00 00 00
	// 7f f8 00 00 00 00 00 00
}

// JSONSerializer encodes with encoding/json, without HTML escaping; a nil
// pointer is a null value (a tombstone), as in Java.
func ExampleJSONSerializer() {
	ctx := context.Background()
	type Order struct {
		ID   int    `json:"id"`
		Note string `json:"note"`
	}
	s := samsa.JSONSerializer[*Order]()
	b, _ := s.Serialize(ctx, "orders", nil, &Order{ID: 7, Note: "<fragile>"})
	tombstone, _ := s.Serialize(ctx, "orders", nil, nil)
	fmt.Println(string(b))
	fmt.Println(tombstone == nil)
	// Output:
	// {"id":7,"note":"<fragile>"}
	// true
}

// BytesSerializer passes bytes through: nil is a null value.
func ExampleBytesSerializer() {
	ctx := context.Background()
	s := samsa.BytesSerializer()
	null, _ := s.Serialize(ctx, "t", nil, nil)
	b, _ := s.Serialize(ctx, "t", nil, []byte{1, 2})
	fmt.Println(null == nil, b) //nolint:staticcheck // QF1010: the Output shows the bytes, [1 2], not a string
	// Output: true [1 2]
}
