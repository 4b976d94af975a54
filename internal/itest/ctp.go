package itest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ConsumeTransformProduce describes a consume-transform-produce run on a
// real cluster: In holds 30 records "in-00".."in-29" in partition 0, read
// by a consumer group; Producer (transactional, initialized) writes
// "out-of-" + value to Out and the group's offsets in each transaction.
type ConsumeTransformProduce struct {
	Producer  *samsa.Producer
	Bootstrap []string
	Admin     Admin
	In, Out   string
	Group     string
}

// Run makes three transactions of 10 input records each (commit, abort,
// commit) and checks that the group's committed offset moves only with
// the committed ones (10, still 10, 30) and that read_committed sees
// exactly the committed transactions' output.
func (c ConsumeTransformProduce) Run(t testing.TB) {
	t.Helper()
	cons, err := kgo.NewClient(kgo.SeedBrokers(c.Bootstrap...), kgo.ConsumeTopics(c.In), kgo.ConsumerGroup(c.Group),
		kgo.DisableAutoCommit(), kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(200*time.Millisecond),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	poller := &Poller{Client: cons}
	steps := []struct {
		commit bool
		want   int64
		wait   time.Duration
	}{{true, 10, 20 * time.Second}, {false, 20, 3 * time.Second}, {true, 30, 20 * time.Second}}
	committed := int64(0)
	for i, s := range steps {
		c.transaction(t, cons, poller.Next(t, 10), s.commit)
		if s.commit {
			committed = s.want
		}
		if got := CommittedOffset(t, c.Admin, c.Group, c.In, 0, s.want, s.wait); got != committed {
			t.Fatalf("after transaction %d (commit %v) the group's offset is %d, want %d", i+1, s.commit, got, committed)
		}
	}
	rc := ConsumeAll(t, c.Bootstrap, c.Out, 20, ConsumeOpts{ReadCommitted: true})
	var got, want []string
	for _, r := range rc {
		got = append(got, string(r.Value))
	}
	for i := range 30 {
		if i < 10 || i >= 20 {
			want = append(want, fmt.Sprintf("out-of-in-%02d", i))
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("read_committed output: %v, want %v", got, want)
	}
}

// transaction writes the transformed recs and the group's offset past
// them in one transaction, then commits or aborts it. Records of a
// committed transaction must all be acknowledged.
func (c ConsumeTransformProduce) transaction(t testing.TB, cons *kgo.Client, recs []*kgo.Record, commit bool) {
	t.Helper()
	p := c.Producer
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for _, r := range recs {
		wg.Add(1)
		out := samsa.Record{Topic: c.Out, Key: r.Value, Value: []byte("out-of-" + string(r.Value))}
		p.Produce(context.Background(), out, func(_ samsa.RecordMetadata, err error) {
			if err != nil && commit {
				failed.Add(1)
			}
			wg.Done()
		})
	}
	last := recs[len(recs)-1]
	member, gen := cons.GroupMetadata()
	offsets := map[samsa.TopicPartition]samsa.OffsetAndMetadata{
		{Topic: c.In, Partition: last.Partition}: {Offset: last.Offset + 1, LeaderEpoch: new(last.LeaderEpoch)},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.SendOffsetsToTransaction(ctx, offsets, samsa.GroupMetadata{GroupID: c.Group, GenerationID: gen, MemberID: member}); err != nil {
		t.Fatalf("SendOffsetsToTransaction: %v", err)
	}
	var err error
	if commit {
		err = p.CommitTransaction(ctx)
	} else {
		_ = p.Flush(ctx)
		err = p.AbortTransaction(ctx)
	}
	if err != nil {
		t.Fatalf("ending the transaction (commit %v): %v", commit, err)
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d records of a committed transaction failed", n)
	}
}
