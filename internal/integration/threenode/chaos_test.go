package threenode

import (
	"context"
	"encoding/binary"

	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
)

func newProducer(t *testing.T, c *kafkatest.Cluster, props map[string]string) *samsa.Producer {
	t.Helper()
	return startProducer(t, itest.ProducerConfig(t, c.Bootstrap(kafkatest.PLAINTEXT), props))
}

// startProducer returns a producer of cfg, closed when the test ends.
func startProducer(t *testing.T, cfg samsa.Config) *samsa.Producer {
	t.Helper()
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	itest.CloseAtCleanup(t, p, 60*time.Second, false)
	return p
}

// chaos kills a partition leader with kill -9 every interval, restarts it
// after down, until stop is closed or kills kills were made; it returns
// the kills made.
func chaos(t *testing.T, c *kafkatest.Cluster, topic string, partitions int32, kills int, interval, down time.Duration, stop <-chan struct{}) int {
	t.Helper()
	ctx := context.Background()
	made := 0
	for made < kills {
		select {
		case <-stop:
			return made
		case <-time.After(interval):
		}
		info, err := c.Partition(ctx, c.NodeIDs()[0], topic, rand.Int32N(partitions))
		if err != nil || info.Leader < 0 {
			continue
		}
		if err := c.Kill(info.Leader); err != nil {
			t.Errorf("kill %d: %v", info.Leader, err)
			return made
		}
		made++
		t.Logf("kill #%d: node %d (a partition leader of %s)", made, info.Leader, topic)
		time.Sleep(down)
		rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err = c.Restart(rctx, info.Leader)
		cancel()
		if err != nil {
			t.Errorf("restart %d: %v", info.Leader, err)
			return made
		}
	}
	return made
}

// ledger tracks what was sent to each partition and what came back.
type ledger struct {
	mu       sync.Mutex
	acked    map[uint64]samsa.RecordMetadata // record id -> metadata
	failed   map[uint64]error
	outcomes atomic.Int64
}

func newLedger() *ledger {
	return &ledger{acked: map[uint64]samsa.RecordMetadata{}, failed: map[uint64]error{}}
}

func (l *ledger) record(id uint64) func(samsa.RecordMetadata, error) {
	return func(md samsa.RecordMetadata, err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.outcomes.Add(1)
		_, dupAck := l.acked[id]
		_, dupFail := l.failed[id]
		if dupAck || dupFail {
			panic(fmt.Sprintf("record %d got a second outcome", id))
		}
		if err != nil {
			l.failed[id] = err
			return
		}
		l.acked[id] = md
	}
}

// runChaos produces n keyed records paced over the chaos period, with
// kills leader kills, and checks every record's outcome against what a
// consumer reads back. With exactlyOnce it also demands no duplicates and
// per-key send order.
func runChaos(t *testing.T, props map[string]string, n, kills int, exactlyOnce bool) {
	c := kafkatest.Shared(t)
	const partitions = 6
	topic := c.NewTopic(t, partitions, 3)
	p := newProducer(t, c, props)
	led := newLedger()
	stop := make(chan struct{})
	killsMade := make(chan int, 1)
	go func() { killsMade <- chaos(t, c, topic, partitions, kills, 2*time.Second, 1500*time.Millisecond, stop) }()

	ctx := context.Background()
	const keys = 997
	start := time.Now()
	chaosOver := false
	sent := 0
	for ; sent < n || !chaosOver; sent++ {
		id := uint64(sent)
		val := make([]byte, 8, 64)
		binary.BigEndian.PutUint64(val, id)
		val = append(val, "payload-payload-payload-payload"...)
		p.Produce(ctx, samsa.Record{Topic: topic, Key: []byte(fmt.Sprintf("key-%d", sent%keys)), Value: val}, led.record(id))
		if sent%100 == 99 {
			// About 5000 records a second, so that the kills land
			// throughout the stream.
			time.Sleep(20 * time.Millisecond)
			select {
			case made := <-killsMade:
				chaosOver = true
				killsMade <- made
			default:
			}
		}
	}
	n = sent
	defer func() {
		ms := p.Metrics()
		retries, _ := ms.Value("producer-metrics", "record-retry-total")
		errs, _ := ms.Value("producer-metrics", "record-error-total")
		t.Logf("producer metrics: record-retry-total %.0f, record-error-total %.0f", retries, errs)
		if retries == 0 {
			t.Errorf("no record was retried: the kills did not hit the producer, so this run proves nothing")
		}
	}()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	made := <-killsMade
	t.Logf("%d records, %d kills in %v", n, made, time.Since(start).Round(time.Millisecond))
	if got := led.outcomes.Load(); got != int64(n) {
		t.Fatalf("%d outcomes for %d records", got, n)
	}
	for id, err := range led.failed {
		t.Errorf("record %d failed: %v", id, err)
		if len(led.failed) > 5 {
			t.Fatalf("%d records failed", len(led.failed))
		}
	}
	verify(t, c, topic, n, keys, led, exactlyOnce)
	if made < kills {
		t.Errorf("only %d of %d kills were made", made, kills)
	}
}

func verify(t *testing.T, c *kafkatest.Cluster, topic string, n, keys int, led *ledger, exactlyOnce bool) {
	t.Helper()
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, len(led.acked), itest.ConsumeOpts{
		ReadCommitted: true, Timeout: 2 * time.Minute,
	})
	seen := map[uint64]int{}
	lastByKey := map[string]uint64{}
	reordered := 0
	for _, r := range got {
		id := binary.BigEndian.Uint64(r.Value)
		seen[id]++
		if md, ok := led.acked[id]; ok && seen[id] == 1 && (md.Partition != r.Partition || md.Offset != r.Offset) && exactlyOnce {
			t.Errorf("record %d acknowledged at %d/%d, found at %d/%d", id, md.Partition, md.Offset, r.Partition, r.Offset)
		}
		k := string(r.Key)
		if last, ok := lastByKey[k]; ok && id <= last && seen[id] == 1 {
			reordered++
		}
		lastByKey[k] = id
	}
	lost, dups := 0, 0
	for id := range led.acked {
		switch seen[id] {
		case 0:
			lost++
		case 1:
		default:
			dups += seen[id] - 1
		}
	}
	t.Logf("read %d records: %d acknowledged, %d lost, %d duplicates, %d out of order", len(got), len(led.acked), lost, dups, reordered)
	if lost > 0 {
		t.Errorf("%d acknowledged records are missing", lost)
	}
	if exactlyOnce && (dups > 0 || reordered > 0) {
		t.Errorf("exactly once in order violated: %d duplicates, %d out of order", dups, reordered)
	}
}

// TestIdempotentUnderLeaderKills is the exactly-once proof: a stream of
// keyed records while partition leaders are killed with kill -9 and
// restarted; every record must be in the topic exactly once, in send order
// per key (and so per partition).
func TestIdempotentUnderLeaderKills(t *testing.T) {
	n, kills := 200_000, 10
	if testing.Short() {
		n, kills = 40_000, 3
	}
	runChaos(t, map[string]string{"acks": "all", "enable.idempotence": "true", "linger.ms": "5"}, n, kills, true)
}

// TestAcksAllNoLossUnderLeaderKills: without idempotence, retries may
// duplicate but must never lose an acknowledged record.
func TestAcksAllNoLossUnderLeaderKills(t *testing.T) {
	runChaos(t, map[string]string{"acks": "all", "enable.idempotence": "false"}, 30_000, 3, false)
}
