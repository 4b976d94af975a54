package itest

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Admin makes an admin client and returns it with its close function, as
// kafkatest.Cluster.Admin does.
type Admin func(opts ...kgo.Opt) (*kadm.Client, func(), error)

// CommittedOffset polls the offset group committed for topic's
// partition until it is want or wait has passed, and returns the last
// one seen (-1 for none). A transaction's offsets become visible a moment
// after EndTxn returns, when the coordinator has written its markers.
func CommittedOffset(t testing.TB, admin Admin, group, topic string, partition int32, want int64, wait time.Duration) int64 {
	t.Helper()
	adm, closeAdm, err := admin()
	if err != nil {
		t.Fatal(err)
	}
	defer closeAdm()
	at := int64(-1)
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		offs, err := adm.FetchOffsets(ctx, group)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if o, ok := offs.Lookup(topic, partition); ok {
			at = o.At
		}
		if at == want {
			break
		}
	}
	return at
}

// Poller hands out a group consumer's records n at a time.
type Poller struct {
	Client  *kgo.Client
	pending []*kgo.Record
}

// Next returns the next n records, failing t if they do not come within a
// minute.
func (p *Poller) Next(t testing.TB, n int) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for len(p.pending) < n {
		fs := p.Client.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumer: %v", ctx.Err())
		}
		p.pending = append(p.pending, fs.Records()...)
	}
	out := p.pending[:n]
	p.pending = p.pending[n:]
	return out
}
