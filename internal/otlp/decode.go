package otlp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Decode parses a MetricsData message of the shape Encode writes, for
// tests: the metrics of every resource and scope, and the attributes of
// the last resource. Fields it does not know are skipped.
func Decode(b []byte) ([]Metric, []KV, error) {
	var (
		out []Metric
		res []KV
	)
	err := walk(b, func(num int, v field) error {
		if num != fMetricsDataResourceMetrics {
			return nil
		}
		return walk(v.b, func(num int, v field) error {
			switch num {
			case fResourceMetricsResource:
				res = nil
				return walk(v.b, func(num int, v field) error {
					if num != fResourceAttributes {
						return nil
					}
					kv, err := decodeKV(v.b)
					res = append(res, kv)
					return err
				})
			case fResourceMetricsScope:
				return walk(v.b, func(num int, v field) error {
					if num != fScopeMetricsMetrics {
						return nil
					}
					m, err := decodeMetric(v.b)
					out = append(out, m)
					return err
				})
			}
			return nil
		})
	})
	return out, res, err
}

func decodeMetric(b []byte) (Metric, error) {
	var m Metric
	err := walk(b, func(num int, v field) error {
		switch num {
		case fMetricName:
			m.Name = string(v.b)
		case fMetricGauge:
			m.Kind = Gauge
			return walk(v.b, func(num int, v field) error {
				if num == fGaugeDataPoints {
					return decodePoint(v.b, &m)
				}
				return nil
			})
		case fMetricSum:
			m.Kind = Sum
			return walk(v.b, func(num int, v field) error {
				switch num {
				case fSumDataPoints:
					return decodePoint(v.b, &m)
				case fSumTemporality:
					m.Temporality = Temporality(v.u)
				}
				return nil
			})
		}
		return nil
	})
	return m, err
}

func decodePoint(b []byte, m *Metric) error {
	return walk(b, func(num int, v field) error {
		switch num {
		case fPointStart:
			m.Start = int64(v.u)
		case fPointTime:
			m.Time = int64(v.u)
		case fPointDouble:
			m.Value = math.Float64frombits(v.u)
		case fPointAttributes:
			kv, err := decodeKV(v.b)
			m.Attrs = append(m.Attrs, kv)
			return err
		}
		return nil
	})
}

func decodeKV(b []byte) (KV, error) {
	var kv KV
	err := walk(b, func(num int, v field) error {
		switch num {
		case fKVKey:
			kv.Key = string(v.b)
		case fKVValue:
			return walk(v.b, func(num int, v field) error {
				if num == fAnyString {
					kv.Value = string(v.b)
				}
				return nil
			})
		}
		return nil
	})
	return kv, err
}

// field is one field's value: u for varint and fixed64, b for
// length-delimited.
type field struct {
	u uint64
	b []byte
}

var errMalformed = errors.New("otlp: malformed protobuf")

// walk calls fn for each field of message b.
func walk(b []byte, fn func(num int, v field) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errMalformed
		}
		b = b[n:]
		var v field
		switch key & 7 {
		case wireVarint:
			v.u, n = binary.Uvarint(b)
			if n <= 0 {
				return errMalformed
			}
			b = b[n:]
		case wireFixed64:
			if len(b) < 8 {
				return errMalformed
			}
			v.u, b = binary.LittleEndian.Uint64(b), b[8:]
		case wireBytes:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errMalformed
			}
			v.b, b = b[n:n+int(l)], b[n+int(l):]
		case 5: // fixed32
			if len(b) < 4 {
				return errMalformed
			}
			b = b[4:]
		default:
			return fmt.Errorf("%w: wire type %d", errMalformed, key&7)
		}
		if err := fn(int(key>>3), v); err != nil {
			return err
		}
	}
	return nil
}
