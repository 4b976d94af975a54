package compat

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/samsa-go/samsa/internal/sender"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestCompatShapesAndCodecs produces records of every shape (null and
// empty keys and values, headers, explicit timestamps and partitions,
// large values) with each codec, idempotent and not, and reads every one
// back compared field by field.
func TestCompatShapesAndCodecs(t *testing.T) {
	c := kafkatest.Shared(t)
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		for _, idem := range []string{"true", "false"} {
			t.Run(codec+"/idempotence="+idem, func(t *testing.T) {
				topic := c.NewTopic(t, 3, 3)
				acks := "all"
				if idem == "false" {
					acks = "1"
				}
				p := newClient(t, c, map[string]string{
					"compression.type": codec, "enable.idempotence": idem, "acks": acks,
					"batch.size": "32768", "linger.ms": "5",
				})
				recs := itest.Shapes(topic, 3, 300)
				verifyReadBack(t, c, recs, produceAll(t, p, recs), itest.ConsumeOpts{})
			})
		}
	}
}

// TestCompatNegotiatedProduceVersion checks on the wire that every
// Produce request goes out at the highest version both the broker and
// samsa know: v12 on Kafka 4, v11 on 3.9, v9 before 3.7, where there are
// no KIP-951 leader hints (Produce v10).
func TestCompatNegotiatedProduceVersion(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 3, 3)
	p := newClient(t, c, nil)
	recs := itest.Shapes(topic, 3, 50)
	verifyReadBack(t, c, recs, produceAll(t, p, recs), itest.ConsumeOpts{})

	want := int16(-1)
	for _, id := range c.NodeIDs() {
		maxes, _ := brokerAPIs(t, c, id)
		v := min(maxes[kmsg.Produce.Int16()], sender.MaxProduceVersion)
		if want >= 0 && v != want {
			t.Fatalf("brokers disagree on the Produce version: %d and %d", want, v)
		}
		want = v
	}
	got := p.wire.Versions(kmsg.Produce)
	if len(got) != 1 || got[want] == 0 {
		t.Fatalf("Produce requests by version: %v; want all at v%d", got, want)
	}
	hints := "KIP-951 leader hints"
	if want < 10 {
		hints = "no leader hints"
	}
	t.Logf("matrix: Produce v%d, %s", want, hints)
}

// TestCompatIdempotentLeaderChange produces a numbered stream to one
// partition with the idempotent producer while its leader is stopped,
// restarted and made leader again (preferred replica election): every
// record must be acknowledged and read back exactly once, in order.
// Brokers before Kafka 3.7 send no KIP-951 leader hints, so there the
// producer finds the new leader through metadata alone.
func TestCompatIdempotentLeaderChange(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 1, 3)
	ctx := ctxTimeout(t, 5*time.Minute)
	first, err := c.Partition(ctx, 0, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := newClient(t, c, map[string]string{"linger.ms": "2", "max.in.flight.requests.per.connection": "5", "retry.backoff.ms": "50"})

	var (
		sent  atomic.Int64
		stop  = make(chan struct{})
		done  = make(chan struct{})
		mu    sync.Mutex
		acked = map[int64]samsa.RecordMetadata{}
		errs  []error
	)
	go func() {
		defer close(done)
		for i := int64(0); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p.Produce(ctx, samsa.Record{Topic: topic, Value: []byte(fmt.Sprintf("seq-%07d", i))}, func(md samsa.RecordMetadata, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("record %d: %w", i, err))
					return
				}
				acked[i] = md
			})
			sent.Add(1)
			if i%20 == 19 {
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()
	waitAcked := func(n int64) {
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			k := int64(len(acked))
			mu.Unlock()
			if k >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d records acknowledged, waiting for %d", k, n)
			}
		}
	}
	leaderNow := func(not int32) int32 {
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
			info, err := c.Partition(ctx, 0, topic, 0)
			if err == nil && info.Leader >= 0 && info.Leader != not {
				return info.Leader
			}
			if time.Now().After(deadline) {
				t.Fatalf("the leader is still %d (last error %v)", not, err)
			}
		}
	}
	waitAcked(500)
	old := first.Leader
	if err := c.Stop(ctx, old); err != nil {
		t.Fatal(err)
	}
	second := leaderNow(old)
	waitAcked(sent.Load() + 300)
	if err := c.Restart(ctx, old); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		info, err := c.Partition(ctx, 0, topic, 0)
		if err == nil && slices.Contains(info.ISR, old) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("broker %d did not rejoin the ISR: %+v %v", old, info, err)
		}
	}
	adm, closeAdm, err := c.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer closeAdm()
	res, err := adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, kadm.TopicsSet{topic: {0: {}}})
	if err != nil {
		t.Fatalf("preferred leader election: %v", err)
	}
	if r := res[topic][0]; r.Err != nil {
		t.Fatalf("preferred leader election: %v %s", r.Err, r.ErrMessage)
	}
	third := leaderNow(second)
	waitAcked(sent.Load() + 300)
	close(stop)
	<-done
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	n := sent.Load()
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Fatalf("%d records failed, first: %v", len(errs), errs[0])
	}
	if int64(len(acked)) != n {
		t.Fatalf("%d records acknowledged, %d sent", len(acked), n)
	}
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, int(n), itest.ConsumeOpts{Timeout: 2 * time.Minute})
	if int64(len(got)) != n {
		t.Fatalf("read %d records back, sent %d: duplicates or losses", len(got), n)
	}
	for i, g := range got {
		want := fmt.Sprintf("seq-%07d", i)
		if string(g.Value) != want || g.Offset != acked[int64(i)].Offset {
			t.Fatalf("offset %d holds %q, want %q acknowledged at offset %d", g.Offset, g.Value, want, acked[int64(i)].Offset)
		}
	}
	t.Logf("Kafka %s: %d records in order, exactly once, across leaders %d -> %d -> %d; Produce versions %v",
		c.Version(), n, old, second, third, p.wire.Versions(kmsg.Produce))
}

// TestCompatTransactionsSendOffsets runs consume-transform-produce
// rounds (commit, abort, commit) with SendOffsetsToTransaction and checks
// the output a read_committed consumer sees and the group's committed
// offsets. The producer must pick transactions v2 (KIP-890) exactly when
// the brokers finalized transaction.version 2, and fall back to v1
// (AddPartitionsToTxn, AddOffsetsToTxn) otherwise: checked on the wire.
func TestCompatTransactionsSendOffsets(t *testing.T) {
	c := kafkatest.Shared(t)
	in, out := c.NewTopic(t, 1, 3), c.NewTopic(t, 2, 3)
	group := kafkatest.TopicName(t) + "-group"
	bs := c.Bootstrap(kafkatest.PLAINTEXT)
	src := newClient(t, c, nil)
	var inRecs []samsa.Record
	for i := range 30 {
		inRecs = append(inRecs, samsa.Record{Topic: in, Value: []byte(fmt.Sprintf("in-%02d", i))})
	}
	for i, o := range produceAll(t, src, inRecs) {
		if o.err != nil {
			t.Fatalf("input record %d: %v", i, o.err)
		}
	}
	p := newClient(t, c, map[string]string{"transactional.id": kafkatest.TopicName(t), "linger.ms": "5"})
	if err := p.InitTransactions(ctxTimeout(t, time.Minute)); err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	itest.ConsumeTransformProduce{Producer: p.Producer, Bootstrap: bs, Admin: c.Admin, In: in, Out: out, Group: group}.Run(t)

	// Which protocol: v2 exactly when the brokers finalized
	// transaction.version >= 2 and know EndTxn v5.
	maxes, features := brokerAPIs(t, c, c.NodeIDs()[0])
	wantV2 := features["transaction.version"] >= 2 && maxes[kmsg.EndTxn.Int16()] >= 5
	addParts, addOffsets := p.wire.Sent(kmsg.AddPartitionsToTxn), p.wire.Sent(kmsg.AddOffsetsToTxn)
	if wantV2 && (addParts > 0 || addOffsets > 0) {
		t.Fatalf("transactions v2 broker, but the producer sent %d AddPartitionsToTxn and %d AddOffsetsToTxn", addParts, addOffsets)
	}
	if !wantV2 && (addParts == 0 || addOffsets < 3) {
		t.Fatalf("transactions v1 broker, but the producer sent %d AddPartitionsToTxn and %d AddOffsetsToTxn (want some, and one or more per transaction)", addParts, addOffsets)
	}
	if logged := p.log.count(fmt.Sprintf("transactions v2=%v", wantV2)); logged == 0 {
		t.Fatalf("the producer did not log transactions v2=%v", wantV2)
	}
	if wantV2 {
		t.Logf("matrix: transactions v2 (KIP-890)")
	} else {
		t.Logf("matrix: transactions v1 (AddPartitionsToTxn)")
	}
	t.Logf("EndTxn %v, TxnOffsetCommit %v", p.wire.Versions(kmsg.EndTxn), p.wire.Versions(kmsg.TxnOffsetCommit))
}

// TestCompatMessageTooLargeSplit sends batches far larger than the
// topic's max.message.bytes: the broker answers MESSAGE_TOO_LARGE and the
// producer splits them (halving) until they fit, idempotent or not,
// delivering every record once and in order.
func TestCompatMessageTooLargeSplit(t *testing.T) {
	c := kafkatest.Shared(t)
	for _, idem := range []string{"true", "false"} {
		t.Run("idempotence="+idem, func(t *testing.T) {
			topic := kafkatest.TopicName(t)
			limit := "16384"
			if err := c.CreateTopic(ctxTimeout(t, time.Minute), topic, 1, 3, map[string]*string{"max.message.bytes": &limit}); err != nil {
				t.Fatal(err)
			}
			acks := "all"
			if idem == "false" {
				acks = "1"
			}
			p := newClient(t, c, map[string]string{
				"enable.idempotence": idem, "acks": acks, "batch.size": "262144", "linger.ms": "200",
			})
			var recs []samsa.Record
			for i := range 200 {
				recs = append(recs, samsa.Record{Topic: topic, Key: []byte(fmt.Sprint(i)),
					Value: []byte(fmt.Sprintf("%04d-%s", i, strings.Repeat("v", 1000)))})
			}
			outs := produceAll(t, p, recs)
			verifyReadBack(t, c, recs, outs, itest.ConsumeOpts{})
			// Without idempotence a batch retried after a split may land
			// behind a later one (as in Java with more than one request in
			// flight); with it, order holds.
			for i := 1; i < len(outs) && idem == "true"; i++ {
				if outs[i].md.Offset != outs[i-1].md.Offset+1 {
					t.Fatalf("record %d at offset %d after %d: order lost in the split", i, outs[i].md.Offset, outs[i-1].md.Offset)
				}
			}
			splits, _ := p.Metrics().Value("producer-metrics", "batch-split-total")
			if splits == 0 {
				t.Fatal("no batch was split (batch-split-total 0): the test did not provoke MESSAGE_TOO_LARGE")
			}
			t.Logf("matrix: idempotence=%s split %v times", idem, splits)
		})
	}
}

// TestCompatThrottle sets a client quota (producer_byte_rate, KIP-257
// AlterClientQuotas) for the producer's client.id and produces well over
// it: the brokers throttle the producer (throttle_time_ms in Produce
// responses, KIP-219), which must wait as asked and still deliver every
// record.
func TestCompatThrottle(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 1, 3)
	clientID := kafkatest.TopicName(t)
	adm, closeAdm, err := c.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer closeAdm()
	entity := kadm.ClientQuotaEntity{{Type: "client-id", Name: &clientID}}
	ctx := ctxTimeout(t, 3*time.Minute)
	res, err := adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{{Entity: entity,
		Ops: []kadm.AlterClientQuotaOp{{Key: "producer_byte_rate", Value: 64 << 10}}}})
	if err == nil && len(res) == 1 {
		err = res[0].Err
	}
	if err != nil {
		t.Fatalf("AlterClientQuotas: %v", err)
	}
	waitQuota(t, c, adm, clientID)

	p := newClient(t, c, map[string]string{"client.id": clientID, "linger.ms": "5", "batch.size": "65536"})
	var recs []samsa.Record
	for i := range 600 {
		recs = append(recs, samsa.Record{Topic: topic, Value: []byte(fmt.Sprintf("%04d-%s", i, strings.Repeat("q", 1000)))})
	}
	start := time.Now()
	outs := produceAll(t, p, recs)
	took := time.Since(start)
	verifyReadBack(t, c, recs, outs, itest.ConsumeOpts{})
	maxThrottle, _ := p.Metrics().Value("producer-metrics", "produce-throttle-time-max")
	if maxThrottle <= 0 {
		t.Fatalf("no Produce response carried a throttle time (produce-throttle-time-max %v) after %v", maxThrottle, took)
	}
	t.Logf("600 KB at a 64 KB/s quota took %v; largest throttle %v ms", took.Round(time.Millisecond), maxThrottle)
	t.Logf("matrix: throttled, up to %v ms", maxThrottle)
}

// waitQuota waits until every broker applies the quota: a new quota is
// stored first (ZooKeeper or the metadata log) and reaches the brokers a
// moment later.
func waitQuota(t *testing.T, c *kafkatest.Cluster, adm *kadm.Client, clientID string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		d, err := adm.DescribeClientQuotas(ctxTimeout(t, time.Minute), true, []kadm.DescribeClientQuotaComponent{{Type: "client-id", MatchName: &clientID, MatchType: 0}})
		if err == nil && len(d) == 1 && len(d[0].Values) == 1 {
			time.Sleep(time.Second) // the describing broker has it; give the others a moment
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the quota for %s is not visible: %v %v", clientID, d, err)
		}
	}
}
