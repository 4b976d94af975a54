package sr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/hamba/avro/v2"
	"github.com/samsa-go/samsa"
)

// AvroSerializer is a samsa.Serializer that writes values of type T in
// Avro, with github.com/hamba/avro/v2 (struct fields map to record fields
// by their `avro:"name"` tags), in the Confluent wire format. It is safe
// for concurrent use.
//
// On the first record for a topic it registers its schema under the
// subject its strategy names (or looks it up, or takes the subject's
// latest schema: see AutoRegister and UseLatestVersion) and caches the
// id; later records make no request and allocate nothing beyond what
// the Avro encoder itself allocates (the result).
type AvroSerializer[T any] struct {
	c      *Client
	cfg    serdeConfig
	local  Schema
	name   string // the record's full name, for the strategies
	topics topicCache[avroTopic]
	parsed idCache[avroParsed] // parsed writer schemas by id
}

// avroTopic is what writing to one topic takes.
type avroTopic struct {
	header [headerLen]byte
	schema avro.Schema
}

// avroParsed is a parsed schema.
type avroParsed struct{ schema avro.Schema }

// NewAvroSerializer returns an AvroSerializer for the Avro schema (its
// JSON text) through c. A schema that uses named types defined in other
// registered schemas lists them with WithReferences.
func NewAvroSerializer[T any](c *Client, schema string, opts ...SerdeOpt) (*AvroSerializer[T], error) {
	cfg, err := newSerdeConfig(opts)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("sr: NewAvroSerializer with a nil Client")
	}
	name, err := avroFullName(schema)
	if err != nil {
		return nil, err
	}
	s := &AvroSerializer[T]{c: c, cfg: cfg, name: name,
		local: Schema{Schema: schema, Type: Avro, References: cfg.references}}
	if len(cfg.references) == 0 {
		// Without references the schema stands alone: check it now.
		if _, err := parseAvro(context.Background(), c, s.local); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Serialize writes v for topic: the wire format header and v's Avro
// encoding.
// ctx (with WithTimeout) bounds the registry requests of topic's first
// record; later records make none.
func (s *AvroSerializer[T]) Serialize(ctx context.Context, topic string, _ *[]samsa.Header, v T) ([]byte, error) {
	e, err := s.topics.load(ctx, topic, s.cfg.timeout, s.prepare)
	if err != nil {
		return nil, err
	}
	return encodeAvro(e.header[:], e.schema, v)
}

// Prepare makes the registry requests that the first record for topic
// would make, so that producing to topic makes none.
func (s *AvroSerializer[T]) Prepare(ctx context.Context, topic string) error {
	_, err := s.prepare(ctx, topic)
	return err
}

func (s *AvroSerializer[T]) prepare(ctx context.Context, topic string) (*avroTopic, error) {
	if e := s.topics.get(topic); e != nil {
		return e, nil
	}
	subject, err := s.cfg.strategy(topic, s.cfg.isKey, s.name)
	if err != nil {
		return nil, err
	}
	id, writer, err := s.cfg.writerSchema(ctx, s.c, subject, s.local)
	if err != nil {
		return nil, err
	}
	p := s.parsed.get(id)
	if p == nil {
		sch, err := parseAvro(ctx, s.c, writer)
		if err != nil {
			return nil, fmt.Errorf("sr: schema %d of subject %q: %w", id, subject, err)
		}
		p = s.parsed.put(id, &avroParsed{sch})
	}
	e := &avroTopic{schema: p.schema}
	AppendHeader(e.header[:0], id)
	return s.topics.put(topic, e), nil
}

// avroWriters pools Avro writers; their buffers start with the header.
var avroWriters = sync.Pool{New: func() any { return avro.NewWriter(nil, 512) }}

// maxPooledBuffer bounds the buffer a pooled encoder keeps.
const maxPooledBuffer = 64 << 10

// encodeAvro returns header followed by v's encoding with schema, in one
// new slice.
func encodeAvro(header []byte, schema avro.Schema, v any) ([]byte, error) {
	w := avroWriters.Get().(*avro.Writer)
	w.Reset(nil)
	w.Error = nil
	_, _ = w.Write(header)
	w.WriteVal(schema, v)
	var out []byte
	err := w.Error
	if err == nil {
		out = append(make([]byte, 0, w.Buffered()), w.Buffer()...)
	}
	if cap(w.Buffer()) <= maxPooledBuffer {
		w.Error = nil
		avroWriters.Put(w)
	}
	if err != nil {
		return nil, fmt.Errorf("sr: Avro encoding: %w", err)
	}
	return out, nil
}

// parseAvro parses s, with the named types of its references, in a
// schema cache of its own (hamba/avro's default cache is global, and two
// versions of one named type must not meet there).
func parseAvro(ctx context.Context, c *Client, s Schema) (avro.Schema, error) {
	names := &avro.SchemaCache{}
	err := c.walkReferences(ctx, s.References, func(ref Reference, rs Schema) error {
		if _, err := avro.ParseWithCache(rs.Schema, "", names); err != nil {
			return fmt.Errorf("sr: parsing the Avro schema of reference %q: %w", ref.Name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sch, err := avro.ParseWithCache(s.Schema, "", names)
	if err != nil {
		return nil, fmt.Errorf("sr: parsing the Avro schema: %w", err)
	}
	return sch, nil
}

// avroFullName returns the full name of the named type that schema
// defines at its top (a record, enum or fixed), or "" for another
// schema; it fails only on text that is not JSON.
func avroFullName(schema string) (string, error) {
	var top any
	if err := json.Unmarshal([]byte(schema), &top); err != nil {
		return "", fmt.Errorf("sr: the Avro schema is not JSON: %w", err)
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return "", nil
	}
	name, _ := obj["name"].(string)
	switch obj["type"] {
	case "record", "error", "enum", "fixed":
	default:
		return "", nil
	}
	if ns, _ := obj["namespace"].(string); ns != "" && !strings.Contains(name, ".") {
		return ns + "." + name, nil
	}
	return name, nil
}

// AvroDeserializer reads records in the wire format written with Avro
// schemas into values of type T: it fetches the writer's schema by the
// record's id (once per id) and decodes with it. It is safe for
// concurrent use.
type AvroDeserializer[T any] struct {
	c       *Client
	cfg     serdeConfig
	schemas idCache[avroParsed]
}

// NewAvroDeserializer returns an AvroDeserializer that fetches schemas
// through c.
func NewAvroDeserializer[T any](c *Client, opts ...SerdeOpt) (*AvroDeserializer[T], error) {
	cfg, err := newSerdeConfig(opts)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("sr: NewAvroDeserializer with a nil Client")
	}
	return &AvroDeserializer[T]{c: c, cfg: cfg}, nil
}

// Deserialize decodes data, a record's key or value from topic.
func (d *AvroDeserializer[T]) Deserialize(topic string, data []byte) (T, error) {
	var v T
	id, payload, err := ParseHeader(data)
	if err != nil {
		return v, fmt.Errorf("sr: topic %q: %w", topic, err)
	}
	p := d.schemas.get(id)
	if p == nil {
		ctx, cancel := context.WithTimeout(context.Background(), d.cfg.timeout)
		defer cancel()
		s, err := d.c.SchemaByID(ctx, id)
		if err != nil {
			return v, fmt.Errorf("sr: topic %q: schema %d: %w", topic, id, err)
		}
		if s.Type != Avro {
			return v, fmt.Errorf("sr: topic %q: schema %d is %s, not Avro", topic, id, s.Type)
		}
		sch, err := parseAvro(ctx, d.c, s)
		if err != nil {
			return v, fmt.Errorf("sr: topic %q: schema %d: %w", topic, id, err)
		}
		p = d.schemas.put(id, &avroParsed{sch})
	}
	if err := avro.Unmarshal(p.schema, payload, &v); err != nil {
		return v, fmt.Errorf("sr: topic %q: Avro decoding with schema %d: %w", topic, id, err)
	}
	return v, nil
}
