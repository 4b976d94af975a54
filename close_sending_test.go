package samsa

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/sender"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestCloseLeavesABatchBeingSentToItsSink: a Close whose context has
// ended fails the records not yet sent at once, but not a batch a sink has
// taken and is writing: that batch's outcome comes from its request (or
// the connection's closing). Close failed it, delivering it (callbacks,
// buffers dropped) while the sink was still writing its header and bytes:
// a data race that -race reported in TestStallProperty, and a record
// reported failed that the sink then sent.
func TestCloseLeavesABatchBeingSentToItsSink(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var (
		armed atomic.Bool
		once  sync.Once
	)
	sender.TestHookSending = func() {
		if armed.Load() {
			once.Do(func() { close(entered); <-release })
		}
	}
	t.Cleanup(func() { sender.TestHookSending = nil })
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	p := testProducer(t, fake.ListenAddrs(), nil)
	ctx := context.Background()
	if _, err := produceWait(t, p, ctx, Record{Topic: "t", Value: []byte("warm")}); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	outcome := make(chan error, 1)
	p.Produce(ctx, Record{Topic: "t", Value: []byte("held")}, func(_ RecordMetadata, err error) { outcome <- err })
	<-entered // the sink has taken the batch and not written it
	ended, cancel := context.WithCancel(ctx)
	cancel()
	closed := make(chan error, 1)
	go func() { closed <- p.Close(ended) }()
	select {
	case err := <-outcome:
		close(release)
		<-closed
		t.Fatalf("the record got its outcome (%v) while its sink was still sending it", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case <-outcome:
	case <-time.After(time.Minute):
		t.Fatal("the record being sent got no outcome at Close")
	}
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close did not return")
	}
}
