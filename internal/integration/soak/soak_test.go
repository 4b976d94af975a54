package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/kafkatest"
)

// EnvSoak, set to a duration such as "3m", sets how long TestSoak
// produces; scripts/soak sets it.
const EnvSoak = "SAMSA_SOAK"

// DefaultSoak is TestSoak's duration in CI (half of it with -short).
const DefaultSoak = 75 * time.Second

// killInterval is the time between broker kills.
const killInterval = 15 * time.Second

func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv(EnvSoak); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a positive duration such as 3m", EnvSoak, s)
		}
		return d
	}
	if testing.Short() {
		return DefaultSoak / 2
	}
	return DefaultSoak
}

// killer kills a random broker with kill -9 n times, each after interval
// of traffic since the previous restart, and restarts it after down.
type killer struct {
	c             *kafkatest.Cluster
	kills         atomic.Int64
	restartsTotal atomic.Int64 // nanoseconds spent in Restart
}

// run makes the n kills and returns once the last broker killed is back,
// or at the first failure to kill or restart (reported).
func (k *killer) run(t *testing.T, n int, interval, down time.Duration) {
	for range n {
		time.Sleep(interval)
		ids := k.c.NodeIDs()
		id := ids[rand.IntN(len(ids))]
		if err := k.c.Kill(id); err != nil {
			t.Errorf("kill node %d: %v", id, err)
			return
		}
		made := k.kills.Add(1)
		time.Sleep(down)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		err := k.c.Restart(ctx, id)
		cancel()
		k.restartsTotal.Add(int64(time.Since(start)))
		if err != nil {
			t.Errorf("restart node %d: %v\n%s", id, err, k.c.LogTail(id, 30))
			return
		}
		t.Logf("kill #%d: node %d killed, back after %v", made, id, (down + time.Since(start)).Round(time.Millisecond))
	}
}

// TestSoak runs idempotent producers under load on a three-node cluster
// for DefaultSoak or $SAMSA_SOAK, and at least until a random broker was
// killed with kill -9 and restarted once per 15 s of that time (one fewer,
// at least one): 4 kills in CI, 15 s of traffic before each, however long
// the restarts take on a loaded machine. Afterwards every record has exactly one
// outcome; the acknowledged ones are in the topic exactly once, where
// their callbacks said, in send order per partition; failed ones are
// reported, and are in the topic only if their error says the outcome is
// unknown.
func TestSoak(t *testing.T) {
	c := kafkatest.Shared(t)
	const partitions, producers = 6, 2
	topic := c.NewTopic(t, partitions, 3)
	dur := soakDuration(t)
	props := map[string]string{"acks": "all", "enable.idempotence": "true", "linger.ms": "5"}
	ps := make([]*samsa.Producer, producers)
	for i := range ps {
		props["client.id"] = fmt.Sprintf("soak-%d", i)
		ps[i] = newProducer(t, c, props)
	}
	led := newLedger()
	stop := make(chan struct{})
	k := &killer{c: c}
	kills := max(int(dur/killInterval)-1, 1)
	killed := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); defer close(killed); k.run(t, kills, killInterval, time.Second) }()
	start := time.Now()
	var sent atomic.Int64
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent.Add(int64(produceUntil(p, i, topic, led, stop)))
		}()
	}
	time.Sleep(dur)
	<-killed
	close(stop)
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for i, p := range ps {
		if err := p.Flush(ctx); err != nil {
			t.Fatalf("flush producer %d: %v (%d of %d outcomes)", i, err, led.outcomes(), sent.Load())
		}
	}
	elapsed := time.Since(start)
	var retries, errs float64
	for _, p := range ps {
		retries += metric(p, "record-retry-total")
		errs += metric(p, "record-error-total")
	}
	rep := led.reconcile(t, c, topic)
	t.Logf("soak of %v (%v with flush): %d kills (restarts took %v in all); producer retries %.0f, record errors %.0f",
		dur, elapsed.Round(time.Millisecond), k.kills.Load(), time.Duration(k.restartsTotal.Load()).Round(time.Millisecond), retries, errs)
	t.Logf("%v", rep)
	rep.logFailures(t)
	rep.requireExact(t)
	if rep.failed > 0 {
		// One broker of three down leaves two in sync replicas, which
		// min.insync.replicas=2 accepts: nothing should fail within the
		// default delivery.timeout.ms of 2 minutes.
		t.Errorf("%d records failed with one broker of three down at a time", rep.failed)
	}
	if k.kills.Load() != int64(kills) {
		t.Errorf("%d kills made, want %d", k.kills.Load(), kills)
	}
	if retries == 0 && k.kills.Load() > 0 {
		t.Errorf("no record was retried: the kills did not hit the producers, so this run proves nothing")
	}
}

// produceUntil produces keyed records with producer index i to topic,
// about 2000 a second, until stop closes; it returns how many.
func produceUntil(p *samsa.Producer, i int, topic string, led *ledger, stop <-chan struct{}) int {
	ctx := context.Background()
	const keys = 499
	for seq := 0; ; seq++ {
		id := recordID(i, seq)
		r := samsa.Record{Topic: topic, Key: []byte(fmt.Sprintf("p%d-key-%d", i, seq%keys)), Value: recordValue(id, 40)}
		if seq%10 == 0 {
			r.Headers = []samsa.Header{{Key: "seq", Value: []byte(fmt.Sprint(seq))}}
		}
		led.produce(ctx, p, id, r)
		if seq%100 == 99 {
			select {
			case <-stop:
				return seq + 1
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}
