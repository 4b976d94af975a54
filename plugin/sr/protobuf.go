package sr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jhump/protoreflect/v2/protoprint"
	"github.com/samsa-go/samsa"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ProtobufSerializer is a samsa.Serializer that writes Protobuf messages
// of type T (a generated message type, such as *pb.Order) in the
// Confluent wire format, with the message indexes that locate T's
// message in its .proto file (nested messages included). It is safe for
// concurrent use.
//
// The schema it registers is T's .proto file, printed from its
// descriptor; each file it imports is registered too, under a subject
// named by its import path (as Confluent's serializers do), and becomes
// a reference. The well-known types (google/protobuf/*, google/type/*)
// are built into registries and are not registered.
//
// Once a topic's id is cached, Serialize makes no request and allocates
// only the result.
type ProtobufSerializer[T proto.Message] struct {
	c       *Client
	cfg     serdeConfig
	desc    protoreflect.MessageDescriptor
	indexes []int
	topics  topicCache[pbTopic]

	refsMu sync.Mutex // guards local; a leaf lock
	local  *Schema    // the file's schema with its references, once resolved
}

// pbTopic is what writing to one topic takes: the header and indexes.
type pbTopic struct {
	prefix []byte
}

// NewProtobufSerializer returns a ProtobufSerializer for T through c.
// WithReferences is refused: the references come from T's imports.
func NewProtobufSerializer[T proto.Message](c *Client, opts ...SerdeOpt) (*ProtobufSerializer[T], error) {
	cfg, err := newSerdeConfig(opts)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("sr: NewProtobufSerializer with a nil Client")
	}
	if len(cfg.references) > 0 {
		return nil, errors.New("sr: a ProtobufSerializer finds its references in the message's imports; WithReferences is refused")
	}
	var zero T
	md := zero.ProtoReflect().Descriptor()
	return &ProtobufSerializer[T]{c: c, cfg: cfg, desc: md, indexes: MessageIndexes(md)}, nil
}

// MessageIndexes returns the path to md in its file: the index of its
// top-level message among the file's messages, then of each nested
// message among its parent's. The synthetic entry messages of map fields
// are not counted: they are not declared in the .proto text, so the
// registry's (and Confluent's Java serializer's) indexes skip them too.
func MessageIndexes(md protoreflect.MessageDescriptor) []int {
	var idx []int
	for d := md; d != nil; {
		var siblings protoreflect.MessageDescriptors
		parent, _ := d.Parent().(protoreflect.MessageDescriptor)
		if parent != nil {
			siblings = parent.Messages()
		} else {
			siblings = d.ParentFile().Messages()
		}
		n := 0
		for i := range d.Index() {
			if !siblings.Get(i).IsMapEntry() {
				n++
			}
		}
		idx = append(idx, n)
		d = parent
	}
	slices.Reverse(idx)
	return idx
}

// Serialize writes v for topic: the header, the message indexes, then
// v's Protobuf encoding. A nil v is a null key or value.
// ctx (with WithTimeout) bounds the registry requests of topic's first
// record; later records make none.
func (s *ProtobufSerializer[T]) Serialize(ctx context.Context, topic string, _ *[]samsa.Header, v T) ([]byte, error) {
	m := v.ProtoReflect()
	if !m.IsValid() {
		return nil, nil
	}
	e, err := s.topics.load(ctx, topic, s.cfg.timeout, s.prepare)
	if err != nil {
		return nil, err
	}
	opts := proto.MarshalOptions{UseCachedSize: true}
	size := opts.Size(v)
	out := make([]byte, len(e.prefix), len(e.prefix)+size)
	copy(out, e.prefix)
	out, err = opts.MarshalAppend(out, v)
	if err != nil {
		return nil, fmt.Errorf("sr: Protobuf encoding of %s: %w", s.desc.FullName(), err)
	}
	return out, nil
}

// Prepare makes the registry requests that the first record for topic
// would make, so that producing to topic makes none.
func (s *ProtobufSerializer[T]) Prepare(ctx context.Context, topic string) error {
	_, err := s.prepare(ctx, topic)
	return err
}

func (s *ProtobufSerializer[T]) prepare(ctx context.Context, topic string) (*pbTopic, error) {
	if e := s.topics.get(topic); e != nil {
		return e, nil
	}
	subject, err := s.cfg.strategy(topic, s.cfg.isKey, string(s.desc.FullName()))
	if err != nil {
		return nil, err
	}
	var local Schema
	if !s.cfg.useLatest { // the latest schema's id is all use.latest.version needs
		if local, err = s.schema(ctx); err != nil {
			return nil, err
		}
	} else {
		local.Type = Protobuf
	}
	id, _, err := s.cfg.writerSchema(ctx, s.c, subject, local)
	if err != nil {
		return nil, err
	}
	prefix := AppendMessageIndexes(AppendHeader(nil, id), s.indexes)
	return s.topics.put(topic, &pbTopic{prefix: prefix}), nil
}

// schema returns T's file as a schema, its imports registered (or looked
// up) as references; resolved once.
func (s *ProtobufSerializer[T]) schema(ctx context.Context) (Schema, error) {
	s.refsMu.Lock()
	if s.local != nil {
		defer s.refsMu.Unlock()
		return *s.local, nil
	}
	s.refsMu.Unlock()
	// Resolve without the lock (it makes requests); a concurrent first
	// use may resolve too, with the same outcome.
	sch, err := s.fileSchema(ctx, s.desc.ParentFile(), 0)
	if err != nil {
		return Schema{}, err
	}
	s.refsMu.Lock()
	defer s.refsMu.Unlock()
	s.local = &sch
	return sch, nil
}

// fileSchema prints fd and resolves its imports into references,
// registering each (with auto.register.schemas) under its import path.
func (s *ProtobufSerializer[T]) fileSchema(ctx context.Context, fd protoreflect.FileDescriptor, depth int) (Schema, error) {
	if depth > maxReferenceDepth {
		return Schema{}, fmt.Errorf("sr: Protobuf imports of %s nest deeper than %d", fd.Path(), maxReferenceDepth)
	}
	text, err := ProtoSchemaText(fd)
	if err != nil {
		return Schema{}, err
	}
	sch := Schema{Schema: text, Type: Protobuf}
	imports := fd.Imports()
	for i := range imports.Len() {
		dep := imports.Get(i).FileDescriptor
		if isBuiltinProto(dep.Path()) {
			continue
		}
		ref, err := s.reference(ctx, dep, depth)
		if err != nil {
			return Schema{}, err
		}
		sch.References = append(sch.References, ref)
	}
	return sch, nil
}

// reference registers (or looks up) dep under the subject of its path
// and returns the reference to it.
func (s *ProtobufSerializer[T]) reference(ctx context.Context, dep protoreflect.FileDescriptor, depth int) (Reference, error) {
	depSchema, err := s.fileSchema(ctx, dep, depth+1)
	if err != nil {
		return Reference{}, err
	}
	subject := dep.Path()
	if s.cfg.registers() {
		if _, err := s.c.Register(ctx, subject, depSchema, s.cfg.normalize); err != nil {
			return Reference{}, fmt.Errorf("sr: registering Protobuf import %q: %w", subject, err)
		}
	}
	ss, err := s.c.LookupSchema(ctx, subject, depSchema, s.cfg.normalize)
	if err != nil {
		return Reference{}, fmt.Errorf("sr: looking up Protobuf import %q: %w", subject, err)
	}
	return Reference{Name: dep.Path(), Subject: subject, Version: ss.Version}, nil
}

// isBuiltinProto reports whether path is a file that registries know
// without registration.
func isBuiltinProto(path string) bool {
	return strings.HasPrefix(path, "google/protobuf/") || strings.HasPrefix(path, "google/type/") ||
		strings.HasPrefix(path, "confluent/")
}

// ProtoSchemaText returns the .proto source of fd, as registered: its
// elements in their original order (the message indexes depend on it),
// without comments.
func ProtoSchemaText(fd protoreflect.FileDescriptor) (string, error) {
	p := protoprint.Printer{OmitComments: protoprint.CommentsAll}
	text, err := p.PrintProtoToString(fd)
	if err != nil {
		return "", fmt.Errorf("sr: printing %s as .proto: %w", fd.Path(), err)
	}
	return text, nil
}

// ProtobufDeserializer reads records in the wire format into messages of
// type T. It needs no registry: the message type is T; it skips the
// header and the message indexes. It is safe for concurrent use.
type ProtobufDeserializer[T proto.Message] struct {
	desc protoreflect.MessageDescriptor
	typ  protoreflect.MessageType
}

// NewProtobufDeserializer returns a ProtobufDeserializer for T.
func NewProtobufDeserializer[T proto.Message]() *ProtobufDeserializer[T] {
	var zero T
	m := zero.ProtoReflect()
	return &ProtobufDeserializer[T]{desc: m.Descriptor(), typ: m.Type()}
}

// Deserialize decodes data, a record's key or value from topic, into a
// new T.
func (d *ProtobufDeserializer[T]) Deserialize(topic string, data []byte) (T, error) {
	var zero T
	_, rest, err := ParseHeader(data)
	if err != nil {
		return zero, fmt.Errorf("sr: topic %q: %w", topic, err)
	}
	_, rest, err = ParseMessageIndexes(rest)
	if err != nil {
		return zero, fmt.Errorf("sr: topic %q: %w", topic, err)
	}
	m := d.typ.New().Interface()
	if err := proto.Unmarshal(rest, m); err != nil {
		return zero, fmt.Errorf("sr: topic %q: Protobuf decoding of %s: %w", topic, d.desc.FullName(), err)
	}
	return m.(T), nil
}
