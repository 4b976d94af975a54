package samsa

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestRequestsStayWithinMaxRequestSize: records with random keys over a
// thousand partitions make many small batches due at once; the produce
// requests that carry them stay within max.request.size, and every record
// arrives (read back with kgo). Requests used to pass the limit once the
// room left in one reached zero: every batch after that joined it.
func TestRequestsStayWithinMaxRequestSize(t *testing.T) {
	const parts, n, maxRequest = 1000, 6000, 8192
	c := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(parts, "many"))
	var mu sync.Mutex
	var sizes []int
	c.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		size := 0
		for _, tp := range req.(*kmsg.ProduceRequest).Topics {
			for _, p := range tp.Partitions {
				size += len(p.Records)
			}
		}
		mu.Lock()
		sizes = append(sizes, size)
		mu.Unlock()
		return nil, nil, false // kfake stores the records
	})
	p := testProducer(t, c.ListenAddrs(), func(cfg *Config) {
		cfg.MaxRequestSize = maxRequest
		cfg.Linger = 20 * time.Millisecond
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	want := make(map[string]string, n)
	for i := range n {
		k, v := fmt.Sprintf("key-%d-%d", i*7919%104729, i), fmt.Sprintf("value-%d", i)
		want[k] = v
		p.Produce(ctx, Record{Topic: "many", Key: []byte(k), Value: []byte(v)}, nil)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	over := 0
	for _, s := range sizes {
		if s > maxRequest {
			over++
		}
	}
	t.Logf("%d produce requests", len(sizes))
	if over > 0 {
		t.Errorf("%d of %d produce requests carried more than max.request.size (%d bytes) of batches", over, len(sizes), maxRequest)
	}
	mu.Unlock()
	got := consumeAll(t, c.ListenAddrs(), "many", n)
	for _, r := range got {
		if want[string(r.Key)] != string(r.Value) {
			t.Fatalf("read %s=%s, not produced", r.Key, r.Value)
		}
		delete(want, string(r.Key))
	}
	if len(want) != 0 {
		t.Fatalf("%d records not read back", len(want))
	}
}
