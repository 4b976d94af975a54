package sr_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/samsa-go/samsa/plugin/sr"
	"github.com/samsa-go/samsa/plugin/sr/internal/testpb"
	"github.com/samsa-go/samsa/plugin/sr/srtest"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"
)

// The end-to-end test starts real Apache Kafka with the core module's
// internal/kafkatest: Go allows the import because this module's path,
// github.com/samsa-go/samsa/plugin/sr, lies under the internal package's
// parent, github.com/samsa-go/samsa (and go.mod's replace points at the
// same tree). It is used by tests only, never by the plugin's own code.
//
// After the tests, no goroutine of theirs may be left (goleak): clients
// closed, registries stopped, the producer closed.
func TestMain(m *testing.M) {
	code := kafkatest.Run(m, kafkatest.Options{})
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// Typed records go through samsa's TypedProducer to real Kafka with each
// format's serializer, are read back with franz-go and decoded, with the
// plugin's deserializers and with franz-go's Serde.
func TestEndToEndThroughKafka(t *testing.T) {
	cluster := kafkatest.Shared(t)
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, s.URL(), nil)
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = cluster.Bootstrap(kafkatest.PLAINTEXT)
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	const n = 50
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("avro", func(t *testing.T) {
		topic := cluster.NewTopic(t, 3, 1)
		keys, _ := sr.NewAvroSerializer[string](c, `"string"`, sr.ForKeys())
		values, _ := sr.NewAvroSerializer[user](c, userV1)
		tp := samsa.NewTypedProducer(p, samsa.Serializer[string](keys), samsa.Serializer[user](values))
		for i := range n {
			r := samsa.TypedRecord[string, user]{Topic: topic, Key: fmt.Sprint("k", i), Value: user{Name: fmt.Sprint("user ", i)}}
			if _, err := tp.SendSync(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		kd, _ := sr.NewAvroDeserializer[string](c)
		vd, _ := sr.NewAvroDeserializer[user](c)
		seen := map[string]string{}
		for _, r := range itest.ConsumeAll(t, cfg.BootstrapServers, topic, n, itest.ConsumeOpts{}) {
			k, err := kd.Deserialize(topic, r.Key)
			if err != nil {
				t.Fatal(err)
			}
			v, err := vd.Deserialize(topic, r.Value)
			if err != nil {
				t.Fatal(err)
			}
			seen[k] = v.Name
		}
		for i := range n {
			if seen[fmt.Sprint("k", i)] != fmt.Sprint("user ", i) {
				t.Fatalf("record %d: read %q", i, seen[fmt.Sprint("k", i)])
			}
		}
	})

	t.Run("protobuf", func(t *testing.T) {
		topic := cluster.NewTopic(t, 1, 1)
		values, _ := sr.NewProtobufSerializer[*testpb.Order_Line](c)
		tp := samsa.NewTypedProducer(p, samsa.VoidSerializer(), samsa.Serializer[*testpb.Order_Line](values))
		for i := range n {
			r := samsa.TypedRecord[struct{}, *testpb.Order_Line]{Topic: topic, Value: &testpb.Order_Line{Sku: fmt.Sprint("sku-", i), Quantity: int32(i)}}
			if _, err := tp.SendSync(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		de := sr.NewProtobufDeserializer[*testpb.Order_Line]()
		recs := itest.ConsumeAll(t, cfg.BootstrapServers, topic, n, itest.ConsumeOpts{})
		for i, r := range recs {
			want := &testpb.Order_Line{Sku: fmt.Sprint("sku-", i), Quantity: int32(i)}
			got, err := de.Deserialize(topic, r.Value)
			if err != nil || !proto.Equal(got, want) {
				t.Fatalf("record %d: %v, %v; want %v", i, got, err, want)
			}
			id, _, _ := sr.ParseHeader(r.Value)
			var franz testpb.Order_Line
			franzDecode(t, r.Value, id, &franz, func(b []byte, v any) error { return proto.Unmarshal(b, v.(proto.Message)) }, 1, 0)
			if !proto.Equal(&franz, want) {
				t.Fatalf("record %d: franz-go read %v", i, &franz)
			}
		}
	})

	t.Run("jsonschema", func(t *testing.T) {
		topic := cluster.NewTopic(t, 1, 1)
		schema := `{"type":"object","properties":{"id":{"type":"string","minLength":1},"weight":{"type":"number"}},"required":["id"]}`
		values, _ := sr.NewJSONSchemaSerializer[shipment](c, schema)
		tp := samsa.NewTypedProducer(p, samsa.VoidSerializer(), samsa.Serializer[shipment](values))
		for i := range n {
			r := samsa.TypedRecord[struct{}, shipment]{Topic: topic, Value: shipment{ID: fmt.Sprint("s", i), Weight: float64(i) / 2}}
			if _, err := tp.SendSync(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		// A value the schema refuses fails that record only, as a
		// serialization error, and is not sent.
		_, err := tp.SendSync(ctx, samsa.TypedRecord[struct{}, shipment]{Topic: topic, Value: shipment{ID: ""}})
		var se *samsa.SerializationError
		if !errors.As(err, &se) || se.Key || se.Topic != topic || !strings.Contains(err.Error(), "JSON Schema") {
			t.Fatalf("an invalid value: %v; want a value SerializationError from the validation", err)
		}
		de, _ := sr.NewJSONSchemaDeserializer[shipment](c)
		recs := itest.ConsumeAll(t, cfg.BootstrapServers, topic, n, itest.ConsumeOpts{})
		if len(recs) != n {
			t.Fatalf("read %d records, want %d (the invalid one must not be sent)", len(recs), n)
		}
		for i, r := range recs {
			got, err := de.Deserialize(topic, r.Value)
			if err != nil || got.ID != fmt.Sprint("s", i) || got.Weight != float64(i)/2 {
				t.Fatalf("record %d: %+v, %v", i, got, err)
			}
		}
	})
}
