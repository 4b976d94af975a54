package soak

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
)

// outage produces a steady stream to topic while the whole cluster is
// down for down (every broker killed with kill -9, then all restarted),
// and for a while after; it returns the reconciliation and the time the
// cluster took to come back.
func outage(t *testing.T, c *kafkatest.Cluster, topic string, props map[string]string, down time.Duration) (report, time.Duration) {
	p := newProducer(t, c, props)
	led := newLedger()
	ctx := context.Background()
	seq := 0
	produceFor := func(d time.Duration) {
		for end := time.Now().Add(d); time.Now().Before(end); {
			for range 20 {
				id := recordID(0, seq)
				led.produce(ctx, p, id, samsa.Record{Topic: topic, Key: []byte(fmt.Sprintf("key-%d", seq%101)), Value: recordValue(id, 20)})
				seq++
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	produceFor(3 * time.Second)
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	itest.KillAll(t, c)
	atKill := seq
	t.Logf("all brokers killed after %d records", atKill)
	produceFor(down)
	start := time.Now()
	itest.RestartAll(t, c)
	back := time.Since(start)
	atBack := seq
	t.Logf("cluster back %v after the restart began; %d records produced while it was down", back.Round(time.Millisecond), atBack-atKill)
	produceFor(3 * time.Second)
	fctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	if err := p.Flush(fctx); err != nil {
		t.Fatalf("flush: %v (%d of %d outcomes)", err, led.outcomes(), seq)
	}
	rep := led.reconcile(t, c, topic)
	t.Logf("%v; producer retries %.0f", rep, metric(p, "record-retry-total"))
	rep.logFailures(t)
	for id, err := range led.failed {
		if !errors.Is(err, samsa.ErrDeliveryTimeout) && !errors.Is(err, samsa.ErrOutcomeUnknown) {
			t.Errorf("record %x failed with %v, want ErrDeliveryTimeout or ErrOutcomeUnknown", id, err)
			break
		}
	}
	// Once the cluster is back, the producer must deliver again.
	led.mu.Lock()
	defer led.mu.Unlock()
	for i := atBack; i < seq; i++ {
		if err, failed := led.failed[recordID(0, i)]; failed {
			t.Errorf("record %d, produced after the cluster was back, failed: %v", i, err)
			break
		}
	}
	return rep, back
}

// TestOutageShortDeliveryTimeout stops the whole cluster for longer than
// delivery.timeout.ms under load: the records that were waiting fail with
// ErrDeliveryTimeout, none is silently dropped, and after the restart the
// producer delivers again, without duplicates or reordering.
func TestOutageShortDeliveryTimeout(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 3, 3)
	props := map[string]string{
		"acks": "all", "enable.idempotence": "true", "linger.ms": "5",
		"delivery.timeout.ms": "8000", "request.timeout.ms": "3000",
	}
	rep, _ := outage(t, c, topic, props, 12*time.Second)
	if rep.timedOut == 0 {
		t.Errorf("no record failed with ErrDeliveryTimeout although the cluster was down for longer than delivery.timeout.ms")
	}
	if rep.acked == 0 {
		t.Errorf("no record was acknowledged")
	}
	// The records produced after the restart must be delivered: the
	// producer must not stay broken after the timeouts.
	rep.requireExact(t)
}

// TestOutageLongDeliveryTimeout stops the whole cluster for a shorter
// time than delivery.timeout.ms: every record buffered during the outage
// is delivered exactly once, in order.
func TestOutageLongDeliveryTimeout(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 3, 3)
	props := map[string]string{
		"acks": "all", "enable.idempotence": "true", "linger.ms": "5", "delivery.timeout.ms": "180000",
	}
	rep, _ := outage(t, c, topic, props, 8*time.Second)
	if rep.failed > 0 {
		t.Errorf("%d records failed, want every one delivered after the outage", rep.failed)
	}
	rep.requireExact(t)
}
