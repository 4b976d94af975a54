package samsa

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

type typedOrder struct {
	ID    int      `json:"id"`
	Item  string   `json:"item"`
	Tags  []string `json:"tags,omitempty"`
	Price float64  `json:"price"`
}

// typedOutcome is one record's outcome as its callback saw it.
type typedOutcome struct {
	md    RecordMetadata
	err   error
	calls int
}

// typedOutcomes collects outcomes by record index and counts callbacks.
type typedOutcomes struct {
	mu  sync.Mutex
	wg  sync.WaitGroup
	out map[int]*typedOutcome
}

func newTypedOutcomes() *typedOutcomes { return &typedOutcomes{out: map[int]*typedOutcome{}} }

// cb returns a callback for record i; the test waits for it in wait.
func (o *typedOutcomes) cb(i int) func(RecordMetadata, error) {
	o.wg.Add(1)
	return func(md RecordMetadata, err error) {
		o.mu.Lock()
		oc := o.out[i]
		if oc == nil {
			oc = &typedOutcome{}
			o.out[i] = oc
		}
		oc.md, oc.err = md, err
		oc.calls++
		first := oc.calls == 1
		o.mu.Unlock()
		if first {
			o.wg.Done()
		}
	}
}

func (o *typedOutcomes) wait(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() { o.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("callbacks did not all run within 60s")
	}
}

// recordAt indexes read-back records by partition and offset.
func recordAt(recs []*kgo.Record) map[[2]int64]*kgo.Record {
	m := make(map[[2]int64]*kgo.Record, len(recs))
	for _, r := range recs {
		m[[2]int64{int64(r.Partition), r.Offset}] = r
	}
	return m
}

func TestTypedJSONReadBack(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(3, "typed-json"))
	addrs := fake.ListenAddrs()
	p := testProducer(t, addrs, nil)
	tp := NewTypedProducer(p, StringSerializer(), JSONSerializer[*typedOrder]())
	if tp.Producer() != p {
		t.Fatal("Producer() is not the producer the TypedProducer was made with")
	}
	ctx := context.Background()

	type sent struct {
		rec TypedRecord[string, *typedOrder]
		md  RecordMetadata
	}
	const n = 200
	recs := make([]TypedRecord[string, *typedOrder], n)
	for i := range recs {
		r := TypedRecord[string, *typedOrder]{
			Topic: "typed-json", Key: fmt.Sprintf("customer-%d", i%11),
			Value: &typedOrder{ID: i, Item: fmt.Sprintf("item <%d> & \"more\"", i), Price: float64(i) / 4},
		}
		switch i % 6 {
		case 1:
			r.Value = nil // a nil pointer: JSONSerializer gives a null value
		case 2:
			r.NullKey = true
		case 3:
			r.Key = "" // an empty key, not a null one
			r.Value.Tags = []string{"a", "b"}
		case 4:
			r.Partition = PartitionOf(1)
			r.Headers = []Header{{Key: "h", Value: []byte("1")}, {Key: "h", Value: []byte("2")}}
		case 5:
			r.Timestamp = time.UnixMilli(1_700_000_000_000 + int64(i))
			r.NullValue = true // Value is set but ignored
		}
		recs[i] = r
	}
	got := make([]sent, n)
	o := newTypedOutcomes()
	var futures []*Future
	var futureIdx []int
	for i, r := range recs {
		switch i % 4 {
		case 0:
			tp.Produce(ctx, r, o.cb(i))
		case 1:
			futures = append(futures, tp.Send(ctx, r))
			futureIdx = append(futureIdx, i)
		case 2:
			md, err := tp.SendSync(ctx, r)
			if err != nil {
				t.Fatalf("SendSync %d: %v", i, err)
			}
			got[i] = sent{r, md}
		case 3:
			// TryProduce may find the metadata not yet known only for the
			// first record, which SendSync has already waited for.
			if err := tp.TryProduce(r, o.cb(i)); err != nil {
				t.Fatalf("TryProduce %d: %v", i, err)
			}
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	o.wait(t)
	for i, oc := range o.out {
		if oc.err != nil || oc.calls != 1 {
			t.Fatalf("record %d: err %v after %d callbacks", i, oc.err, oc.calls)
		}
		got[i] = sent{recs[i], oc.md}
	}
	wctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for j, f := range futures {
		md, err := f.Wait(wctx)
		if err != nil {
			t.Fatalf("Send %d: %v", futureIdx[j], err)
		}
		got[futureIdx[j]] = sent{recs[futureIdx[j]], md}
	}

	at := recordAt(consumeAll(t, addrs, "typed-json", n))
	for i, s := range got {
		kr := at[[2]int64{int64(s.md.Partition), s.md.Offset}]
		if kr == nil {
			t.Fatalf("record %d acknowledged at %v is not in the topic", i, s.md)
		}
		switch {
		case s.rec.NullKey:
			if kr.Key != nil {
				t.Fatalf("record %d: NullKey read back as %q", i, kr.Key)
			}
		case kr.Key == nil || string(kr.Key) != s.rec.Key:
			t.Fatalf("record %d: key %q (nil %v), sent %q", i, kr.Key, kr.Key == nil, s.rec.Key)
		}
		if s.rec.NullValue || s.rec.Value == nil {
			if kr.Value != nil {
				t.Fatalf("record %d: null value read back as %q", i, kr.Value)
			}
			if s.md.SerializedValueSize != -1 {
				t.Fatalf("record %d: SerializedValueSize %d for a null value", i, s.md.SerializedValueSize)
			}
		} else {
			var dec typedOrder
			if err := json.Unmarshal(kr.Value, &dec); err != nil {
				t.Fatalf("record %d: value %q: %v", i, kr.Value, err)
			}
			if fmt.Sprint(dec) != fmt.Sprint(*s.rec.Value) {
				t.Fatalf("record %d: decoded %+v, sent %+v", i, dec, *s.rec.Value)
			}
			if s.md.SerializedValueSize != len(kr.Value) {
				t.Fatalf("record %d: SerializedValueSize %d, value is %d bytes", i, s.md.SerializedValueSize, len(kr.Value))
			}
		}
		if len(kr.Headers) != len(s.rec.Headers) {
			t.Fatalf("record %d: headers %v, sent %v", i, kr.Headers, s.rec.Headers)
		}
		for j, h := range kr.Headers {
			if h.Key != s.rec.Headers[j].Key || !bytes.Equal(h.Value, s.rec.Headers[j].Value) {
				t.Fatalf("record %d: header %d %q=%q, sent %+v", i, j, h.Key, h.Value, s.rec.Headers[j])
			}
		}
		if id, ok := s.rec.Partition.Number(); ok && kr.Partition != id {
			t.Fatalf("record %d: explicit partition %d, written to %d", i, id, kr.Partition)
		}
		if !s.rec.Timestamp.IsZero() && !kr.Timestamp.Equal(s.rec.Timestamp) {
			t.Fatalf("record %d: timestamp %v, sent %v", i, kr.Timestamp, s.rec.Timestamp)
		}
	}
}

func TestTypedInt64StringReadBack(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "typed-int64"))
	addrs := fake.ListenAddrs()
	p := testProducer(t, addrs, nil)
	tp := NewTypedProducer(p, Int64Serializer(), StringSerializer())
	ctx := context.Background()
	type rec = TypedRecord[int64, string]
	recs := []rec{
		{Topic: "typed-int64", Key: 0, Value: ""},                  // key 0 is 8 zero bytes; "" an empty value
		{Topic: "typed-int64", Key: -1, Value: "minus one"},        // two's complement
		{Topic: "typed-int64", Key: 1 << 40, Value: "héllo wörld"}, // UTF-8
		{Topic: "typed-int64", Key: 7, NullValue: true},            // a tombstone for key 7
		{Topic: "typed-int64", NullKey: true, Value: "no key"},     // a null key
		{Topic: "typed-int64", Key: -9223372036854775808, Value: "min"},
	}
	for i, r := range recs {
		md, err := tp.SendSync(ctx, r)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if md.Offset != int64(i) || md.Partition != 0 {
			t.Fatalf("record %d acknowledged at %v, want offset %d of partition 0", i, md, i)
		}
	}
	got := consumeAll(t, addrs, "typed-int64", len(recs))
	for _, kr := range got {
		r := recs[kr.Offset]
		if r.NullKey {
			if kr.Key != nil {
				t.Fatalf("offset %d: key %x, want null", kr.Offset, kr.Key)
			}
		} else {
			if len(kr.Key) != 8 {
				t.Fatalf("offset %d: key %x (nil %v), want 8 bytes", kr.Offset, kr.Key, kr.Key == nil)
			}
			if k := int64(binary.BigEndian.Uint64(kr.Key)); k != r.Key {
				t.Fatalf("offset %d: key decodes to %d, sent %d", kr.Offset, k, r.Key)
			}
		}
		switch {
		case r.NullValue:
			if kr.Value != nil {
				t.Fatalf("offset %d: value %q, want null", kr.Offset, kr.Value)
			}
		case kr.Value == nil:
			t.Fatalf("offset %d: null value, sent %q", kr.Offset, r.Value)
		case string(kr.Value) != r.Value:
			t.Fatalf("offset %d: value %q, sent %q", kr.Offset, kr.Value, r.Value)
		}
	}
}

// typedAckCounter is a hook counting acknowledgements by outcome.
type typedAckCounter struct {
	sends, acks, serErrs atomic.Int64
}

func (c *typedAckCounter) OnSend(ctx context.Context, _ *Record) context.Context {
	c.sends.Add(1)
	return ctx
}

func (c *typedAckCounter) OnAcknowledgement(_ context.Context, a *Ack) {
	c.acks.Add(1)
	if errors.Is(a.Err, ErrSerialization) {
		c.serErrs.Add(1)
	}
}

func TestTypedSerializerErrorFailsOnlyItsRecord(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "typed-fail"))
	addrs := fake.ListenAddrs()
	ic := &typedAckCounter{}
	p := testProducer(t, addrs, func(c *Config) { c.Hooks = []Hook{ic} })
	errOdd := errors.New("odd keys are not welcome")
	errBig := errors.New("value too big for the schema")
	keys := SerializerFunc[int](func(_ context.Context, topic string, _ *[]Header, k int) ([]byte, error) {
		if k%2 == 1 {
			return nil, errOdd
		}
		return []byte(fmt.Sprintf("k%d", k)), nil
	})
	values := SerializerFunc[int](func(_ context.Context, topic string, _ *[]Header, v int) ([]byte, error) {
		if v >= 1000 {
			return nil, errBig
		}
		return []byte(fmt.Sprintf("v%d", v)), nil
	})
	tp := NewTypedProducer[int, int](p, keys, values)
	ctx := context.Background()

	// Records 0..39 go through Produce; key i, value i, except that every
	// fifth record's value is too big. Odd keys fail the key serializer.
	const n = 40
	o := newTypedOutcomes()
	for i := range n {
		v := i
		if i%5 == 0 {
			v = 1000 + i
		}
		tp.Produce(ctx, TypedRecord[int, int]{Topic: "typed-fail", Partition: PartitionOf(0), Key: i, Value: v}, o.cb(i))
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	o.wait(t)
	var good []int
	for i := range n {
		oc := o.out[i]
		if oc.calls != 1 {
			t.Fatalf("record %d: %d callbacks", i, oc.calls)
		}
		wantKey, wantValue := i%2 == 1, i%2 == 0 && i%5 == 0
		if !wantKey && !wantValue {
			if oc.err != nil {
				t.Fatalf("record %d failed: %v", i, oc.err)
			}
			good = append(good, i)
			continue
		}
		var se *SerializationError
		if !errors.As(oc.err, &se) || !errors.Is(oc.err, ErrSerialization) {
			t.Fatalf("record %d: %v (%T), want a *SerializationError", i, oc.err, oc.err)
		}
		want, cause := `samsa: serializing key for topic "typed-fail": odd keys are not welcome`, errOdd
		if wantValue {
			want, cause = `samsa: serializing value for topic "typed-fail": value too big for the schema`, errBig
		}
		if se.Key != wantKey || se.Topic != "typed-fail" || !errors.Is(oc.err, cause) || oc.err.Error() != want {
			t.Fatalf("record %d: %+v: %q, want %q", i, se, oc.err, want)
		}
		if oc.md.Topic != "typed-fail" || oc.md.Offset != -1 {
			t.Fatalf("record %d: failed record's metadata %+v", i, oc.md)
		}
	}
	// The other entry points give the same error, once.
	bad := TypedRecord[int, int]{Topic: "typed-fail", Key: 3, Value: 1}
	var calls int
	var cbErr error
	err := tp.TryProduce(bad, func(_ RecordMetadata, err error) { calls++; cbErr = err })
	if !errors.Is(err, ErrSerialization) || err != cbErr || calls != 1 {
		t.Fatalf("TryProduce: returned %v, callback %d times with %v", err, calls, cbErr)
	}
	f := tp.Send(ctx, bad)
	if _, done, err := f.Result(); !done || err == nil {
		t.Fatal("Send's future of a record whose serializer failed is not failed at once")
	}
	if _, err := f.Wait(ctx); !errors.Is(err, errOdd) {
		t.Fatalf("Send: %v", err)
	}
	if _, err := tp.SendSync(ctx, TypedRecord[int, int]{Topic: "typed-fail", Key: 2, Value: 5000}); !errors.Is(err, errBig) {
		t.Fatalf("SendSync: %v", err)
	}
	// A good record after the failures still goes through.
	md, err := tp.SendSync(ctx, TypedRecord[int, int]{Topic: "typed-fail", Key: 100, Value: 100})
	if err != nil {
		t.Fatal(err)
	}
	if md.Offset != int64(len(good)) {
		t.Fatalf("last record at offset %d, want %d: failed records took offsets", md.Offset, len(good))
	}
	good = append(good, 100)

	recs := consumeAll(t, addrs, "typed-fail", len(good))
	if len(recs) != len(good) {
		t.Fatalf("read %d records, want %d", len(recs), len(good))
	}
	for j, kr := range recs {
		k := good[j]
		if kr.Offset != int64(j) || string(kr.Key) != fmt.Sprintf("k%d", k) || string(kr.Value) != fmt.Sprintf("v%d", k) {
			t.Fatalf("offset %d: %q=%q, want k%d=v%d", kr.Offset, kr.Key, kr.Value, k, k)
		}
	}
	failed := int64(n - (len(good) - 1) + 3)
	if got := ic.serErrs.Load(); got != failed {
		t.Fatalf("the hook saw %d serialization failures, want %d", got, failed)
	}
	if got := ic.acks.Load(); got != int64(n+4) {
		t.Fatalf("the hook saw %d acknowledgements, want %d", got, n+4)
	}
	if got := ic.sends.Load(); got != int64(len(good)) {
		t.Fatalf("OnSend ran %d times, want %d (records serialized)", got, len(good))
	}
}

// schemaSerializer wraps a serializer and appends a schema-id header, as
// a schema registry serializer does.
type schemaSerializer[T any] struct {
	inner Serializer[T]
	id    byte
}

func (s schemaSerializer[T]) Serialize(ctx context.Context, topic string, headers *[]Header, v T) ([]byte, error) {
	*headers = append(*headers, Header{Key: "schema-id", Value: []byte{s.id}}, Header{Key: "topic", Value: []byte(topic)})
	return s.inner.Serialize(ctx, topic, headers, v)
}

func TestTypedSerializerAddsHeaders(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "typed-headers"))
	addrs := fake.ListenAddrs()
	p := testProducer(t, addrs, nil)
	tp := NewTypedProducer[string, *typedOrder](p,
		schemaSerializer[string]{StringSerializer(), 1}, schemaSerializer[*typedOrder]{JSONSerializer[*typedOrder](), 2})
	ctx := context.Background()

	// The caller's headers have spare capacity: the serializers' appends
	// must not write into it.
	shared := make([]Header, 1, 8)
	shared[0] = Header{Key: "trace", Value: []byte("abc")}
	spare := shared[:cap(shared)]
	md1, err := tp.SendSync(ctx, TypedRecord[string, *typedOrder]{Topic: "typed-headers", Key: "a", Value: &typedOrder{ID: 1}, Headers: shared})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range spare[1:] {
		if h.Key != "" || h.Value != nil {
			t.Fatalf("a serializer wrote %+v into the caller's header array at %d", h, i+1)
		}
	}
	// The key serializer is not called for a null key, so only the
	// value's headers are added.
	md2, err := tp.SendSync(ctx, TypedRecord[string, *typedOrder]{Topic: "typed-headers", NullKey: true, Value: &typedOrder{ID: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if md1.Offset != 0 || md2.Offset != 1 {
		t.Fatalf("offsets %d, %d", md1.Offset, md2.Offset)
	}
	want := [][]string{
		{"trace=abc", "schema-id=\x01", "topic=typed-headers", "schema-id=\x02", "topic=typed-headers"},
		{"schema-id=\x02", "topic=typed-headers"},
	}
	for _, kr := range consumeAll(t, addrs, "typed-headers", 2) {
		var got []string
		for _, h := range kr.Headers {
			got = append(got, h.Key+"="+string(h.Value))
		}
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want[kr.Offset]) {
			t.Fatalf("offset %d: headers %q, want %q", kr.Offset, got, want[kr.Offset])
		}
		if kr.Offset == 0 && string(kr.Key) != "a" {
			t.Fatalf("key %q", kr.Key)
		}
		if kr.Offset == 1 && kr.Key != nil {
			t.Fatalf("null key read back as %q", kr.Key)
		}
	}
}

func TestTypedProducerNilArguments(t *testing.T) {
	p := &Producer{}
	for name, fn := range map[string]func(){
		"producer": func() { NewTypedProducer[string, string](nil, StringSerializer(), StringSerializer()) },
		"keys":     func() { NewTypedProducer[string, string](p, nil, StringSerializer()) },
		"values":   func() { NewTypedProducer[string, string](p, StringSerializer(), nil) },
	} {
		func() {
			defer func() {
				if v := recover(); v != "samsa: NewTypedProducer with a nil producer or serializer" {
					t.Errorf("nil %s: recovered %v", name, v)
				}
			}()
			fn()
		}()
	}
}

type typedCtxKey struct{}

// TestTypedSerializerSeesContext: the serializers get the context of the
// TypedProducer call (a schema registry serializer needs its deadline),
// and TryProduce, which takes none, gives them context.Background.
func TestTypedSerializerSeesContext(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "typed-ctx"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	var mu sync.Mutex
	var seen []any
	record := SerializerFunc[string](func(ctx context.Context, _ string, _ *[]Header, v string) ([]byte, error) {
		mu.Lock()
		seen = append(seen, ctx.Value(typedCtxKey{}))
		mu.Unlock()
		return []byte(v), nil
	})
	tp := NewTypedProducer[string, string](p, record, record)
	ctx := context.WithValue(t.Context(), typedCtxKey{}, "call")
	r := TypedRecord[string, string]{Topic: "typed-ctx", Key: "k", Value: "v"}
	if _, err := tp.SendSync(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := tp.Send(ctx, r).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	tp.Produce(ctx, r, func(_ RecordMetadata, err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := tp.TryProduce(r, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []any{"call", "call", "call", "call", "call", "call", nil, nil}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("serializers saw context values %v; want %v", seen, want)
	}
}
