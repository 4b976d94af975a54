package compat

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// client is a producer under test with what it wrote on the wire and
// what it logged.
type client struct {
	*samsa.Producer
	wire *itest.WireLog
	log  *memLog
}

// newClient starts a producer on the cluster's PLAINTEXT listener with
// props on top of the defaults; its connections are recorded.
func newClient(t *testing.T, c *kafkatest.Cluster, props map[string]string) *client {
	t.Helper()
	cfg := itest.ProducerConfig(t, c.Bootstrap(kafkatest.PLAINTEXT), props)
	cl := &client{wire: &itest.WireLog{}, log: &memLog{}}
	cfg.Logger = slog.New(cl.log)
	cfg.Dial = cl.wire.Dial
	var err error
	cl.Producer, err = samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := cl.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			t.Logf("the producer's log, last lines:\n%s", cl.log.tail(120))
		}
	})
	return cl
}

// memLog keeps the producer's log records.
type memLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *memLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *memLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *memLog) WithGroup(string) slog.Handler            { return l }
func (l *memLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", r.Time.Format("15:04:05.000"), r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, b.String())
	if len(l.lines) > 5000 {
		l.lines = append(l.lines[:0:0], l.lines[2500:]...)
	}
	return nil
}

// count returns how many lines contain s.
func (l *memLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

func (l *memLog) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines[max(0, len(l.lines)-n):], "\n")
}

// brokerAPIs asks broker id for its ApiVersions with an independent client
// (kgo): its highest version of each API and its finalized features.
func brokerAPIs(t *testing.T, c *kafkatest.Cluster, id int32) (max map[int16]int16, features map[string]int16) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addr(id, kafkatest.PLAINTEXT)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("ApiVersions of broker %d: %v", id, err)
	}
	max, features = map[int16]int16{}, map[string]int16{}
	for _, k := range resp.ApiKeys {
		max[k.ApiKey] = k.MaxVersion
	}
	for _, f := range resp.FinalizedFeatures {
		features[f.Name] = f.MaxVersionLevel
	}
	return max, features
}

// outcome is one record's result.
type outcome struct {
	md  samsa.RecordMetadata
	err error
}

// produceAll produces recs, flushes and returns every record's outcome.
func produceAll(t *testing.T, p *client, recs []samsa.Record) []outcome {
	t.Helper()
	outs := make([]outcome, len(recs))
	var wg sync.WaitGroup
	var completed atomic.Int64
	ctx := context.Background()
	for i, r := range recs {
		wg.Add(1)
		p.Produce(ctx, r, func(md samsa.RecordMetadata, err error) {
			outs[i] = outcome{md, err}
			completed.Add(1)
			wg.Done()
		})
	}
	fctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := p.Flush(fctx); err != nil {
		t.Fatalf("flush: %v (%d of %d records have an outcome)", err, completed.Load(), len(recs))
	}
	wg.Wait()
	return outs
}

// verifyReadBack reads topic back with kgo and compares every record,
// field by field, with what was sent and acknowledged; it fails on a
// failed record, a record missing or one more than was sent.
func verifyReadBack(t *testing.T, c *kafkatest.Cluster, recs []samsa.Record, outs []outcome, o itest.ConsumeOpts) {
	t.Helper()
	byPos := map[[2]int64]int{}
	for i, out := range outs {
		if out.err != nil {
			t.Fatalf("record %d of %d failed: %v", i, len(recs), out.err)
		}
		byPos[[2]int64{int64(out.md.Partition), out.md.Offset}] = i
	}
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), recs[0].Topic, len(recs), o)
	if len(got) != len(recs) {
		t.Fatalf("read %d records back, produced %d", len(got), len(recs))
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

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
