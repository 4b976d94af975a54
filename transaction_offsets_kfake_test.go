package samsa

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// txnOffsetCommits records every TxnOffsetCommit request kfake decodes
// from the producer's bytes, and lets kfake answer it.
type txnOffsetCommits struct {
	mu   sync.Mutex
	reqs []*kmsg.TxnOffsetCommitRequest
}

func recordTxnOffsetCommits(c *kfake.Cluster) *txnOffsetCommits {
	rec := &txnOffsetCommits{}
	c.ControlKey(kmsg.TxnOffsetCommit.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, req.(*kmsg.TxnOffsetCommitRequest))
		rec.mu.Unlock()
		return nil, nil, false
	})
	return rec
}

func (r *txnOffsetCommits) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func (r *txnOffsetCommits) last(t *testing.T) *kmsg.TxnOffsetCommitRequest {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no TxnOffsetCommit request was sent")
	}
	return r.reqs[len(r.reqs)-1]
}

// sendOffsetsOnFake runs a transaction on a fresh kfake cluster that
// sends offsets with group, commits it, and returns the TxnOffsetCommit
// request as the broker decoded it.
func sendOffsetsOnFake(t *testing.T, offsets map[TopicPartition]OffsetAndMetadata, group GroupMetadata) *kmsg.TxnOffsetCommitRequest {
	t.Helper()
	c := fakeCluster(t, kfake.SeedTopics(1, "in", "out"))
	rec := recordTxnOffsetCommits(c)
	p, ctx := beginOnFake(t, c)
	p.Produce(ctx, Record{Topic: "out", Value: []byte("v")}, nil)
	if err := p.SendOffsetsToTransaction(ctx, offsets, group); err != nil {
		t.Fatalf("SendOffsetsToTransaction: %v", err)
	}
	if err := p.CommitTransaction(ctx); err != nil {
		t.Fatalf("CommitTransaction: %v", err)
	}
	return rec.last(t)
}

// beginOnFake starts a transactional producer on c and begins a
// transaction.
func beginOnFake(t *testing.T, c *kfake.Cluster) (*Producer, context.Context) {
	t.Helper()
	p := testProducer(t, c.ListenAddrs(), func(cfg *Config) { cfg.TransactionalID = "txn-" + t.Name() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	return p, ctx
}

// TestSendOffsetsUnsetFieldsAreUnknownOnTheWire (issue 12.3): fields left
// at their zero values must reach the group coordinator as Kafka's
// "unknown" values, as the Java client sends them: a GroupMetadata built
// from a group id alone is generation -1 with an empty member id and no
// instance id (generation 0 made the coordinator answer
// ILLEGAL_GENERATION), and an offset without a leader epoch carries
// epoch -1 (0 is a real epoch).
func TestSendOffsetsUnsetFieldsAreUnknownOnTheWire(t *testing.T) {
	req := sendOffsetsOnFake(t, map[TopicPartition]OffsetAndMetadata{{Topic: "in", Partition: 0}: {Offset: 42}},
		GroupMetadata{GroupID: "g"})
	if req.Group != "g" || req.Generation != -1 || req.MemberID != "" || req.InstanceID != nil {
		t.Errorf("group on the wire: id %q generation %d member %q instance %v; want g, -1, \"\", null",
			req.Group, req.Generation, req.MemberID, req.InstanceID)
	}
	if len(req.Topics) != 1 || len(req.Topics[0].Partitions) != 1 {
		t.Fatalf("offsets on the wire: %+v, want one partition", req.Topics)
	}
	p := req.Topics[0].Partitions[0]
	if req.Topics[0].Topic != "in" || p.Partition != 0 || p.Offset != 42 || p.LeaderEpoch != -1 || p.Metadata != nil {
		t.Errorf("offset on the wire: %s[%d] offset %d epoch %d metadata %v; want in[0] offset 42 epoch -1 metadata null",
			req.Topics[0].Topic, p.Partition, p.Offset, p.LeaderEpoch, p.Metadata)
	}
}

// TestSendOffsetsSetFieldsOnTheWire: what the caller sets goes on the
// wire as given, epoch 0 included (a partition's first leader epoch), and
// a negative epoch is the unknown -1, as in the Java client.
func TestSendOffsetsSetFieldsOnTheWire(t *testing.T) {
	instance := "static-1"
	offsets := map[TopicPartition]OffsetAndMetadata{
		{Topic: "in", Partition: 0}: {Offset: 10, LeaderEpoch: new(int32(0)), Metadata: "m0"},
		{Topic: "in", Partition: 1}: {Offset: 11, LeaderEpoch: new(int32(7))},
		{Topic: "in", Partition: 2}: {Offset: 12, LeaderEpoch: new(int32(-3))},
	}
	c := fakeCluster(t, kfake.SeedTopics(3, "in", "out"))
	rec := recordTxnOffsetCommits(c)
	// kfake has no group with this member: take the request as it comes
	// and answer it with no error, for the wire is what this test checks.
	c.ControlKey(kmsg.TxnOffsetCommit.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := req.ResponseKind().(*kmsg.TxnOffsetCommitResponse)
		resp.SetVersion(req.GetVersion())
		for _, rt := range req.(*kmsg.TxnOffsetCommitRequest).Topics {
			t := kmsg.TxnOffsetCommitResponseTopic{Topic: rt.Topic}
			for _, p := range rt.Partitions {
				t.Partitions = append(t.Partitions, kmsg.TxnOffsetCommitResponseTopicPartition{Partition: p.Partition})
			}
			resp.Topics = append(resp.Topics, t)
		}
		return resp, nil, true
	})
	p, ctx := beginOnFake(t, c)
	group := GroupMetadata{GroupID: "g", GenerationID: 3, MemberID: "member-1", GroupInstanceID: instance}
	if err := p.SendOffsetsToTransaction(ctx, offsets, group); err != nil {
		t.Fatalf("SendOffsetsToTransaction: %v", err)
	}
	req := rec.last(t)
	if req.Generation != 3 || req.MemberID != "member-1" || req.InstanceID == nil || *req.InstanceID != instance {
		t.Errorf("group on the wire: generation %d member %q instance %v", req.Generation, req.MemberID, req.InstanceID)
	}
	want := map[int32][2]int64{0: {10, 0}, 1: {11, 7}, 2: {12, -1}}
	for _, rt := range req.Topics {
		for _, rp := range rt.Partitions {
			w, ok := want[rp.Partition]
			if !ok || rp.Offset != w[0] || int64(rp.LeaderEpoch) != w[1] {
				t.Errorf("in[%d] on the wire: offset %d epoch %d, want %v", rp.Partition, rp.Offset, rp.LeaderEpoch, w)
			}
			delete(want, rp.Partition)
			if md := rp.Metadata; (rp.Partition == 0) != (md != nil) || md != nil && *md != "m0" {
				t.Errorf("in[%d] metadata on the wire: %v", rp.Partition, md)
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("partitions missing from the request: %v", want)
	}

	// A negative offset is refused before anything is sent.
	n := rec.count()
	err := p.SendOffsetsToTransaction(ctx, map[TopicPartition]OffsetAndMetadata{{Topic: "in", Partition: 1}: {Offset: -1}}, group)
	if err == nil || !strings.Contains(err.Error(), "offset -1 for in[1] is negative") {
		t.Errorf("SendOffsetsToTransaction with a negative offset: %v", err)
	}
	if rec.count() != n {
		t.Errorf("a TxnOffsetCommit was sent for a negative offset")
	}
	// So is a group without an id: bad input, not a transaction state.
	err = p.SendOffsetsToTransaction(ctx, offsets, GroupMetadata{MemberID: "member-1"})
	if err == nil || errors.Is(err, ErrTransactionState) || !strings.Contains(err.Error(), "GroupMetadata.GroupID") {
		t.Errorf("SendOffsetsToTransaction without a group id: %v, want an error naming GroupMetadata.GroupID", err)
	}
	if rec.count() != n {
		t.Errorf("a TxnOffsetCommit was sent without a group id")
	}
	if err := p.AbortTransaction(ctx); err != nil {
		t.Fatal(err)
	}
}
