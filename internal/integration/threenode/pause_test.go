package threenode

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
)

// TestPausedLeaderStallsAboutOneRequestTimeout: the leader of a partition
// is stopped with SIGSTOP (it keeps its sockets and answers nothing) while
// records flow to it. Records flow again within about one
// request.timeout.ms of the new leader's election, and not two request
// timeouts after the pause: when the produce request to the stopped
// broker times out, metadata is asked of a broker that answers (it used
// to go to the stopped one first, the only broker the producer had talked
// to, and wait out a second timeout there). Every record is delivered
// once and in order.
func TestPausedLeaderStallsAboutOneRequestTimeout(t *testing.T) {
	const requestTimeout = 10 * time.Second // above broker.session.timeout.ms (6 s)
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 1, 3)
	nudge := c.NewTopic(t, 1, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	info, err := c.Partition(ctx, 0, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	leader := info.Leader
	cfg := itest.ProducerConfig(t, nil, map[string]string{
		"bootstrap.servers":  c.Addr(leader, kafkatest.PLAINTEXT),
		"request.timeout.ms": fmt.Sprint(requestTimeout.Milliseconds()), "delivery.timeout.ms": "120000",
	})
	cfg.Logger = itest.DebugLog(t)
	p := startProducer(t, cfg)
	if _, err := p.SendSync(ctx, samsa.Record{Topic: topic, Value: []byte("warm-up")}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.PartitionsFor(ctx, nudge); err != nil { // a metadata connection to the leader
		t.Fatal(err)
	}

	var (
		mu   sync.Mutex
		acks []time.Time
		errs []error
	)
	stop, produced := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(produced)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			mu.Lock()
			acks, errs = append(acks, time.Time{}), append(errs, nil)
			mu.Unlock()
			p.Produce(ctx, samsa.Record{Topic: topic, Value: []byte(fmt.Sprint(i))}, func(_ samsa.RecordMetadata, err error) {
				mu.Lock()
				acks[i], errs[i] = time.Now(), err
				mu.Unlock()
			})
		}
	}()
	firstAckAfter := func(after time.Time) (first time.Time) {
		mu.Lock()
		defer mu.Unlock()
		for i, a := range acks {
			if errs[i] == nil && a.After(after) && (first.IsZero() || a.Before(first)) {
				first = a
			}
		}
		return first
	}

	time.Sleep(500 * time.Millisecond)
	if err := c.Pause(leader); err != nil {
		t.Fatal(err)
	}
	pausedAt := time.Now()
	t.Cleanup(func() {
		rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer rcancel()
		if err := c.Resume(rctx, leader); err != nil {
			t.Errorf("resuming node %d: %v", leader, err)
		}
	})
	var elected time.Time
	var resumed time.Time
	for (elected.IsZero() || resumed.IsZero()) && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
		if elected.IsZero() {
			for _, id := range c.NodeIDs() {
				if id == leader {
					continue
				}
				if pi, err := c.Partition(ctx, id, topic, 0); err == nil && pi.Leader >= 0 && pi.Leader != leader {
					elected = time.Now()
					break
				}
			}
		}
		if resumed.IsZero() {
			resumed = firstAckAfter(pausedAt)
		}
	}
	close(stop)
	<-produced
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	t.Logf("timeline: node %d stopped at 0, a new leader elected by %v, records acknowledged again at %v (request.timeout.ms %v)",
		leader, elected.Sub(pausedAt).Round(time.Millisecond), resumed.Sub(pausedAt).Round(time.Millisecond), requestTimeout)
	if elected.IsZero() || resumed.IsZero() {
		t.Fatal("no new leader, or no record acknowledged after the pause")
	}
	if d := resumed.Sub(elected); d > requestTimeout*5/4 {
		t.Errorf("records flowed again %v after the new leader's election, above about one request.timeout.ms (%v)", d, requestTimeout)
	}
	// When the election ends within the first request's timeout, the
	// retry after that timeout finds the new leader: one request timeout
	// from the pause, not two. An election slower than that (Kafka's own,
	// on a loaded machine) leaves the retry to the paused leader, the
	// leader the metadata still names, and only the bound above holds.
	if elected.Sub(pausedAt) < requestTimeout*9/10 {
		if d := resumed.Sub(pausedAt); d > requestTimeout*8/5 {
			t.Errorf("records flowed again %v after the pause: close to two request timeouts (%v each)", d, requestTimeout)
		}
	} else {
		t.Logf("the election took %v, longer than a request timeout: only the bound from the election is checked", elected.Sub(pausedAt).Round(time.Millisecond))
	}

	mu.Lock()
	n := len(acks)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	mu.Unlock()
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, n+1, itest.ConsumeOpts{})
	if len(got) != n+1 {
		t.Fatalf("read %d records, want %d: lost or duplicated", len(got), n+1)
	}
	for i, r := range got[1:] {
		if string(r.Value) != fmt.Sprint(i) {
			t.Fatalf("record %d read back is %q: lost, duplicated or out of order", i, r.Value)
		}
	}
}
