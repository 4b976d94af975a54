package samsa

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// javaSerializerVectors returns serializers.tsv's rows for one Java class
// (without its package), as (input, output) pairs; output nil is Java's
// null.
func javaSerializerVectors(t *testing.T, class string) [][2]string {
	t.Helper()
	var out [][2]string
	for _, r := range readVectorTable(t, "serializers.tsv") {
		if len(r) != 3 {
			t.Fatalf("bad serializers.tsv row %q", r)
		}
		if r[0][strings.LastIndexByte(r[0], '.')+1:] == class {
			out = append(out, [2]string{r[1], r[2]})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no vectors for %s", class)
	}
	return out
}

// javaOutput decodes a vector's output: "null" is nil, "" is empty.
func javaOutput(t *testing.T, s string) []byte {
	t.Helper()
	if s == "null" {
		return nil
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// sameBytes compares exactly, telling nil (null) from empty.
func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

// serialize runs s and checks it neither fails nor touches the headers.
func serialize[T any](t *testing.T, s Serializer[T], v T) []byte {
	t.Helper()
	headers := []Header{{Key: "h", Value: []byte("v")}}
	got, err := s.Serialize(context.Background(), "topic", &headers, v)
	if err != nil {
		t.Fatalf("Serialize(%v): %v", v, err)
	}
	if len(headers) != 1 || headers[0].Key != "h" {
		t.Fatalf("Serialize(%v) changed the headers: %v", v, headers)
	}
	return got
}

func TestSerializerBytes(t *testing.T) {
	for _, class := range []string{"ByteArraySerializer", "BytesSerializer"} {
		for _, v := range javaSerializerVectors(t, class) {
			var in []byte
			switch v[0] {
			case "null":
			case "-":
				in = []byte{}
			default:
				in = javaOutput(t, v[0])
			}
			want := javaOutput(t, v[1])
			if got := serialize(t, BytesSerializer(), in); !sameBytes(got, want) {
				t.Errorf("%s %s: got %#v, Java %#v", class, v[0], got, want)
			}
		}
	}
}

func TestSerializerString(t *testing.T) {
	for _, v := range javaSerializerVectors(t, "StringSerializer") {
		var sb strings.Builder
		if v[0] != "-" {
			for _, cp := range strings.Fields(v[0]) {
				r, err := strconv.ParseUint(cp, 16, 32)
				if err != nil {
					t.Fatal(err)
				}
				sb.WriteRune(rune(r))
			}
		}
		want := javaOutput(t, v[1])
		if got := serialize(t, StringSerializer(), sb.String()); !sameBytes(got, want) {
			t.Errorf("StringSerializer(%q): got %x, Java %x", sb.String(), got, want)
		}
	}
	// Invalid UTF-8 is passed through untouched.
	if got := serialize(t, StringSerializer(), "\xff\xfe"); !bytes.Equal(got, []byte{0xff, 0xfe}) {
		t.Errorf("invalid UTF-8: got %x", got)
	}
}

func TestSerializerIntegers(t *testing.T) {
	for _, v := range javaSerializerVectors(t, "ShortSerializer") {
		n, err := strconv.ParseInt(v[0], 10, 16)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := serialize(t, Int16Serializer(), int16(n)), javaOutput(t, v[1]); !sameBytes(got, want) {
			t.Errorf("Int16Serializer(%d): got %x, Java %x", n, got, want)
		}
	}
	for _, v := range javaSerializerVectors(t, "IntegerSerializer") {
		n, err := strconv.ParseInt(v[0], 10, 32)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := serialize(t, Int32Serializer(), int32(n)), javaOutput(t, v[1]); !sameBytes(got, want) {
			t.Errorf("Int32Serializer(%d): got %x, Java %x", n, got, want)
		}
	}
	for _, v := range javaSerializerVectors(t, "LongSerializer") {
		n, err := strconv.ParseInt(v[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := serialize(t, Int64Serializer(), n), javaOutput(t, v[1]); !sameBytes(got, want) {
			t.Errorf("Int64Serializer(%d): got %x, Java %x", n, got, want)
		}
	}
}

func TestSerializerFloats(t *testing.T) {
	for _, v := range javaSerializerVectors(t, "FloatSerializer") {
		bits, err := strconv.ParseUint(v[0], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		f := math.Float32frombits(uint32(bits))
		if got, want := serialize(t, Float32Serializer(), f), javaOutput(t, v[1]); !sameBytes(got, want) {
			t.Errorf("Float32Serializer(bits %s): got %x, Java %x", v[0], got, want)
		}
	}
	nans := 0
	for _, v := range javaSerializerVectors(t, "DoubleSerializer") {
		bits, err := strconv.ParseUint(v[0], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		f := math.Float64frombits(bits)
		if math.IsNaN(f) {
			nans++
		}
		if got, want := serialize(t, Float64Serializer(), f), javaOutput(t, v[1]); !sameBytes(got, want) {
			t.Errorf("Float64Serializer(bits %s): got %x, Java %x", v[0], got, want)
		}
	}
	if nans < 3 {
		t.Errorf("only %d NaN double vectors; the canonicalization is untested", nans)
	}
}

func TestSerializerUUID(t *testing.T) {
	for _, v := range javaSerializerVectors(t, "UUIDSerializer") {
		raw, err := hex.DecodeString(v[0])
		if err != nil || len(raw) != 16 {
			t.Fatalf("bad UUID input %q", v[0])
		}
		got, want := serialize(t, UUIDSerializer(), [16]byte(raw)), javaOutput(t, v[1])
		if !sameBytes(got, want) {
			t.Errorf("UUIDSerializer(%s): got %q, Java %q", v[0], got, want)
		}
	}
}

func TestSerializerVoid(t *testing.T) {
	for _, v := range javaSerializerVectors(t, "VoidSerializer") {
		if got, want := serialize(t, VoidSerializer(), struct{}{}), javaOutput(t, v[1]); !sameBytes(got, want) {
			t.Errorf("VoidSerializer: got %#v, Java %#v", got, want)
		}
	}
}

// jsonObject is the Go equivalent of GenVectors.java's "object" case.
type jsonObject struct {
	ID     int      `json:"id"`
	Name   string   `json:"name"`
	Active bool     `json:"active"`
	Parent *string  `json:"parent"`
	Tags   []string `json:"tags"`
}

func TestSerializerJSON(t *testing.T) {
	java := map[string][]byte{}
	for _, v := range javaSerializerVectors(t, "JsonSerializer") {
		java[v[0]] = javaOutput(t, v[1])
	}
	same := []struct {
		name string
		got  []byte
	}{
		{"null", serialize(t, JSONSerializer[*jsonObject](), nil)},
		{"object", serialize(t, JSONSerializer[jsonObject](), jsonObject{ID: 42, Name: "samsa", Active: true, Tags: []string{"a", "b"}})},
		{"object", serialize(t, JSONSerializer[*jsonObject](), &jsonObject{ID: 42, Name: "samsa", Active: true, Tags: []string{"a", "b"}})},
		{"int-array", serialize(t, JSONSerializer[[]int64](), []int64{1, -2, 9007199254740993})},
		{"string", serialize(t, JSONSerializer[string](), "café \"quoted\" back\\slash\ttab")},
		{"html", serialize(t, JSONSerializer[string](), "<a&b>")},
	}
	for _, c := range same {
		want, ok := java[c.name]
		if !ok {
			t.Fatalf("no Java vector %q", c.name)
		}
		if !sameBytes(c.got, want) {
			t.Errorf("JSONSerializer %s: got %q, Jackson %q", c.name, c.got, want)
		}
	}
	// The documented spelling differences: same value, other bytes.
	differ := []struct {
		name     string
		got      []byte
		wantGo   string
		wantJava string
	}{
		{"float", serialize(t, JSONSerializer[float64](), 1.0), `1`, `1.0`},
		{"float-big", serialize(t, JSONSerializer[float64](), 1e21), `1e+21`, `1.0E21`},
		{"control", serialize(t, JSONSerializer[string](), "a\x01\x1f\n\u2028b"), `"a\u0001\u001f\n\u2028b"`, "\"a\\u0001\\u001F\\n\u2028b\""},
	}
	for _, c := range differ {
		if string(c.got) != c.wantGo {
			t.Errorf("JSONSerializer %s: got %q, want %q", c.name, c.got, c.wantGo)
		}
		if string(java[c.name]) != c.wantJava {
			t.Errorf("Jackson %s: vector %q, expected %q", c.name, java[c.name], c.wantJava)
		}
	}

	// Nil references are null values; zero values that are not nil are not.
	nils := map[string][]byte{
		"nil map":       serialize(t, JSONSerializer[map[string]int](), nil),
		"nil slice":     serialize(t, JSONSerializer[[]int](), nil),
		"nil interface": serialize[any](t, JSONSerializer[any](), nil),
		"nil pointer":   serialize[any](t, JSONSerializer[any](), (*int)(nil)),
	}
	for name, got := range nils {
		if got != nil {
			t.Errorf("%s: got %q, want nil", name, got)
		}
	}
	if got := serialize(t, JSONSerializer[map[string]int](), map[string]int{}); string(got) != "{}" {
		t.Errorf("empty map: got %q", got)
	}
	if got := serialize(t, JSONSerializer[int](), 0); string(got) != "0" {
		t.Errorf("zero int: got %q", got)
	}

	// Errors are returned, wrapped, and do not poison the pool.
	_, err := JSONSerializer[any]().Serialize(context.Background(), "t", nil, math.Inf(1))
	var uve *json.UnsupportedValueError
	if err == nil || !strings.HasPrefix(err.Error(), "samsa: JSON serializer: ") || !errors.As(err, &uve) {
		t.Errorf("Inf: got error %v", err)
	}
	if got := serialize[any](t, JSONSerializer[any](), map[string]any{"k": []int{1}}); string(got) != `{"k":[1]}` {
		t.Errorf("after an error: got %q", got)
	}
}

// TestSerializerJSONConcurrent: the pooled encoders are not shared.
func TestSerializerJSONConcurrent(t *testing.T) {
	s := JSONSerializer[jsonObject]()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 500 {
				v := jsonObject{ID: w*1000 + i, Name: strings.Repeat("x", i%50), Tags: []string{}}
				got, err := s.Serialize(context.Background(), "t", nil, v)
				want := `{"id":` + strconv.Itoa(v.ID) + `,"name":"` + v.Name + `","active":false,"parent":null,"tags":[]}`
				if err != nil || string(got) != want {
					t.Errorf("got %q, %v; want %q", got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestSerializerEmptyIsNotNull: empty inputs give empty, non-nil values.
func TestSerializerEmptyIsNotNull(t *testing.T) {
	if got := serialize(t, StringSerializer(), ""); got == nil || len(got) != 0 {
		t.Errorf("StringSerializer(\"\") = %#v, want empty non-nil", got)
	}
	if got := serialize(t, BytesSerializer(), []byte{}); got == nil || len(got) != 0 {
		t.Errorf("BytesSerializer([]byte{}) = %#v, want empty non-nil", got)
	}
}

// TestSerializerAllocs: the serializers allocate only the slice they
// return (none for bytes, void and the empty string).
func TestSerializerAllocs(t *testing.T) {
	uuid := [16]byte{0xf8, 0x1d, 0x4f, 0xae, 0x7d, 0xec, 0x11, 0xd0, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6}
	b := []byte("payload")
	cases := []struct {
		name string
		want float64
		f    func()
	}{
		{"Bytes", 0, func() { serializeSink, _ = BytesSerializer().Serialize(context.Background(), "t", nil, b) }},
		{"Void", 0, func() { serializeSink, _ = VoidSerializer().Serialize(context.Background(), "t", nil, struct{}{}) }},
		{"String empty", 0, func() { serializeSink, _ = StringSerializer().Serialize(context.Background(), "t", nil, "") }},
		{"String", 1, func() {
			serializeSink, _ = StringSerializer().Serialize(context.Background(), "t", nil, "hello, world")
		}},
		{"Int16", 1, func() { serializeSink, _ = Int16Serializer().Serialize(context.Background(), "t", nil, 7) }},
		{"Int32", 1, func() { serializeSink, _ = Int32Serializer().Serialize(context.Background(), "t", nil, 7) }},
		{"Int64", 1, func() { serializeSink, _ = Int64Serializer().Serialize(context.Background(), "t", nil, 7) }},
		{"Float32", 1, func() { serializeSink, _ = Float32Serializer().Serialize(context.Background(), "t", nil, 1.5) }},
		{"Float64", 1, func() { serializeSink, _ = Float64Serializer().Serialize(context.Background(), "t", nil, 1.5) }},
		{"Float64 NaN", 1, func() { serializeSink, _ = Float64Serializer().Serialize(context.Background(), "t", nil, math.NaN()) }},
		{"UUID", 1, func() { serializeSink, _ = UUIDSerializer().Serialize(context.Background(), "t", nil, uuid) }},
		{"JSON nil", 0, func() {
			serializeSink, _ = JSONSerializer[*jsonObject]().Serialize(context.Background(), "t", nil, nil)
		}},
	}
	for _, c := range cases {
		if got := testing.AllocsPerRun(200, c.f); got != c.want {
			t.Errorf("%s: %v allocs, want %v", c.name, got, c.want)
		}
	}
}

var serializeSink []byte

func BenchmarkSerializer(b *testing.B) {
	uuid := [16]byte{0xf8, 0x1d, 0x4f, 0xae, 0x7d, 0xec, 0x11, 0xd0, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6}
	obj := &jsonObject{ID: 42, Name: "samsa", Active: true, Tags: []string{"a", "b"}}
	payload := []byte("0123456789abcdef")
	cases := []struct {
		name string
		f    func() ([]byte, error)
	}{
		{"Bytes", func() ([]byte, error) { return BytesSerializer().Serialize(context.Background(), "t", nil, payload) }},
		{"String16", func() ([]byte, error) {
			return StringSerializer().Serialize(context.Background(), "t", nil, "0123456789abcdef")
		}},
		{"Int32", func() ([]byte, error) { return Int32Serializer().Serialize(context.Background(), "t", nil, 7) }},
		{"Int64", func() ([]byte, error) { return Int64Serializer().Serialize(context.Background(), "t", nil, 7) }},
		{"Float64", func() ([]byte, error) { return Float64Serializer().Serialize(context.Background(), "t", nil, 1.5) }},
		{"UUID", func() ([]byte, error) { return UUIDSerializer().Serialize(context.Background(), "t", nil, uuid) }},
		{"JSON", func() ([]byte, error) {
			return JSONSerializer[*jsonObject]().Serialize(context.Background(), "t", nil, obj)
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, _ := c.f()
				serializeSink = out
			}
		})
	}
}
