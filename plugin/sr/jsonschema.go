package sr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/samsa-go/samsa"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// JSONSchemaSerializer is a samsa.Serializer that writes values of type
// T as JSON (encoding/json, without HTML escaping) in the Confluent wire
// format, after validating each against the JSON Schema with
// github.com/santhosh-tekuri/jsonschema/v6 (unless WithoutValidation). It
// is safe for concurrent use.
//
// Schemas without "$schema" are read as draft-07, Confluent's default.
// $refs resolve only to the schema's references (WithReferences, each
// Name the URL the schema's $ref uses), never to files or the network.
type JSONSchemaSerializer[T any] struct {
	c      *Client
	cfg    serdeConfig
	local  Schema
	title  string
	topics topicCache[jsonTopic]
	valid  idCache[jsonValidator]
}

// jsonTopic is what writing to one topic takes.
type jsonTopic struct {
	header    [headerLen]byte
	validator *jsonschema.Schema // nil without validation
}

// jsonValidator is a compiled schema.
type jsonValidator struct{ schema *jsonschema.Schema }

// NewJSONSchemaSerializer returns a JSONSchemaSerializer for the JSON
// Schema (its text) through c. The schema's "title" is the record name
// for RecordNameStrategy and TopicRecordNameStrategy.
func NewJSONSchemaSerializer[T any](c *Client, schema string, opts ...SerdeOpt) (*JSONSchemaSerializer[T], error) {
	cfg, err := newSerdeConfig(opts)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("sr: NewJSONSchemaSerializer with a nil Client")
	}
	var top any
	if err := json.Unmarshal([]byte(schema), &top); err != nil {
		return nil, fmt.Errorf("sr: the JSON Schema is not JSON: %w", err)
	}
	s := &JSONSchemaSerializer[T]{c: c, cfg: cfg,
		local: Schema{Schema: schema, Type: JSON, References: cfg.references}}
	if obj, ok := top.(map[string]any); ok {
		s.title, _ = obj["title"].(string)
	}
	if len(cfg.references) == 0 && !cfg.noValidate {
		if _, err := compileJSONSchema(context.Background(), c, s.local); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Serialize validates v and writes it for topic: the header, then v as
// JSON. A nil pointer, map, slice or interface is a null key or value.
// ctx (with WithTimeout) bounds the registry requests of topic's first
// record; later records make none.
func (s *JSONSchemaSerializer[T]) Serialize(ctx context.Context, topic string, _ *[]samsa.Header, v T) ([]byte, error) {
	a := any(v) // boxed once, for the check and the encoder
	if isNil(a) {
		return nil, nil
	}
	e, err := s.topics.load(ctx, topic, s.cfg.timeout, s.prepare)
	if err != nil {
		return nil, err
	}
	return encodeJSON(e.header[:], e.validator, a)
}

// Prepare makes the registry requests that the first record for topic
// would make, so that producing to topic makes none.
func (s *JSONSchemaSerializer[T]) Prepare(ctx context.Context, topic string) error {
	_, err := s.prepare(ctx, topic)
	return err
}

func (s *JSONSchemaSerializer[T]) prepare(ctx context.Context, topic string) (*jsonTopic, error) {
	if e := s.topics.get(topic); e != nil {
		return e, nil
	}
	subject, err := s.cfg.strategy(topic, s.cfg.isKey, s.title)
	if err != nil {
		return nil, err
	}
	id, writer, err := s.cfg.writerSchema(ctx, s.c, subject, s.local)
	if err != nil {
		return nil, err
	}
	e := &jsonTopic{}
	AppendHeader(e.header[:0], id)
	if !s.cfg.noValidate {
		v := s.valid.get(id)
		if v == nil {
			sch, err := compileJSONSchema(ctx, s.c, writer)
			if err != nil {
				return nil, fmt.Errorf("sr: schema %d of subject %q: %w", id, subject, err)
			}
			v = s.valid.put(id, &jsonValidator{sch})
		}
		e.validator = v.schema
	}
	return s.topics.put(topic, e), nil
}

// jsonBuffer is a reusable encoder writing into its own buffer.
type jsonBuffer struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonBuffers = sync.Pool{New: func() any {
	b := new(jsonBuffer)
	b.enc = json.NewEncoder(&b.buf)
	b.enc.SetEscapeHTML(false)
	return b
}}

// encodeJSON returns header followed by v as JSON, validated by
// validator unless it is nil, in one new slice.
func encodeJSON(header []byte, validator *jsonschema.Schema, v any) ([]byte, error) {
	b := jsonBuffers.Get().(*jsonBuffer)
	defer func() {
		if b.buf.Cap() <= maxPooledBuffer {
			jsonBuffers.Put(b)
		}
	}()
	b.buf.Reset()
	b.buf.Write(header)
	if err := b.enc.Encode(v); err != nil {
		return nil, fmt.Errorf("sr: JSON encoding: %w", err)
	}
	data := bytes.TrimSuffix(b.buf.Bytes(), []byte{'\n'})
	if validator != nil {
		if err := validateJSON(validator, data[len(header):]); err != nil {
			return nil, err
		}
	}
	return append(make([]byte, 0, len(data)), data...), nil
}

// validateJSON validates the JSON document doc against validator.
func validateJSON(validator *jsonschema.Schema, doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("sr: JSON Schema validation: %w", err)
	}
	if err := validator.Validate(inst); err != nil {
		return fmt.Errorf("sr: the value does not match the JSON Schema: %w", err)
	}
	return nil
}

// jsonSchemaBase is the URL a schema without an absolute "$id" is
// compiled at (.invalid never resolves, and nothing is fetched anyway);
// relative reference names resolve against it.
const jsonSchemaBase = "https://samsa.invalid/schemas/schema.json"

// noLoader refuses to load any URL: a schema's $refs resolve only to its
// registered references.
type noLoader struct{}

func (noLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("sr: $ref %q is not one of the schema's references", u)
}

// compileJSONSchema compiles s with its references.
func compileJSONSchema(ctx context.Context, c *Client, s Schema) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(s.Schema))
	if err != nil {
		return nil, fmt.Errorf("sr: the JSON Schema is not JSON: %w", err)
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft7)
	comp.UseLoader(noLoader{})
	base := jsonSchemaBase
	if obj, ok := doc.(map[string]any); ok {
		if id, _ := obj["$id"].(string); id != "" {
			if u, err := url.Parse(id); err == nil && u.IsAbs() {
				base = id
			}
		}
	}
	baseURL, _ := url.Parse(base)
	err = c.walkReferences(ctx, s.References, func(ref Reference, rs Schema) error {
		rdoc, err := jsonschema.UnmarshalJSON(strings.NewReader(rs.Schema))
		if err != nil {
			return fmt.Errorf("sr: reference %q is not JSON: %w", ref.Name, err)
		}
		loc := ref.Name
		if u, err := url.Parse(ref.Name); err == nil && baseURL != nil {
			loc = baseURL.ResolveReference(u).String()
		}
		return comp.AddResource(loc, rdoc)
	})
	if err != nil {
		return nil, err
	}
	if err := comp.AddResource(base, doc); err != nil {
		return nil, fmt.Errorf("sr: the JSON Schema: %w", err)
	}
	sch, err := comp.Compile(base)
	if err != nil {
		return nil, fmt.Errorf("sr: compiling the JSON Schema: %w", err)
	}
	return sch, nil
}

// JSONSchemaDeserializer reads records in the wire format written with
// JSON Schemas into values of type T (encoding/json), validating each
// against the writer's schema unless WithoutValidation. It is safe for
// concurrent use.
type JSONSchemaDeserializer[T any] struct {
	c     *Client
	cfg   serdeConfig
	valid idCache[jsonValidator]
}

// NewJSONSchemaDeserializer returns a JSONSchemaDeserializer that fetches
// schemas through c (which may be nil WithoutValidation).
func NewJSONSchemaDeserializer[T any](c *Client, opts ...SerdeOpt) (*JSONSchemaDeserializer[T], error) {
	cfg, err := newSerdeConfig(opts)
	if err != nil {
		return nil, err
	}
	if c == nil && !cfg.noValidate {
		return nil, errors.New("sr: NewJSONSchemaDeserializer with a nil Client validates nothing: add WithoutValidation")
	}
	return &JSONSchemaDeserializer[T]{c: c, cfg: cfg}, nil
}

// Deserialize decodes data, a record's key or value from topic.
func (d *JSONSchemaDeserializer[T]) Deserialize(topic string, data []byte) (T, error) {
	var v T
	id, payload, err := ParseHeader(data)
	if err != nil {
		return v, fmt.Errorf("sr: topic %q: %w", topic, err)
	}
	if !d.cfg.noValidate {
		if err := d.validate(id, payload); err != nil {
			return v, fmt.Errorf("sr: topic %q: schema %d: %w", topic, id, err)
		}
	}
	if err := json.Unmarshal(payload, &v); err != nil {
		return v, fmt.Errorf("sr: topic %q: JSON decoding: %w", topic, err)
	}
	return v, nil
}

func (d *JSONSchemaDeserializer[T]) validate(id int, payload []byte) error {
	val := d.valid.get(id)
	if val == nil {
		ctx, cancel := context.WithTimeout(context.Background(), d.cfg.timeout)
		defer cancel()
		s, err := d.c.SchemaByID(ctx, id)
		if err != nil {
			return err
		}
		if s.Type != JSON {
			return fmt.Errorf("sr: schema is %s, not JSON", s.Type)
		}
		sch, err := compileJSONSchema(ctx, d.c, s)
		if err != nil {
			return err
		}
		val = d.valid.put(id, &jsonValidator{sch})
	}
	return validateJSON(val.schema, payload)
}
