package sr_test

import (
	"context"
	"fmt"
	"log"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/plugin/sr"
	"github.com/samsa-go/samsa/plugin/sr/internal/testpb"
	"github.com/samsa-go/samsa/plugin/sr/srtest"
)

// registry starts the in-process registry the examples use; real
// programs point ClientConfig.URLs at their registry.
func registry() (*sr.Client, func()) {
	s := srtest.NewServer(srtest.Options{})
	c, err := sr.NewClient(sr.ClientConfig{URLs: []string{s.URL()}})
	if err != nil {
		log.Fatal(err)
	}
	return c, func() { c.Close(); s.Close() }
}

// An Avro value serializer for a typed producer: the first record
// registers the schema under "orders-value"; the bytes are the magic
// byte, the schema id and the Avro encoding.
func ExampleNewAvroSerializer() {
	c, stop := registry()
	defer stop()

	type Order struct {
		ID    string `avro:"id"`
		Cents int64  `avro:"cents"`
	}
	const schema = `{"type":"record","name":"Order","namespace":"shop","fields":[
		{"name":"id","type":"string"},{"name":"cents","type":"long"}]}`
	values, err := sr.NewAvroSerializer[Order](c, schema)
	if err != nil {
		log.Fatal(err)
	}
	// With a Producer p:
	//   tp := samsa.NewTypedProducer(p, samsa.StringSerializer(), samsa.Serializer[Order](values))
	var _ samsa.Serializer[Order] = values

	b, err := values.Serialize(context.Background(), "orders", nil, Order{ID: "o-1", Cents: 1999})
	if err != nil {
		log.Fatal(err)
	}
	id, payload, _ := sr.ParseHeader(b)
	latest, _ := c.LatestSchema(context.Background(), "orders-value")
	fmt.Printf("id %d (subject %s version %d), Avro % x\n", id, latest.Subject, latest.Version, payload)

	de, _ := sr.NewAvroDeserializer[Order](c)
	back, _ := de.Deserialize("orders", b)
	fmt.Printf("%+v\n", back)
	// Output:
	// id 1 (subject orders-value version 1), Avro 06 6f 2d 31 9e 1f
	// {ID:o-1 Cents:1999}
}

// A Protobuf serializer registers the message's .proto file, and each
// file it imports under its import path as a reference, and writes the
// message indexes of the (here nested) message type.
func ExampleNewProtobufSerializer() {
	c, stop := registry()
	defer stop()

	values, err := sr.NewProtobufSerializer[*testpb.Order_Line](c, sr.WithSubjectNameStrategy(sr.RecordNameStrategy))
	if err != nil {
		log.Fatal(err)
	}
	b, err := values.Serialize(context.Background(), "orders", nil, &testpb.Order_Line{Sku: "tea", Quantity: 2})
	if err != nil {
		log.Fatal(err)
	}
	id, rest, _ := sr.ParseHeader(b)
	indexes, msg, _ := sr.ParseMessageIndexes(rest)
	subjects, _ := c.Subjects(context.Background())
	fmt.Println("subjects:", subjects)
	fmt.Printf("id %d, message indexes %v, message % x\n", id, indexes, msg)

	back, _ := sr.NewProtobufDeserializer[*testpb.Order_Line]().Deserialize("orders", b)
	fmt.Println(back.GetSku(), back.GetQuantity())
	// Output:
	// subjects: [samsa.test.Order.Line samsa/test/common.proto]
	// id 2, message indexes [1 0], message 0a 03 74 65 61 10 02
	// tea 2
}

// A JSON Schema serializer validates each value before writing it; a
// value the schema refuses fails that record (through a TypedProducer,
// as a *samsa.SerializationError) and is not sent.
func ExampleNewJSONSchemaSerializer() {
	c, stop := registry()
	defer stop()

	type Reading struct {
		Sensor  string  `json:"sensor"`
		Celsius float64 `json:"celsius"`
	}
	const schema = `{"title":"Reading","type":"object","properties":{
		"sensor":{"type":"string","minLength":1},
		"celsius":{"type":"number","minimum":-273.15}},"required":["sensor","celsius"]}`
	values, err := sr.NewJSONSchemaSerializer[Reading](c, schema, sr.ForKeys(),
		sr.WithSubjectNameStrategy(sr.TopicRecordNameStrategy))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	b, err := values.Serialize(ctx, "readings", nil, Reading{Sensor: "t1", Celsius: 21.5})
	fmt.Printf("%q %v\n", b, err)
	_, err = values.Serialize(ctx, "readings", nil, Reading{Sensor: "t1", Celsius: -300})
	fmt.Println(err != nil)
	subjects, _ := c.Subjects(ctx)
	fmt.Println(subjects)
	// Output:
	// "\x00\x00\x00\x00\x01{\"sensor\":\"t1\",\"celsius\":21.5}" <nil>
	// true
	// [readings-Reading]
}
