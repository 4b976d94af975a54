package sr_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/samsa-go/samsa/plugin/sr"
	"github.com/samsa-go/samsa/plugin/sr/srtest"
)

type shipment struct {
	ID     string  `json:"id"`
	Weight float64 `json:"weight"`
	To     *addr   `json:"to,omitempty"`
}

type addr struct {
	City string `json:"city"`
}

const shipmentSchema = `{
	"$schema": "http://json-schema.org/draft-07/schema#",
	"title": "Shipment",
	"type": "object",
	"properties": {
		"id": {"type": "string", "minLength": 1},
		"weight": {"type": "number", "exclusiveMinimum": 0},
		"to": {"$ref": "address.json"}
	},
	"required": ["id", "weight"]
}`

const addressSchema = `{"type":"object","properties":{"city":{"type":"string","pattern":"^[A-Z]"}},"required":["city"]}`

func TestJSONSchemaSerializerValidatesAndWrites(t *testing.T) {
	ctx := context.Background()
	s := newServer(t, srtest.Options{})
	c, rec := newClient(t, s.URL(), nil)
	if _, err := c.Register(ctx, "address", sr.Schema{Schema: addressSchema, Type: sr.JSON}, false); err != nil {
		t.Fatal(err)
	}
	ref := sr.Reference{Name: "address.json", Subject: "address", Version: 1}
	ser, err := sr.NewJSONSchemaSerializer[*shipment](c, shipmentSchema, sr.WithReferences(ref),
		sr.WithSubjectNameStrategy(sr.TopicRecordNameStrategy))
	if err != nil {
		t.Fatal(err)
	}
	in := &shipment{ID: "s1", Weight: 2.5, To: &addr{City: "Oslo"}}
	b, err := ser.Serialize(context.Background(), "shipments", nil, in)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := c.SchemaByVersion(ctx, "shipments-Shipment", 1)
	if err != nil || !slices.Equal(ss.References, []sr.Reference{ref}) || ss.Type != sr.JSON {
		t.Fatalf("registered %+v, %v", ss, err)
	}
	want := string(sr.AppendHeader(nil, ss.ID)) + `{"id":"s1","weight":2.5,"to":{"city":"Oslo"}}`
	if string(b) != want {
		t.Fatalf("Serialize = %q, want %q", b, want)
	}
	var got shipment
	franzDecode(t, b, ss.ID, &got, json.Unmarshal)
	if got.ID != "s1" || got.To.City != "Oslo" {
		t.Fatalf("franz-go decoded %+v", got)
	}
	de, _ := sr.NewJSONSchemaDeserializer[shipment](c)
	if out, err := de.Deserialize("shipments", b); err != nil || out.Weight != 2.5 {
		t.Fatalf("Deserialize = %+v, %v", out, err)
	}

	n := len(rec.requests())
	for _, bad := range []*shipment{{ID: "", Weight: 1}, {ID: "x", Weight: 0}, {ID: "x", Weight: 1, To: &addr{City: "oslo"}}} {
		if _, err := ser.Serialize(context.Background(), "shipments", nil, bad); err == nil || !strings.Contains(err.Error(), "does not match the JSON Schema") {
			t.Errorf("invalid %+v: %v; want a validation error", bad, err)
		}
	}
	if len(rec.requests()) != n {
		t.Fatal("validation failures made requests")
	}
	if null, err := ser.Serialize(context.Background(), "shipments", nil, nil); null != nil || err != nil {
		t.Fatalf("a nil value: %v, %v; want null", null, err)
	}
	loose, _ := sr.NewJSONSchemaSerializer[*shipment](c, shipmentSchema, sr.WithReferences(ref), sr.WithoutValidation())
	if _, err := loose.Serialize(context.Background(), "shipments", nil, &shipment{}); err != nil {
		t.Fatalf("WithoutValidation still validated: %v", err)
	}
	tampered := append(sr.AppendHeader(nil, ss.ID), `{"id":"","weight":-1}`...)
	if _, err := de.Deserialize("shipments", tampered); err == nil {
		t.Fatal("the deserializer accepted a record its writer's schema refuses")
	}
}

func TestJSONSchemaSerializerRefusesRemoteRefs(t *testing.T) {
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, s.URL(), nil)
	_, err := sr.NewJSONSchemaSerializer[map[string]any](c, `{"$ref":"file:///etc/passwd"}`)
	if err == nil {
		t.Fatal("a $ref to a local file compiled")
	}
	if _, err := sr.NewJSONSchemaSerializer[map[string]any](c, `{"type":`); err == nil {
		t.Fatal("a schema that is not JSON was accepted")
	}
}
