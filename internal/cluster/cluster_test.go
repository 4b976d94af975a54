package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/wire"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func fake(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newCluster(t *testing.T, bootstrap []string) *Cluster {
	t.Helper()
	c, err := New(Config{
		Bootstrap: bootstrap, Wire: &wire.Options{ClientID: "cluster-test"},
		Reconnect: Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		MaxAge:    time.Minute, RefreshBackoff: 10 * time.Millisecond, RefreshBackoffMax: 200 * time.Millisecond,
		AutoCreateTopics: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestDiscoversBrokersAndTopics(t *testing.T) {
	f := fake(t, kfake.NumBrokers(3), kfake.SeedTopics(6, "six"))
	c := newCluster(t, f.ListenAddrs()[:1])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	top, err := c.WaitTopic(ctx, "six")
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Partitions) != 6 {
		t.Fatalf("%d partitions", len(top.Partitions))
	}
	snap := c.Snapshot()
	if len(snap.Brokers) != 3 {
		t.Fatalf("brokers %v", snap.Brokers)
	}
	for _, p := range top.Partitions {
		if _, ok := snap.Brokers[p.Leader]; !ok {
			t.Fatalf("partition %d leader %d not a known broker", p.ID, p.Leader)
		}
	}
	if !c.Connected() {
		t.Fatal("not connected after metadata")
	}
}

func TestAutoCreateAndPartitionGrowth(t *testing.T) {
	f := fake(t, kfake.NumBrokers(1), kfake.DefaultNumPartitions(2), kfake.AllowAutoTopicCreation())
	c := newCluster(t, f.ListenAddrs())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	top, err := c.WaitTopic(ctx, "auto")
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Partitions) != 2 {
		t.Fatalf("%d partitions", len(top.Partitions))
	}
	// Grow the topic to 5 partitions and expect a refresh to see it.
	conn, err := c.Brokers()[0].Conn(ctx, ControlConn)
	if err != nil {
		t.Fatal(err)
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.Topics = []kmsg.CreatePartitionsRequestTopic{{Topic: "auto", Count: 5}}
	req.TimeoutMillis = 5000
	if _, err := conn.Do(ctx, req); err != nil {
		t.Fatal(err)
	}
	for len(c.Snapshot().Topics["auto"].Partitions) != 5 {
		c.RequestRefresh()
		select {
		case <-ctx.Done():
			t.Fatal("partition growth not seen")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestUnknownTopicWaitsThenFails(t *testing.T) {
	f := fake(t, kfake.NumBrokers(1)) // no auto-creation
	c := newCluster(t, f.ListenAddrs())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.WaitTopic(ctx, "missing")
	var te *TopicError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) || te.Code != 3 {
		t.Fatalf("got %v, want deadline exceeded with UNKNOWN_TOPIC_OR_PARTITION", err)
	}
}

func TestUnreachableBootstrapReportsWhy(t *testing.T) {
	c := newCluster(t, []string{"127.0.0.1:1"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.WaitTopic(ctx, "t")
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("got %v, want the deadline and the dial failure", err)
	}
	if c.Connected() {
		t.Fatal("connected to nothing")
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 10: time.Second} {
		for range 50 {
			d := b.Delay(n)
			if d < want*8/10 || d >= want*12/10 {
				t.Fatalf("Delay(%d) = %v, want %v ±20%%", n, d, want)
			}
		}
	}
}
