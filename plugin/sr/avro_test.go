package sr_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/plugin/sr"
	"github.com/samsa-go/samsa/plugin/sr/srtest"
	franzsr "github.com/twmb/franz-go/pkg/sr"
)

type user struct {
	Name string `avro:"name"`
}

type userWithAge struct {
	Name string `avro:"name"`
	Age  int    `avro:"age"`
}

type money struct {
	Currency string `avro:"currency"`
	Units    int64  `avro:"units"`
}

type payment struct {
	ID     string `avro:"id"`
	Amount money  `avro:"amount"`
}

// paymentAvro uses samsa.test.Money, defined in another subject.
const paymentAvro = `{"type":"record","name":"Payment","namespace":"samsa.test","fields":[
	{"name":"id","type":"string"},{"name":"amount","type":"samsa.test.Money"}]}`

// franzDecode decodes data with franz-go's Serde, registered for id with
// decode: an independent reader of the wire format.
func franzDecode(t *testing.T, data []byte, id int, v any, decode func([]byte, any) error, index ...int) {
	t.Helper()
	var serde franzsr.Serde
	opts := []franzsr.EncodingOpt{franzsr.DecodeFn(decode)}
	if len(index) > 0 {
		opts = append(opts, franzsr.Index(index...))
	}
	serde.Register(id, v, opts...)
	if err := serde.Decode(data, v); err != nil {
		t.Fatalf("franz-go's Serde cannot decode % x: %v", data, err)
	}
}

// Every serializer is a samsa.Serializer for the typed producer.
var (
	_ samsa.Serializer[user]           = (*sr.AvroSerializer[user])(nil)
	_ samsa.Serializer[map[string]any] = (*sr.JSONSchemaSerializer[map[string]any])(nil)
)

func TestAvroSerializerRegistersAndWrites(t *testing.T) {
	s := newServer(t, srtest.Options{})
	c, rec := newClient(t, s.URL(), nil)
	ser, err := sr.NewAvroSerializer[user](c, userV1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ser.Serialize(context.Background(), "users", nil, user{Name: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := c.SchemaByVersion(context.Background(), "users-value", 1)
	if err != nil {
		t.Fatalf("the schema was not registered under users-value: %v", err)
	}
	want := append(sr.AppendHeader(nil, ss.ID), 6, 'a', 'd', 'a') // Avro string: zig-zag length 3, bytes
	if string(b) != string(want) {
		t.Fatalf("Serialize = % x, want % x", b, want)
	}
	var got user
	franzDecode(t, b, ss.ID, &got, func(p []byte, v any) error { return avro.Unmarshal(avro.MustParse(userV1), p, v) })
	if got.Name != "ada" {
		t.Fatalf("franz-go decoded %+v", got)
	}
	// The hot path makes no request once the topic's id is known.
	n := len(rec.requests())
	for range 100 {
		if _, err := ser.Serialize(context.Background(), "users", nil, user{Name: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.requests()) != n {
		t.Fatalf("%d requests for 100 records after the first", len(rec.requests())-n)
	}
	de, _ := sr.NewAvroDeserializer[user](c)
	if back, err := de.Deserialize("users", b); err != nil || back.Name != "ada" {
		t.Fatalf("Deserialize = %+v, %v", back, err)
	}
	if _, err := de.Deserialize("users", b[:3]); !errors.Is(err, sr.ErrNotWireFormat) {
		t.Fatalf("Deserialize of a truncated record: %v", err)
	}
}

func TestAvroSerializerSubjects(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opts []sr.SerdeOpt
		want string
	}{
		{"topic value", nil, "t-value"},
		{"topic key", []sr.SerdeOpt{sr.ForKeys()}, "t-key"},
		{"record", []sr.SerdeOpt{sr.WithSubjectNameStrategy(sr.RecordNameStrategy)}, "samsa.test.User"},
		{"topic record", []sr.SerdeOpt{sr.ForKeys(), sr.WithSubjectNameStrategy(sr.TopicRecordNameStrategy)}, "t-samsa.test.User"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, srtest.Options{})
			c, _ := newClient(t, s.URL(), nil)
			ser, err := sr.NewAvroSerializer[user](c, userV1, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if err := ser.Prepare(ctx, "t"); err != nil {
				t.Fatal(err)
			}
			if subjects, _ := c.Subjects(ctx); !slices.Equal(subjects, []string{tc.want}) {
				t.Fatalf("subjects %v, want [%s]", subjects, tc.want)
			}
		})
	}
}

func TestAvroSerializerWithoutAutoRegister(t *testing.T) {
	s := newServer(t, srtest.Options{})
	c, rec := newClient(t, s.URL(), nil)
	ser, err := sr.NewAvroSerializer[user](c, userV1, sr.AutoRegister(false), sr.NormalizeSchemas())
	if err != nil {
		t.Fatal(err)
	}
	_, err = ser.Serialize(context.Background(), "users", nil, user{Name: "a"})
	if !errors.Is(err, sr.ErrSubjectNotFound) {
		t.Fatalf("before the schema is registered: %v; want ErrSubjectNotFound", err)
	}
	other, _ := newClient(t, s.URL(), nil)
	id, err := other.Register(context.Background(), "users-value", sr.Schema{Schema: userV1}, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ser.Serialize(context.Background(), "users", nil, user{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if gotID, _, _ := sr.ParseHeader(b); gotID != id {
		t.Fatalf("id %d, want %d", gotID, id)
	}
	for _, r := range rec.requests() {
		if r != "POST /subjects/users-value?normalize=true" {
			t.Fatalf("request %q: want only normalized look-ups", r)
		}
	}
}

// With use.latest.version the serializer writes with the latest
// registered schema: a field it lacks gets the schema's default.
func TestAvroSerializerUseLatestVersion(t *testing.T) {
	ctx := context.Background()
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, s.URL(), nil)
	if _, err := sr.NewAvroSerializer[user](c, userV1, sr.UseLatestVersion(), sr.AutoRegister(true)); err == nil {
		t.Fatal("UseLatestVersion with AutoRegister(true) accepted")
	}
	if _, err := c.Register(ctx, "users-value", sr.Schema{Schema: userV1}, false); err != nil {
		t.Fatal(err)
	}
	id2, err := c.Register(ctx, "users-value", sr.Schema{Schema: userV2}, false)
	if err != nil {
		t.Fatal(err)
	}
	ser, err := sr.NewAvroSerializer[userWithAge](c, userV1, sr.UseLatestVersion())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ser.Serialize(context.Background(), "users", nil, userWithAge{Name: "bo", Age: 41})
	if err != nil {
		t.Fatal(err)
	}
	var got userWithAge
	franzDecode(t, b, id2, &got, func(p []byte, v any) error { return avro.Unmarshal(avro.MustParse(userV2), p, v) })
	if got != (userWithAge{Name: "bo", Age: 41}) {
		t.Fatalf("decoded %+v with the latest schema", got)
	}
	if versions, _ := c.Versions(ctx, "users-value"); len(versions) != 2 {
		t.Fatalf("versions %v: use.latest.version must not register", versions)
	}
}

func TestAvroSerializerReferences(t *testing.T) {
	ctx := context.Background()
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, s.URL(), nil)
	if _, err := c.Register(ctx, "samsa.test.Money", sr.Schema{Schema: moneyAvro}, false); err != nil {
		t.Fatal(err)
	}
	ref := sr.Reference{Name: "samsa.test.Money", Subject: "samsa.test.Money", Version: 1}
	if _, err := sr.NewAvroSerializer[payment](c, paymentAvro); err == nil {
		t.Fatal("a schema using an undefined type without references was accepted")
	}
	ser, err := sr.NewAvroSerializer[payment](c, paymentAvro, sr.WithReferences(ref))
	if err != nil {
		t.Fatal(err)
	}
	in := payment{ID: "p1", Amount: money{Currency: "EUR", Units: 1250}}
	b, err := ser.Serialize(context.Background(), "payments", nil, in)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := c.SchemaByVersion(ctx, "payments-value", sr.Latest)
	if err != nil || !slices.Equal(ss.References, []sr.Reference{ref}) {
		t.Fatalf("registered %+v, %v; want the reference", ss, err)
	}
	de, _ := sr.NewAvroDeserializer[payment](c)
	if out, err := de.Deserialize("payments", b); err != nil || out != in {
		t.Fatalf("Deserialize = %+v, %v; want %+v", out, err, in)
	}
}

func TestAvroSerializerErrors(t *testing.T) {
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, s.URL(), nil)
	if _, err := sr.NewAvroSerializer[user](c, `{"type":"record"`); err == nil {
		t.Fatal("a schema that is not JSON was accepted")
	}
	if _, err := sr.NewAvroSerializer[user](c, `{"type":"nope"}`); err == nil {
		t.Fatal("an invalid Avro schema was accepted")
	}
	ser, _ := sr.NewAvroSerializer[user](c, `"string"`, sr.WithSubjectNameStrategy(sr.RecordNameStrategy))
	if _, err := ser.Serialize(context.Background(), "t", nil, user{}); err == nil {
		t.Fatal("RecordNameStrategy with an unnamed schema: no error")
	}
	ints, _ := sr.NewAvroSerializer[string](c, `"int"`)
	if _, err := ints.Serialize(context.Background(), "t", nil, "not an int"); err == nil {
		t.Fatal("a string encoded as an Avro int: no error")
	}
}
