package samsa

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// fakeCluster starts an in-process kfake cluster for a test.
func fakeCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testProducer(t testing.TB, addrs []string, mod func(*Config)) *Producer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.BootstrapServers = addrs
	cfg.MaxBlock = 10 * time.Second
	if mod != nil {
		mod(&cfg)
	}
	p, err := NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// consumeAll reads n records of topic from the start with kgo, an
// independent client, so that what samsa wrote is checked by someone else;
// opts add kgo options (such as read_committed).
func consumeAll(t testing.TB, addrs []string, topic string, n int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(out), n, err)
		}
		fs.EachError(func(_ string, _ int32, err error) { t.Fatalf("fetch: %v", err) })
		out = append(out, fs.Records()...)
	}
	return out
}

// TestProduceAndReadBackKfake: records of every shape (keys, tombstones,
// headers, timestamps, explicit partitions, values from a few bytes to
// 10 KB) are acknowledged by kfake, read back with kgo and found as sent.
func TestProduceAndReadBackKfake(t *testing.T) {
	fake := fakeCluster(t, kfake.NumBrokers(3), kfake.SeedTopics(4, "shapes"))
	addrs := fake.ListenAddrs()
	p := testProducer(t, addrs, nil)
	ctx := context.Background()
	ts := time.UnixMilli(1_700_000_000_123)
	type sent struct {
		rec Record
		md  RecordMetadata
	}
	var mu sync.Mutex
	var got []sent
	var wg sync.WaitGroup
	const n = 500
	for i := range n {
		r := Record{Topic: "shapes", Value: []byte(fmt.Sprintf("value-%d", i))}
		switch i % 5 {
		case 0:
			r.Key = []byte(fmt.Sprintf("key-%d", i%17))
		case 1:
			r.Value = nil // tombstone
			r.Key = []byte("tomb")
		case 2:
			r.Headers = []Header{{Key: "h", Value: []byte("1")}, {Key: "h", Value: []byte("2")}, {Key: "null", Value: nil}}
		case 3:
			r.Timestamp = ts.Add(time.Duration(i) * time.Millisecond)
		case 4:
			r.Partition = PartitionOf(2)
			r.Key = []byte{}
		}
		if size := []int{600, 1024, 4099, 10240}[(i/3)%4]; r.Value != nil && i%3 == 0 {
			// Values long enough to be copied and hashed in one pass
			// (recordbatch.AppendRecordBodyCRC): kfake checks each batch's
			// CRC, kgo the fetched ones, and the bytes are compared below.
			for len(r.Value) < size {
				r.Value = append(r.Value, byte(len(r.Value)*7+i))
			}
		}
		wg.Add(1)
		p.Produce(ctx, r, func(md RecordMetadata, err error) {
			defer wg.Done()
			if err != nil {
				t.Errorf("record %d: %v", i, err)
				return
			}
			mu.Lock()
			got = append(got, sent{r, md})
			mu.Unlock()
		})
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(got) != n {
		t.Fatalf("%d of %d acknowledged", len(got), n)
	}
	byPos := map[string]sent{}
	for _, s := range got {
		if s.rec.Partition.set && s.md.Partition != 2 {
			t.Fatalf("explicit partition 2 went to %d", s.md.Partition)
		}
		byPos[fmt.Sprintf("%d/%d", s.md.Partition, s.md.Offset)] = s
	}
	recs := consumeAll(t, addrs, "shapes", n)
	for _, r := range recs {
		s, ok := byPos[fmt.Sprintf("%d/%d", r.Partition, r.Offset)]
		if !ok {
			t.Fatalf("record at %d/%d was not acknowledged there", r.Partition, r.Offset)
		}
		if !bytes.Equal(r.Key, s.rec.Key) || (r.Key == nil) != (s.rec.Key == nil) {
			t.Fatalf("key %q, sent %q", r.Key, s.rec.Key)
		}
		if !bytes.Equal(r.Value, s.rec.Value) || (r.Value == nil) != (s.rec.Value == nil) {
			t.Fatalf("value %q, sent %q", r.Value, s.rec.Value)
		}
		if len(r.Headers) != len(s.rec.Headers) {
			t.Fatalf("headers %v, sent %v", r.Headers, s.rec.Headers)
		}
		for i, h := range r.Headers {
			if h.Key != s.rec.Headers[i].Key || !bytes.Equal(h.Value, s.rec.Headers[i].Value) || (h.Value == nil) != (s.rec.Headers[i].Value == nil) {
				t.Fatalf("header %d = %q:%q, sent %+v", i, h.Key, h.Value, s.rec.Headers[i])
			}
		}
		if !s.rec.Timestamp.IsZero() && !r.Timestamp.Equal(s.rec.Timestamp) {
			t.Fatalf("timestamp %v, sent %v", r.Timestamp, s.rec.Timestamp)
		}
		if !r.Timestamp.Equal(s.md.Timestamp) {
			t.Fatalf("metadata timestamp %v, broker has %v", s.md.Timestamp, r.Timestamp)
		}
	}
}

// TestFirstRecordToNewTopicSkipsBackoff: the first record to a topic the
// producer never used waits for that topic's metadata, and the metadata
// request goes out at once rather than after retry.backoff.ms (which only
// spaces refreshes of topics already known). The backoff here is an hour
// and max.block.ms ten seconds, so a record whose metadata waited for the
// backoff would fail; the records are then read back.
func TestFirstRecordToNewTopicSkipsBackoff(t *testing.T) {
	fake := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "new-a", "new-b"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.RetryBackoff, c.RetryBackoffMax = time.Hour, time.Hour
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !p.cl.Connected() { // the startup refresh, whose backoff the records fall into
		if ctx.Err() != nil {
			t.Fatal("never connected")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, topic := range []string{"new-a", "new-b"} {
		if _, err := p.SendSync(ctx, Record{Topic: topic, Value: []byte(topic)}); err != nil {
			t.Fatalf("first record to %s: %v", topic, err)
		}
		got := consumeAll(t, fake.ListenAddrs(), topic, 1)
		if string(got[0].Value) != topic {
			t.Fatalf("%s holds %q", topic, got[0].Value)
		}
	}
}
