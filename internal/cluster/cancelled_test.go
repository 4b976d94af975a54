package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/wire"
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

// TestWaitTopicFailsOnARefusedLoginAmongOtherFailures: once a broker has
// refused the credentials, a wait for metadata fails with that refusal at
// once, even when a later refresh failed for another reason (another
// bootstrap address down, a broker in reconnect backoff). Before, only
// the last failure counted, so a refusal followed quickly by any other
// failure left the waiter waiting out its whole context, as a CI run of
// the security suite's TestWrongPassword saw (no authentication error
// after max.block.ms, with the broker refusing every login).
func TestWaitTopicFailsOnARefusedLoginAmongOtherFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens: every refresh fails, with a dial error
	c := newCluster(t, []string{addr})
	refused := &wire.AuthError{Broker: addr, Mechanism: "PLAIN", Msg: "Invalid username or password"}
	c.fail(fmt.Errorf("metadata: %w", refused))
	c.fail(errors.New("broker 127.0.0.1 is in reconnect backoff"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = c.WaitTopic(ctx, "t")
	var ae *wire.AuthError
	if !errors.As(err, &ae) || ctx.Err() != nil {
		t.Fatalf("WaitTopic after a refused login and another failure: %v (context: %v); want the refusal at once", err, ctx.Err())
	}
}
