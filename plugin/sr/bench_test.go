package sr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/samsa-go/samsa/plugin/sr"
	"github.com/samsa-go/samsa/plugin/sr/internal/testpb"
	"github.com/samsa-go/samsa/plugin/sr/srtest"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/protobuf/proto"
)

// codecCase is one format: the plugin's serializer with its schema
// cached, and the bare encoder doing the same encoding work.
type codecCase struct {
	name      string
	serialize func() ([]byte, error)
	encoder   func() ([]byte, error)
}

func codecCases(tb testing.TB) []codecCase {
	s := newServer(tb, srtest.Options{})
	c, _ := newClient(tb, s.URL(), nil)
	ctx := context.Background()

	avroSer, err := sr.NewAvroSerializer[payment](c, paymentAvro, sr.WithReferences(sr.Reference{Name: "samsa.test.Money", Subject: "money", Version: 1}))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Register(ctx, "money", sr.Schema{Schema: moneyAvro}, false); err != nil {
		tb.Fatal(err)
	}
	names := &avro.SchemaCache{}
	if _, err := avro.ParseWithCache(moneyAvro, "", names); err != nil {
		tb.Fatal(err)
	}
	avroSchema, err := avro.ParseWithCache(paymentAvro, "", names)
	if err != nil {
		tb.Fatal(err)
	}
	pay := payment{ID: "p-123456", Amount: money{Currency: "EUR", Units: 123456}}

	pbSer, err := sr.NewProtobufSerializer[*testpb.Order](c)
	if err != nil {
		tb.Fatal(err)
	}
	order := testOrder()

	const schema = `{"type":"object","properties":{"id":{"type":"string","minLength":1},"weight":{"type":"number"}},"required":["id"]}`
	jsonSer, err := sr.NewJSONSchemaSerializer[shipment](c, schema)
	if err != nil {
		tb.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	_ = comp.AddResource("s.json", doc)
	validator, err := comp.Compile("s.json")
	if err != nil {
		tb.Fatal(err)
	}
	ship := shipment{ID: "s-1", Weight: 12.5}

	return []codecCase{
		{"avro", func() ([]byte, error) { return avroSer.Serialize(ctx, "payments", nil, pay) },
			func() ([]byte, error) { return avro.Marshal(avroSchema, pay) }},
		{"protobuf", func() ([]byte, error) { return pbSer.Serialize(ctx, "orders", nil, order) },
			func() ([]byte, error) { return proto.Marshal(order) }},
		{"jsonschema", func() ([]byte, error) { return jsonSer.Serialize(ctx, "shipments", nil, ship) },
			func() ([]byte, error) {
				b, err := json.Marshal(ship)
				if err != nil {
					return nil, err
				}
				inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
				if err != nil {
					return nil, err
				}
				return b, validator.Validate(inst)
			}},
	}
}

// Once a topic's schema id is cached, serializing allocates no more than
// the bare encoder (hamba/avro's Marshal, proto.Marshal, json.Marshal
// plus the validation) does for the same value.
func TestSerializeAllocatesNoMoreThanTheEncoder(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race (sync.Pool drops objects at random); run without -race")
	}
	for _, cc := range codecCases(t) {
		if _, err := cc.serialize(); err != nil { // registers, caches
			t.Fatal(err)
		}
		ours := testing.AllocsPerRun(200, func() { _, _ = cc.serialize() })
		theirs := testing.AllocsPerRun(200, func() { _, _ = cc.encoder() })
		t.Logf("%s: %.0f allocations per record, the bare encoder %.0f", cc.name, ours, theirs)
		if ours > theirs {
			t.Errorf("%s: %.0f allocations per record, more than the encoder's %.0f", cc.name, ours, theirs)
		}
	}
}

// BenchmarkSerialize compares each format's serializer, schema id cached,
// with its bare encoder.
func BenchmarkSerialize(b *testing.B) {
	for _, cc := range codecCases(b) {
		if _, err := cc.serialize(); err != nil {
			b.Fatal(err)
		}
		b.Run(cc.name+"/plugin", func(b *testing.B) { runCodec(b, cc.serialize) })
		b.Run(cc.name+"/encoder", func(b *testing.B) { runCodec(b, cc.encoder) })
	}
}

func runCodec(b *testing.B, fn func() ([]byte, error)) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := fn()
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}

// BenchmarkSerializeParallel is the serializers under concurrent use, as
// from many producing goroutines: the cached id is read without a lock.
func BenchmarkSerializeParallel(b *testing.B) {
	for _, cc := range codecCases(b) {
		if _, err := cc.serialize(); err != nil {
			b.Fatal(err)
		}
		b.Run(cc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := cc.serialize(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
