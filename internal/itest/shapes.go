package itest

import (
	"fmt"
	"strings"
	"time"

	"github.com/samsa-go/samsa"
)

// Shapes returns n records of varied shapes: keyed, null key, empty key,
// null value, empty value, headers with repeated keys and null values,
// explicit timestamps, explicit partitions, large values.
func Shapes(topic string, partitions, n int) []samsa.Record {
	base := time.UnixMilli(1_700_000_000_000)
	out := make([]samsa.Record, n)
	for i := range out {
		r := samsa.Record{Topic: topic, Value: []byte(fmt.Sprintf("value %d %s", i, strings.Repeat("x", i%50)))}
		switch i % 8 {
		case 0:
			r.Key = []byte(fmt.Sprintf("key-%d", i%13))
		case 1:
			r.Key, r.Value = []byte("tombstone"), nil
		case 2:
			r.Key, r.Value = []byte{}, []byte{}
		case 3:
			r.Headers = []samsa.Header{{Key: "k", Value: []byte("v1")}, {Key: "k", Value: []byte("v2")}, {Key: "nil", Value: nil}, {Key: "", Value: []byte{}}}
		case 4:
			r.Timestamp = base.Add(time.Duration(i) * time.Second)
		case 5:
			r.Partition = samsa.PartitionOf(int32(i % partitions))
		case 6:
			r.Value = []byte(strings.Repeat(fmt.Sprintf("%06d", i), 3000)) // 18 KB
		case 7:
			r.Key = []byte(fmt.Sprintf("k%d", i))
			r.Timestamp = base.Add(-time.Duration(i) * time.Hour) // older than the batch's first
		}
		out[i] = r
	}
	return out
}
