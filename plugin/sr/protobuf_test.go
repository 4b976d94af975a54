package sr_test

import (
	"context"
	"slices"
	"testing"

	"github.com/bufbuild/protocompile"
	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/plugin/sr"
	"github.com/samsa-go/samsa/plugin/sr/internal/testpb"
	"github.com/samsa-go/samsa/plugin/sr/srtest"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var _ samsa.Serializer[*testpb.Order] = (*sr.ProtobufSerializer[*testpb.Order])(nil)

func testOrder() *testpb.Order {
	comment := "leave at the door"
	return &testpb.Order{
		Id:       "o-1",
		Total:    &testpb.Money{Currency: "EUR", Units: 1999},
		PlacedAt: timestamppb.New(timestamppb.Now().AsTime().Truncate(1000)),
		Lines: []*testpb.Order_Line{
			{Sku: "tea", Quantity: 2, Note: &testpb.Order_Line_Note{Text: "green"}},
		},
		Tags:    map[string]string{"channel": "web"},
		Payment: &testpb.Order_Card{Card: "4111"},
		Comment: &comment,
	}
}

// serializeProto serializes m with a new ProtobufSerializer[T] to topic
// and returns the bytes and the id it wrote.
func serializeProto[T proto.Message](t *testing.T, c *sr.Client, topic string, m T, opts ...sr.SerdeOpt) ([]byte, int) {
	t.Helper()
	ser, err := sr.NewProtobufSerializer[T](c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ser.Serialize(context.Background(), topic, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := sr.ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, id
}

// Each message type gets its index path, nested ones included, and
// franz-go's Serde finds the type by id and index and decodes it.
func TestProtobufSerializerMessageIndexes(t *testing.T) {
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, s.URL(), nil)
	unmarshal := func(b []byte, v any) error { return proto.Unmarshal(b, v.(proto.Message)) }

	b, id := serializeProto(t, c, "customers", &testpb.Customer{Id: "c1", Name: "Ada"})
	if b[5] != 0 {
		t.Fatalf("Customer, the file's first message: indexes byte %x, want the single 0", b[5])
	}
	var cust testpb.Customer
	franzDecode(t, b, id, &cust, unmarshal, 0)
	if cust.Name != "Ada" {
		t.Fatalf("decoded %v", &cust)
	}

	order := testOrder()
	b, id = serializeProto(t, c, "orders", order)
	var got testpb.Order
	franzDecode(t, b, id, &got, unmarshal, 1)
	if !proto.Equal(&got, order) {
		t.Fatalf("franz-go decoded %v, want %v", &got, order)
	}
	back, err := sr.NewProtobufDeserializer[*testpb.Order]().Deserialize("orders", b)
	if err != nil || !proto.Equal(back, order) {
		t.Fatalf("Deserialize = %v, %v", back, err)
	}

	note := &testpb.Order_Line_Note{Text: "fragile"}
	b, id = serializeProto(t, c, "notes", note)
	if want := append(sr.AppendHeader(nil, id), 6, 2, 0, 0); string(b[:len(want)]) != string(want) {
		t.Fatalf("Order.Line.Note: % x, want the indexes [1 0 0] (06 02 00 00)", b)
	}
	var gotNote testpb.Order_Line_Note
	franzDecode(t, b, id, &gotNote, unmarshal, 1, 0, 0)
	if gotNote.Text != "fragile" {
		t.Fatalf("decoded %v", &gotNote)
	}
	if b, _ := sr.NewProtobufSerializer[*testpb.Order](c); b != nil {
		if out, err := b.Serialize(context.Background(), "orders", nil, nil); out != nil || err != nil {
			t.Fatalf("a nil message: %v, %v; want a null value", out, err)
		}
	}
}

// The registered schema is valid .proto text whose imports are
// references registered under their paths; compiled by an independent
// compiler, the message indexes lead to the serialized message type.
func TestProtobufSerializerRegistersFileAndImports(t *testing.T) {
	ctx := context.Background()
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, s.URL(), nil)
	_, id := serializeProto(t, c, "notes", &testpb.Order_Line_Note{Text: "x"}, sr.ForKeys())
	subjects, _ := c.Subjects(ctx)
	if !slices.Equal(subjects, []string{"notes-key", "samsa/test/common.proto"}) {
		t.Fatalf("subjects %v: want the key subject and the imported file's (not the well-known type's)", subjects)
	}
	main, err := c.SchemaByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []sr.Reference{{Name: "samsa/test/common.proto", Subject: "samsa/test/common.proto", Version: 1}}
	if main.Type != sr.Protobuf || !slices.Equal(main.References, want) {
		t.Fatalf("registered %s with references %+v, want %+v", main.Type, main.References, want)
	}
	dep, err := c.SchemaByVersion(ctx, "samsa/test/common.proto", 1)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{"samsa/test/order.proto": main.Schema, "samsa/test/common.proto": dep.Schema.Schema}
	comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(sources)})}
	files, err := comp.Compile(ctx, "samsa/test/order.proto")
	if err != nil {
		t.Fatalf("the registered schema does not compile: %v\n%s", err, main.Schema)
	}
	md := messageAt(files[0].Messages(), 1, 0, 0)
	if md.FullName() != "samsa.test.Order.Line.Note" {
		t.Fatalf("indexes [1 0 0] lead to %s in the registered file", md.FullName())
	}
	if got := sr.MessageIndexes((&testpb.Order_Line_Note{}).ProtoReflect().Descriptor()); !slices.Equal(got, []int{1, 0, 0}) {
		t.Fatalf("MessageIndexes = %v", got)
	}
	assertSameFields(t, messageAt(files[0].Messages(), 1), (&testpb.Order{}).ProtoReflect().Descriptor())
}

// messageAt follows message indexes from a file's messages, counting only
// declared messages (not the entries of map fields), as Confluent's
// registry and Java serializer do.
func messageAt(ms protoreflect.MessageDescriptors, idx ...int) protoreflect.MessageDescriptor {
	var md protoreflect.MessageDescriptor
	for _, want := range idx {
		n := -1
		for i := range ms.Len() {
			if ms.Get(i).IsMapEntry() {
				continue
			}
			if n++; n == want {
				md = ms.Get(i)
				break
			}
		}
		ms = md.Messages()
	}
	return md
}

// assertSameFields checks that the compiled message has the generated
// one's fields, numbers and kinds.
func assertSameFields(t *testing.T, got, want protoreflect.MessageDescriptor) {
	t.Helper()
	if got.Fields().Len() != want.Fields().Len() {
		t.Fatalf("%s: %d fields registered, %d generated", want.FullName(), got.Fields().Len(), want.Fields().Len())
	}
	for i := range want.Fields().Len() {
		w, g := want.Fields().Get(i), got.Fields().Get(i)
		if g.Name() != w.Name() || g.Number() != w.Number() || g.Kind() != w.Kind() || g.Cardinality() != w.Cardinality() || g.HasPresence() != w.HasPresence() {
			t.Errorf("field %d: registered %s=%d %v, generated %s=%d %v", i, g.Name(), g.Number(), g.Kind(), w.Name(), w.Number(), w.Kind())
		}
	}
}

func TestProtobufSerializerLookupAndLatest(t *testing.T) {
	ctx := context.Background()
	s := newServer(t, srtest.Options{})
	c, _ := newClient(t, s.URL(), nil)
	ser, _ := sr.NewProtobufSerializer[*testpb.Order](c, sr.AutoRegister(false))
	if _, err := ser.Serialize(context.Background(), "orders", nil, testOrder()); err == nil {
		t.Fatal("without auto.register.schemas, an unregistered schema was written")
	}
	_, id := serializeProto(t, c, "orders", testOrder()) // registers
	other, _ := newClient(t, s.URL(), nil)
	_, id2 := serializeProto(t, other, "orders", testOrder(), sr.AutoRegister(false))
	_, id3 := serializeProto(t, other, "orders", testOrder(), sr.UseLatestVersion())
	if id2 != id || id3 != id {
		t.Fatalf("lookup wrote id %d, latest %d; want the registered %d", id2, id3, id)
	}
	if _, err := sr.NewProtobufSerializer[*testpb.Order](c, sr.WithReferences(sr.Reference{})); err == nil {
		t.Fatal("WithReferences accepted")
	}
	_ = ctx
}
