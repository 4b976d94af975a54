package otlp

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// pbField is one decoded protobuf field.
type pbField struct {
	num  int
	wire int
	u    uint64 // varint and fixed64
	b    []byte // length-delimited
}

// fields decodes one message's fields, failing on malformed input.
func fields(t *testing.T, b []byte) []pbField {
	t.Helper()
	var out []pbField
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			t.Fatalf("bad tag at %x", b)
		}
		b = b[n:]
		f := pbField{num: int(key >> 3), wire: int(key & 7)}
		switch f.wire {
		case wireVarint:
			f.u, n = binary.Uvarint(b)
			if n <= 0 {
				t.Fatal("bad varint")
			}
			b = b[n:]
		case wireFixed64:
			if len(b) < 8 {
				t.Fatal("short fixed64")
			}
			f.u, b = binary.LittleEndian.Uint64(b), b[8:]
		case wireBytes:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				t.Fatalf("bad length %d with %d bytes left", l, len(b)-n)
			}
			f.b, b = b[n:n+int(l)], b[n+int(l):]
		default:
			t.Fatalf("wire type %d", f.wire)
		}
		out = append(out, f)
	}
	return out
}

func one(t *testing.T, fs []pbField, num int) pbField {
	t.Helper()
	var got []pbField
	for _, f := range fs {
		if f.num == num {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("field %d occurs %d times in %v", num, len(got), fs)
	}
	return got[0]
}

func all(fs []pbField, num int) []pbField {
	var got []pbField
	for _, f := range fs {
		if f.num == num {
			got = append(got, f)
		}
	}
	return got
}

func kvs(t *testing.T, fs []pbField) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		kv := fields(t, f.b)
		val := fields(t, one(t, kv, fKVValue).b)
		out[string(one(t, kv, fKVKey).b)] = string(one(t, val, fAnyString).b)
	}
	return out
}

// TestEncodeDecodes: the encoding decodes, field by field, to the resource,
// scope, metric names, kinds, temporality, values, times and attributes
// given, with lengths long enough to need multi-byte varints.
func TestEncodeDecodes(t *testing.T) {
	long := strings.Repeat("x", 300) // a length of two varint bytes
	in := []Metric{
		{Name: "org.apache.kafka.producer.record.send.total", Kind: Sum, Temporality: Cumulative, Value: 1234, Start: 100, Time: 200,
			Attrs: []KV{{"topic", "orders"}}},
		{Name: "org.apache.kafka.producer.node.request.latency.avg", Kind: Gauge, Value: 2.5, Time: 300,
			Attrs: []KV{{"node_id", "node-1"}, {"long", long}}},
		{Name: "org.apache.kafka.producer.record.error.total", Kind: Sum, Temporality: Delta, Value: 0, Start: 150, Time: 200},
	}
	out := Encode([]byte("prefix"), []KV{{"transactional_id", "tx-1"}}, Scope{Name: "samsa", Version: "1.2.3"}, in)
	if string(out[:6]) != "prefix" {
		t.Fatal("Encode did not append")
	}
	top := fields(t, out[6:])
	rm := fields(t, one(t, top, fMetricsDataResourceMetrics).b)
	res := fields(t, one(t, rm, fResourceMetricsResource).b)
	if got := kvs(t, all(res, fResourceAttributes)); got["transactional_id"] != "tx-1" || len(got) != 1 {
		t.Fatalf("resource attributes %v", got)
	}
	sm := fields(t, one(t, rm, fResourceMetricsScope).b)
	scope := fields(t, one(t, sm, fScopeMetricsScope).b)
	if string(one(t, scope, fScopeName).b) != "samsa" || string(one(t, scope, fScopeVersion).b) != "1.2.3" {
		t.Fatalf("scope %v", scope)
	}
	ms := all(sm, fScopeMetricsMetrics)
	if len(ms) != len(in) {
		t.Fatalf("%d metrics, want %d", len(ms), len(in))
	}
	for i, mf := range ms {
		want := in[i]
		m := fields(t, mf.b)
		if name := string(one(t, m, fMetricName).b); name != want.Name {
			t.Fatalf("metric %d: name %q", i, name)
		}
		var dp []pbField
		if want.Kind == Gauge {
			dp = fields(t, one(t, fields(t, one(t, m, fMetricGauge).b), fGaugeDataPoints).b)
			if len(all(dp, fPointStart)) != 0 {
				t.Fatalf("gauge %d has a start time", i)
			}
		} else {
			sum := fields(t, one(t, m, fMetricSum).b)
			if one(t, sum, fSumTemporality).u != uint64(want.Temporality) || one(t, sum, fSumMonotonic).u != 1 {
				t.Fatalf("sum %d: %v", i, sum)
			}
			dp = fields(t, one(t, sum, fSumDataPoints).b)
			if one(t, dp, fPointStart).u != uint64(want.Start) {
				t.Fatalf("sum %d start", i)
			}
		}
		if one(t, dp, fPointTime).u != uint64(want.Time) || math.Float64frombits(one(t, dp, fPointDouble).u) != want.Value {
			t.Fatalf("metric %d point %v", i, dp)
		}
		attrs := kvs(t, all(dp, fPointAttributes))
		if len(attrs) != len(want.Attrs) {
			t.Fatalf("metric %d attributes %v", i, attrs)
		}
		for _, kv := range want.Attrs {
			if attrs[kv.Key] != kv.Value {
				t.Fatalf("metric %d attribute %s = %q", i, kv.Key, attrs[kv.Key])
			}
		}
	}
}

// TestEncodeEmpty: no metrics still make a valid MetricsData with the
// resource.
func TestEncodeEmpty(t *testing.T) {
	out := Encode(nil, nil, Scope{}, nil)
	rm := fields(t, one(t, fields(t, out), fMetricsDataResourceMetrics).b)
	if len(all(fields(t, one(t, rm, fResourceMetricsScope).b), fScopeMetricsMetrics)) != 0 {
		t.Fatal("metrics from nothing")
	}
}

// TestDecodeRoundTrip: Decode gives back what Encode was given, and
// refuses truncated input.
func TestDecodeRoundTrip(t *testing.T) {
	in := []Metric{
		{Name: "a.total", Kind: Sum, Temporality: Delta, Value: 7, Start: 1, Time: 2, Attrs: []KV{{"topic", "t"}}},
		{Name: "b.avg", Kind: Gauge, Value: -1.5, Time: 3},
	}
	b := Encode(nil, []KV{{"k", "v"}}, Scope{Name: "s"}, in)
	got, res, err := Decode(b)
	if err != nil || len(got) != 2 || len(res) != 1 || res[0] != (KV{"k", "v"}) {
		t.Fatalf("%v %v %v", got, res, err)
	}
	for i := range in {
		if got[i].Name != in[i].Name || got[i].Kind != in[i].Kind || got[i].Temporality != in[i].Temporality ||
			got[i].Value != in[i].Value || got[i].Start != in[i].Start || got[i].Time != in[i].Time || len(got[i].Attrs) != len(in[i].Attrs) {
			t.Fatalf("metric %d: %+v, want %+v", i, got[i], in[i])
		}
	}
	for n := 1; n < len(b); n += 7 {
		if _, _, err := Decode(b[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(b))
		}
	}
}
