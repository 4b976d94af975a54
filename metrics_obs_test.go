package samsa

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestBufferedWork: records without an outcome are counted per producer,
// per topic and per partition while the broker holds their requests, and
// the counts go back to zero once they are acknowledged, or failed.
func TestBufferedWork(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(2, "held"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.Linger, c.RequestTimeout, c.DeliveryTimeout = 0, 500*time.Millisecond, 1500*time.Millisecond
	})
	ctx := context.Background()
	if _, err := p.PartitionsFor(ctx, "held"); err != nil {
		t.Fatal(err)
	}
	release := stallProduce(fake)
	const n = 30
	value := make([]byte, 100)
	var futures []*Future
	for i := range n {
		futures = append(futures, p.Send(ctx, Record{Topic: "held", Partition: PartitionOf(int32(i % 2)), Value: value}))
	}
	records, bytes := p.Buffered()
	// Each record is 100 value bytes plus 7 to 12 of framing (length,
	// attributes, deltas, key and value lengths, header count).
	if records != n || bytes < n*107 || bytes > n*112 {
		t.Fatalf("buffered %d records, %d bytes; want %d records, %d to %d bytes", records, bytes, n, n*107, n*112)
	}
	parts := p.BufferedPartitions()
	if len(parts) != 2 || parts[0].Records != n/2 || parts[1].Records != n/2 || parts[0].Bytes+parts[1].Bytes != bytes {
		t.Fatalf("per partition: %+v", parts)
	}
	ms := p.Metrics()
	if v, _ := ms.Value("producer-metrics", "buffered-records"); v != n {
		t.Fatalf("buffered-records %v", v)
	}
	if v, _ := ms.Value("producer-topic-metrics", "buffered-bytes", "topic", "held"); v != float64(bytes) {
		t.Fatalf("topic buffered-bytes %v, want %d", v, bytes)
	}
	release()
	for i, f := range futures {
		if _, err := f.Wait(ctx); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if r, b := p.Buffered(); r != 0 || b != 0 {
		t.Fatalf("after acknowledgement: %d records, %d bytes buffered", r, b)
	}
	if parts := p.BufferedPartitions(); len(parts) != 2 || parts[0] != (PartitionBuffer{Topic: "held"}) ||
		parts[1] != (PartitionBuffer{Topic: "held", Partition: 1}) {
		t.Fatalf("after acknowledgement, per partition: %+v", parts)
	}

	// Records that fail leave the count too (INVALID_RECORD is final).
	fake.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		return respond.ProduceError(r.(*kmsg.ProduceRequest), 87, 0), nil, true
	})
	if _, err := p.Send(ctx, Record{Topic: "held", Value: value}).Wait(ctx); !errors.Is(err, kerr.InvalidRecord) {
		t.Fatalf("got %v", err)
	}
	if r, b := p.Buffered(); r != 0 || b != 0 {
		t.Fatalf("after failure: %d records, %d bytes buffered", r, b)
	}
}

// TestLatencyPercentiles: with every produce request held 5 ms by the
// broker and every record waiting out a 20 ms linger, the request latency
// and record queue time percentiles say so, ordered p50 <= p99 <= p999 <=
// max, overall and per broker.
func TestLatencyPercentiles(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "slow"), kfake.NumBrokers(1))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Linger = 20 * time.Millisecond })
	fake.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		time.Sleep(5 * time.Millisecond)
		return nil, nil, false
	})
	ctx := context.Background()
	for i := range 40 {
		if _, err := p.SendSync(ctx, Record{Topic: "slow", Value: []byte{byte(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	ms := p.Metrics()
	get := func(group, name string, tags ...string) float64 {
		v, ok := ms.Value(group, name, tags...)
		if !ok {
			t.Fatalf("no metric %s %s %v", group, name, tags)
		}
		return v
	}
	for _, c := range []struct {
		group, name string
		tags        []string
		lo, hi      float64 // bounds of p50, ms
	}{
		{"producer-metrics", "request-latency", nil, 5, 100},
		{"producer-node-metrics", "request-latency", []string{"node-id", "node-0"}, 5, 100},
		{"producer-metrics", "record-queue-time", nil, 18, 200},
	} {
		p50, p99, p999 := get(c.group, c.name+"-p50", c.tags...), get(c.group, c.name+"-p99", c.tags...), get(c.group, c.name+"-p999", c.tags...)
		mx := get(c.group, c.name+"-max", c.tags...)
		if p50 < c.lo || p50 > c.hi || p99 < p50 || p999 < p99 || p999 > mx*1.07 {
			t.Fatalf("%s %s: p50 %.2f p99 %.2f p99.9 %.2f max %.2f ms; want p50 in [%v, %v] and ordered", c.group, c.name, p50, p99, p999, mx, c.lo, c.hi)
		}
	}
}
