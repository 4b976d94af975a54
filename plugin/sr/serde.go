package sr

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// SubjectNameStrategy names the subject a serializer registers or looks
// up its schema under, from the topic, whether it serializes keys, and
// the record's name (the Avro record's full name, the Protobuf message's
// full name, the JSON Schema's title).
type SubjectNameStrategy func(topic string, isKey bool, recordName string) (string, error)

// TopicNameStrategy is "<topic>-key" or "<topic>-value": one schema (and
// its evolutions) per topic. The default, as in Confluent's serializers.
func TopicNameStrategy(topic string, isKey bool, _ string) (string, error) {
	if isKey {
		return topic + "-key", nil
	}
	return topic + "-value", nil
}

// RecordNameStrategy is the record's full name: one schema per record
// type, whatever topic it is in.
func RecordNameStrategy(_ string, _ bool, recordName string) (string, error) {
	if recordName == "" {
		return "", errors.New("sr: RecordNameStrategy needs a named record (an Avro record, a Protobuf message, a JSON Schema with a title)")
	}
	return recordName, nil
}

// TopicRecordNameStrategy is "<topic>-<record full name>": one schema per
// record type per topic.
func TopicRecordNameStrategy(topic string, _ bool, recordName string) (string, error) {
	if recordName == "" {
		return "", errors.New("sr: TopicRecordNameStrategy needs a named record (an Avro record, a Protobuf message, a JSON Schema with a title)")
	}
	return topic + "-" + recordName, nil
}

// SerdeOpt is an option of a serializer or deserializer.
type SerdeOpt func(*serdeConfig)

// serdeConfig is what the SerdeOpts set.
type serdeConfig struct {
	isKey        bool
	strategy     SubjectNameStrategy
	autoRegister *bool
	useLatest    bool
	normalize    bool
	references   []Reference
	timeout      time.Duration
	noValidate   bool
}

// ForKeys makes the serializer one for record keys (the subject name
// strategies then give "<topic>-key"). The default is values.
func ForKeys() SerdeOpt { return func(c *serdeConfig) { c.isKey = true } }

// WithSubjectNameStrategy sets the subject name strategy
// (key.subject.name.strategy or value.subject.name.strategy); the default
// is TopicNameStrategy.
func WithSubjectNameStrategy(s SubjectNameStrategy) SerdeOpt {
	return func(c *serdeConfig) { c.strategy = s }
}

// AutoRegister sets auto.register.schemas: whether the serializer
// registers its schema under the subject on first use (true, the
// default) or only looks it up, failing when the subject lacks it.
func AutoRegister(on bool) SerdeOpt {
	return func(c *serdeConfig) { c.autoRegister = &on }
}

// UseLatestVersion sets use.latest.version: the serializer writes with
// the subject's latest registered schema and its id, rather than its own
// schema. It implies AutoRegister(false); with AutoRegister(true) the
// serializer is refused.
func UseLatestVersion() SerdeOpt { return func(c *serdeConfig) { c.useLatest = true } }

// NormalizeSchemas sets normalize.schemas: the registry normalizes the
// schema before registering or looking it up.
func NormalizeSchemas() SerdeOpt { return func(c *serdeConfig) { c.normalize = true } }

// WithReferences sets the references of the serializer's schema: other
// registered schemas it uses (Avro named types defined elsewhere, JSON
// Schema $refs). Protobuf serializers find their references themselves,
// from the message's imports.
func WithReferences(refs ...Reference) SerdeOpt {
	return func(c *serdeConfig) { c.references = append(c.references, refs...) }
}

// WithTimeout bounds the registry requests a serializer makes on first
// use of a topic (or a deserializer on first sight of a schema id); the
// default is 30s. A serializer's requests also end with the context the
// TypedProducer passes it. They happen in the producing goroutine; see
// the serializers' Prepare to make them ahead of time.
func WithTimeout(d time.Duration) SerdeOpt { return func(c *serdeConfig) { c.timeout = d } }

// WithoutValidation turns off a JSON Schema serializer's (or
// deserializer's) validation of each value against the schema.
func WithoutValidation() SerdeOpt { return func(c *serdeConfig) { c.noValidate = true } }

// newSerdeConfig applies opts and checks them.
func newSerdeConfig(opts []SerdeOpt) (serdeConfig, error) {
	c := serdeConfig{strategy: TopicNameStrategy, timeout: 30 * time.Second}
	for _, o := range opts {
		o(&c)
	}
	if c.strategy == nil {
		return c, errors.New("sr: WithSubjectNameStrategy(nil)")
	}
	if c.useLatest && c.autoRegister != nil && *c.autoRegister {
		return c, errors.New("sr: UseLatestVersion and AutoRegister(true) exclude each other (use.latest.version writes with the registered schema, auto.register.schemas registers the serializer's own)")
	}
	if c.timeout <= 0 {
		return c, fmt.Errorf("sr: WithTimeout(%v): not positive", c.timeout)
	}
	return c, nil
}

// registers reports whether the serializer registers its schema.
func (c *serdeConfig) registers() bool {
	if c.autoRegister != nil {
		return *c.autoRegister
	}
	return !c.useLatest
}

// writerSchema finds, for subject, the id to write and the schema it
// stands for: the local schema registered or looked up, or the subject's
// latest one.
func (c *serdeConfig) writerSchema(ctx context.Context, cl *Client, subject string, local Schema) (int, Schema, error) {
	switch {
	case c.useLatest:
		ss, err := cl.LatestSchema(ctx, subject)
		if err != nil {
			return 0, Schema{}, fmt.Errorf("sr: latest schema of subject %q: %w", subject, err)
		}
		if ss.Type != local.Type {
			return 0, Schema{}, fmt.Errorf("sr: latest schema of subject %q is %s, not %s", subject, ss.Type, local.Type)
		}
		return ss.ID, ss.Schema, nil
	case c.registers():
		id, err := cl.Register(ctx, subject, local, c.normalize)
		if err != nil {
			return 0, Schema{}, fmt.Errorf("sr: registering the schema under subject %q: %w", subject, err)
		}
		return id, local, nil
	default:
		ss, err := cl.LookupSchema(ctx, subject, local, c.normalize)
		if err != nil {
			return 0, Schema{}, fmt.Errorf("sr: looking up the schema under subject %q (auto.register.schemas is off): %w", subject, err)
		}
		return ss.ID, local, nil
	}
}

// topicCache maps topics to what a serializer needs to write to them (E:
// the header, the writer schema). Reads take no lock and allocate
// nothing: the map is copied on write and swapped atomically. mu, a leaf
// lock, serializes the writers.
type topicCache[E any] struct {
	mu sync.Mutex
	m  atomic.Pointer[map[string]*E]
}

// get returns topic's entry, if any.
func (t *topicCache[E]) get(topic string) *E {
	if m := t.m.Load(); m != nil {
		return (*m)[topic]
	}
	return nil
}

// load returns topic's entry, making it with prepare (bounded by ctx and
// timeout) on first use. The hot path is get: no lock, no allocation.
func (t *topicCache[E]) load(ctx context.Context, topic string, timeout time.Duration, prepare func(context.Context, string) (*E, error)) (*E, error) {
	if e := t.get(topic); e != nil {
		return e, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return prepare(ctx, topic)
}

// put adds topic's entry e, keeping one already there.
func (t *topicCache[E]) put(topic string, e *E) *E {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.m.Load()
	if old != nil {
		if have, ok := (*old)[topic]; ok {
			return have
		}
	}
	m := make(map[string]*E, 1+lenOf(old))
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[topic] = e
	t.m.Store(&m)
	return e
}

func lenOf[E any](m *map[string]*E) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// idCache maps schema ids to what a deserializer (or a serializer using
// the latest version) derived from the schema. Lock-free reads, as
// topicCache.
type idCache[E any] struct {
	mu sync.Mutex
	m  atomic.Pointer[map[int]*E]
}

func (t *idCache[E]) get(id int) *E {
	if m := t.m.Load(); m != nil {
		return (*m)[id]
	}
	return nil
}

func (t *idCache[E]) put(id int, e *E) *E {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.m.Load()
	m := map[int]*E{}
	if old != nil {
		if have, ok := (*old)[id]; ok {
			return have
		}
		for k, v := range *old {
			m[k] = v
		}
	}
	m[id] = e
	t.m.Store(&m)
	return e
}
