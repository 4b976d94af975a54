package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestWaitTopicCancelledFailsUnknownTopic: a wait with a context that has
// already ended fails for a topic whose metadata was not known when the
// wait began, however fast the refresh it asks for answers. The hook plays
// a waiter descheduled right after asking (as on a loaded machine): the
// refresh lands before it looks. Before, it then found the topic known and
// returned it (and with the update and the ended context both ready,
// select could pick the update), so the outcome depended on scheduling.
func TestWaitTopicCancelledFailsUnknownTopic(t *testing.T) {
	c := newCluster(t, fake(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "late", "known")).ListenAddrs())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.WaitTopic(ctx, "known"); err != nil {
		t.Fatal(err)
	}
	testHookAsked = func(topic string) {
		for c.Snapshot().Topics[topic] == nil && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
	}
	defer func() { testHookAsked = nil }()
	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	if tp, err := c.WaitTopic(cancelled, "late"); !errors.Is(err, context.Canceled) {
		t.Fatalf("unknown topic, cancelled context: %v, %v; want context.Canceled", tp, err)
	}
	if c.Snapshot().Topics["late"] == nil {
		t.Fatal("the refresh the wait asked for never brought the topic")
	}
	// Known now: a cancelled context no longer matters, nothing is waited for.
	for _, name := range []string{"late", "known"} {
		if tp, err := c.WaitTopic(cancelled, name); err != nil || len(tp.Partitions) != 1 {
			t.Fatalf("%s known, cancelled context: %v, %v", name, tp, err)
		}
	}
}
