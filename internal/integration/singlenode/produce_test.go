package singlenode

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kgo"
)

func newProducer(t *testing.T, c *kafkatest.Cluster, props map[string]string) *samsa.Producer {
	t.Helper()
	cfg := itest.ProducerConfig(t, c.Bootstrap(kafkatest.PLAINTEXT), props)
	logs := &testLog{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // runs after CloseAtCleanup's: cleanups run last first
		if t.Failed() {
			t.Logf("the producer's log, last lines:\n%s", logs.tail(150))
		}
	})
	itest.CloseAtCleanup(t, p, 30*time.Second, true)
	return p
}

// testLog keeps the producer's debug log, shown when a test fails.
type testLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *testLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, string(b))
	if len(l.lines) > 4000 {
		l.lines = append(l.lines[:0:0], l.lines[2000:]...)
	}
	l.mu.Unlock()
	return len(b), nil
}

func (l *testLog) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines[max(0, len(l.lines)-n):], "")
}

// produceAndVerify produces recs, waits for all outcomes, reads them back
// and compares every record field by field with what was sent and what
// its callback said. already counts warm-up records in the topic.
func produceAndVerify(t *testing.T, c *kafkatest.Cluster, p *samsa.Producer, recs []samsa.Record, acks string, already int) {
	t.Helper()
	type outcome struct {
		md  samsa.RecordMetadata
		err error
	}
	outs := make([]outcome, len(recs))
	var wg sync.WaitGroup
	ctx := context.Background()
	for i, r := range recs {
		wg.Add(1)
		p.Produce(ctx, r, func(md samsa.RecordMetadata, err error) {
			outs[i] = outcome{md, err}
			wg.Done()
		})
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	byPos := map[[2]int64]int{}
	for i, o := range outs {
		if o.err != nil {
			t.Fatalf("record %d: %v", i, o.err)
		}
		if p, ok := recs[i].Partition.Number(); ok && o.md.Partition != p {
			t.Fatalf("record %d for partition %d went to %d", i, p, o.md.Partition)
		}
		if acks == "0" {
			if o.md.Offset != -1 {
				t.Fatalf("acks=0 record %d has offset %d", i, o.md.Offset)
			}
			continue
		}
		byPos[[2]int64{int64(o.md.Partition), o.md.Offset}] = i
	}
	all := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), recs[0].Topic, len(recs)+already, itest.ConsumeOpts{})
	if len(all) != len(recs)+already {
		t.Fatalf("read %d records, produced %d", len(all), len(recs)+already)
	}
	var got []*kgo.Record
	for _, g := range all {
		if string(g.Key) != warmUpKey {
			got = append(got, g)
		}
	}
	if acks == "0" {
		return // no offsets to match; the count and the codec tests cover content
	}
	for _, g := range got {
		i, ok := byPos[[2]int64{int64(g.Partition), g.Offset}]
		if !ok {
			t.Fatalf("record at %d/%d was never acknowledged there", g.Partition, g.Offset)
		}
		if diff := itest.Equal(g, recs[i], outs[i].md); diff != "" {
			t.Fatalf("record %d: %s", i, diff)
		}
	}
}

func TestShapesEveryCodecAndAcks(t *testing.T) {
	c := kafkatest.Shared(t)
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		for _, acks := range []string{"0", "1", "all"} {
			t.Run(codec+"/acks="+acks, func(t *testing.T) {
				topic := c.NewTopic(t, 3, 1)
				if acks == "0" {
					warmUp(t, c, topic, 3)
				}
				p := newProducer(t, c, map[string]string{
					"compression.type": codec, "acks": acks, "enable.idempotence": "false",
					"batch.size": "32768", "linger.ms": "2",
				})
				warm := 0
				if acks == "0" {
					warm = 3
				}
				produceAndVerify(t, c, p, itest.Shapes(topic, 3, 400), acks, warm)
			})
		}
	}
}

func TestCompressionLevels(t *testing.T) {
	c := kafkatest.Shared(t)
	for codec, level := range map[string]string{"gzip": "9", "lz4": "17", "zstd": "19"} {
		t.Run(codec, func(t *testing.T) {
			topic := c.NewTopic(t, 1, 1)
			p := newProducer(t, c, map[string]string{"compression.type": codec, "compression." + codec + ".level": level})
			produceAndVerify(t, c, p, itest.Shapes(topic, 1, 200), "all", 0)
		})
	}
}

func TestIdempotentDefault(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 3, 1)
	p := newProducer(t, c, nil) // Java defaults: acks=all, idempotence on
	produceAndVerify(t, c, p, itest.Shapes(topic, 3, 300), "all", 0)
}

func TestInvalidTopicName(t *testing.T) {
	c := kafkatest.Shared(t)
	p := newProducer(t, c, map[string]string{"max.block.ms": "1500"})
	_, err := p.SendSync(context.Background(), samsa.Record{Topic: "bad topic name", Value: []byte("x")})
	if !errors.Is(err, samsa.ErrInvalidTopic) {
		t.Fatalf("got %v, want ErrInvalidTopic", err)
	}
}

const warmUpKey = "warm-up"

// warmUp writes one record with acks=all to each partition. A broker that
// rejects an acks=0 request (a partition whose leadership it is still
// taking up, right after the topic was created) can only close the
// connection, and records pipelined behind it are lost: acks=0 gives no
// delivery guarantee. Tests of acks=0 start from partitions known to take
// writes.
func warmUp(t *testing.T, c *kafkatest.Cluster, topic string, partitions int) {
	t.Helper()
	p := newProducer(t, c, map[string]string{"acks": "all"})
	for i := range partitions {
		if _, err := p.SendSync(context.Background(), samsa.Record{
			Topic: topic, Partition: samsa.PartitionOf(int32(i)), Key: []byte(warmUpKey),
		}); err != nil {
			t.Fatalf("warm-up of partition %d: %v", i, err)
		}
	}
}
