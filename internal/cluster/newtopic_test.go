package cluster

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/wire"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// metadataLog records the topics of every Metadata request a kfake
// cluster receives, in order.
type metadataLog struct {
	mu   sync.Mutex
	reqs [][]string
	seen chan struct{} // receives a token per request
}

func recordMetadata(f *kfake.Cluster) *metadataLog {
	l := &metadataLog{seen: make(chan struct{}, 100)}
	f.ControlKey(int16(kmsg.Metadata), func(r kmsg.Request) (kmsg.Response, error, bool) {
		f.KeepControl()
		var topics []string
		for _, t := range r.(*kmsg.MetadataRequest).Topics {
			if t.Topic != nil {
				topics = append(topics, *t.Topic)
			}
		}
		l.mu.Lock()
		l.reqs = append(l.reqs, topics)
		l.mu.Unlock()
		select {
		case l.seen <- struct{}{}:
		default:
		}
		return nil, nil, false
	})
	return l
}

func (l *metadataLog) requests() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// TestNewTopicSkipsRefreshBackoff: the metadata of a topic never asked
// about is requested at once, not after the refresh backoff that spaces
// refreshes of known topics (the Java client resets the backoff for new
// topics). The backoff here is an hour, so a request for a new topic that
// waited for it would never be seen within the test; a refresh of known
// topics must still wait for it.
func TestNewTopicSkipsRefreshBackoff(t *testing.T) {
	f := fake(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "first", "second"))
	log := recordMetadata(f)
	c, err := New(Config{
		Bootstrap: f.ListenAddrs(), Wire: &wire.Options{ClientID: "cluster-test"},
		Reconnect: Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		MaxAge:    time.Hour, RefreshBackoff: time.Hour, RefreshBackoffMax: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The refresh New starts asks for no topic; wait for it, so that the
	// requests below come after a refresh, inside its backoff.
	select {
	case <-log.seen:
	case <-ctx.Done():
		t.Fatal("no initial metadata request")
	}
	for _, name := range []string{"first", "second"} {
		if _, err := c.WaitTopic(ctx, name); err != nil {
			t.Fatalf("metadata of new topic %q: %v (requests so far: %q)", name, err, log.requests())
		}
	}
	reqs := log.requests()
	if len(reqs) != 3 || len(reqs[0]) != 0 || !slices.Contains(reqs[1], "first") || !slices.Contains(reqs[2], "second") {
		t.Fatalf("metadata requests %q, want [] then one with first then one with second", reqs)
	}
	// Known topics only: the backoff applies.
	c.RequestRefresh()
	time.Sleep(300 * time.Millisecond)
	if got := log.requests(); len(got) != 3 {
		t.Fatalf("a refresh of known topics went out within the one-hour backoff: %q", got)
	}
}
