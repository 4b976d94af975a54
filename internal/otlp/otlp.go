package otlp

import (
	"encoding/binary"
	"math"
)

// KV is a string attribute.
type KV struct{ Key, Value string }

// Kind is a metric's data type.
type Kind uint8

const (
	// Gauge is a value at a moment.
	Gauge Kind = iota
	// Sum is a monotonic sum: a counter.
	Sum
)

// Temporality of a Sum's value.
type Temporality uint8

// AggregationTemporality values of the OTLP enum.
const (
	Delta      Temporality = 1 // the change since Start
	Cumulative Temporality = 2 // the total since Start
)

// Metric is one metric with one data point.
type Metric struct {
	Name        string
	Kind        Kind
	Temporality Temporality // Sum only
	Value       float64
	Start, Time int64 // unix nanoseconds; Start for Sums only
	Attrs       []KV
}

// Scope is the instrumentation scope.
type Scope struct{ Name, Version string }

// Field numbers and wire types of the messages encoded.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2

	fMetricsDataResourceMetrics = 1
	fResourceMetricsResource    = 1
	fResourceMetricsScope       = 2
	fResourceAttributes         = 1
	fScopeMetricsScope          = 1
	fScopeMetricsMetrics        = 2
	fScopeName                  = 1
	fScopeVersion               = 2
	fMetricName                 = 1
	fMetricGauge                = 5
	fMetricSum                  = 7
	fGaugeDataPoints            = 1
	fSumDataPoints              = 1
	fSumTemporality             = 2
	fSumMonotonic               = 3
	fPointStart                 = 2
	fPointTime                  = 3
	fPointDouble                = 4
	fPointAttributes            = 7
	fKVKey                      = 1
	fKVValue                    = 2
	fAnyString                  = 1
)

// Encode appends the MetricsData message holding metrics, under one
// resource with attributes res and one scope, to dst.
func Encode(dst []byte, res []KV, scope Scope, metrics []Metric) []byte {
	return message(dst, fMetricsDataResourceMetrics, func(b []byte) []byte {
		b = message(b, fResourceMetricsResource, func(b []byte) []byte {
			for _, kv := range res {
				b = keyValue(b, fResourceAttributes, kv)
			}
			return b
		})
		return message(b, fResourceMetricsScope, func(b []byte) []byte {
			b = message(b, fScopeMetricsScope, func(b []byte) []byte {
				b = str(b, fScopeName, scope.Name)
				return str(b, fScopeVersion, scope.Version)
			})
			for i := range metrics {
				b = metric(b, &metrics[i])
			}
			return b
		})
	})
}

func metric(b []byte, m *Metric) []byte {
	return message(b, fScopeMetricsMetrics, func(b []byte) []byte {
		b = str(b, fMetricName, m.Name)
		if m.Kind == Gauge {
			return message(b, fMetricGauge, func(b []byte) []byte { return point(b, fGaugeDataPoints, m) })
		}
		return message(b, fMetricSum, func(b []byte) []byte {
			b = point(b, fSumDataPoints, m)
			b = varintField(b, fSumTemporality, uint64(m.Temporality))
			return varintField(b, fSumMonotonic, 1)
		})
	})
}

func point(b []byte, field int, m *Metric) []byte {
	return message(b, field, func(b []byte) []byte {
		if m.Kind == Sum {
			b = fixed64(b, fPointStart, uint64(m.Start))
		}
		b = fixed64(b, fPointTime, uint64(m.Time))
		b = fixed64(b, fPointDouble, math.Float64bits(m.Value))
		for _, kv := range m.Attrs {
			b = keyValue(b, fPointAttributes, kv)
		}
		return b
	})
}

func keyValue(b []byte, field int, kv KV) []byte {
	return message(b, field, func(b []byte) []byte {
		b = str(b, fKVKey, kv.Key)
		return message(b, fKVValue, func(b []byte) []byte { return strAlways(b, fAnyString, kv.Value) })
	})
}

func tag(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field)<<3|uint64(wire))
}

func varintField(b []byte, field int, v uint64) []byte {
	return binary.AppendUvarint(tag(b, field, wireVarint), v)
}

func fixed64(b []byte, field int, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(tag(b, field, wireFixed64), v)
}

// str appends a string field, leaving out an empty one (proto3 default).
func str(b []byte, field int, s string) []byte {
	if s == "" {
		return b
	}
	return strAlways(b, field, s)
}

// strAlways appends a string field even when empty: AnyValue's oneof
// must be present to say the value is a string.
func strAlways(b []byte, field int, s string) []byte {
	b = binary.AppendUvarint(tag(b, field, wireBytes), uint64(len(s)))
	return append(b, s...)
}

// message appends a length-delimited field whose contents fill writes.
// The length is written after the contents, which are then shifted into
// place: sizes are not known in advance, and messages are small.
func message(b []byte, field int, fill func([]byte) []byte) []byte {
	b = tag(b, field, wireBytes)
	start := len(b)
	b = fill(b)
	n := len(b) - start
	var lenBuf [binary.MaxVarintLen64]byte
	l := binary.PutUvarint(lenBuf[:], uint64(n))
	b = append(b, lenBuf[:l]...)
	copy(b[start+l:], b[start:start+n])
	copy(b[start:], lenBuf[:l])
	return b
}
