package txn

import (
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kadm"
)

// testOffsetsGroupIDOnly (issue 12.3): offsets sent with a GroupMetadata
// that names only the group, as a producer that is not the group's
// consumer has it, commit with the transaction. The coordinator must see
// generation -1 and an empty member id (a zero generation made it answer
// ILLEGAL_GENERATION), and an offset without a leader epoch is committed
// with the unknown epoch -1.
func testOffsetsGroupIDOnly(t *testing.T, c *kafkatest.Cluster) {
	in := c.NewTopic(t, 1, 3)
	out := c.NewTopic(t, 1, 3)
	group := kafkatest.TopicName(t) + "-group"
	p := newTxnProducer(t, c, kafkatest.TopicName(t), nil)
	commitOffsets(t, p, out, map[samsa.TopicPartition]samsa.OffsetAndMetadata{
		{Topic: in, Partition: 0}: {Offset: 7, Metadata: "first"},
	}, samsa.GroupMetadata{GroupID: group})
	got := awaitCommitted(t, c, group, in, 7)
	if got.LeaderEpoch != -1 || got.Metadata != "first" {
		t.Errorf("committed offset: epoch %d metadata %q, want the unknown epoch -1 and \"first\"", got.LeaderEpoch, got.Metadata)
	}

	// The partition's real leader epoch, 0 for a new topic's first
	// leader, is committed as given.
	epoch := leaderEpoch(t, c, in)
	commitOffsets(t, p, out, map[samsa.TopicPartition]samsa.OffsetAndMetadata{
		{Topic: in, Partition: 0}: {Offset: 9, LeaderEpoch: new(epoch)},
	}, samsa.GroupMetadata{GroupID: group})
	if got := awaitCommitted(t, c, group, in, 9); got.LeaderEpoch != epoch || got.Metadata != "" {
		t.Errorf("committed offset: epoch %d metadata %q, want epoch %d and no metadata", got.LeaderEpoch, got.Metadata, epoch)
	}
}

// leaderEpoch returns the leader epoch of topic's partition 0.
func leaderEpoch(t *testing.T, c *kafkatest.Cluster, topic string) int32 {
	t.Helper()
	adm, closeAdm, err := c.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer closeAdm()
	md, err := adm.Metadata(ctxTimeout(t, time.Minute), topic)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := md.Topics[topic].Partitions[0]
	if !ok {
		t.Fatalf("no metadata for %s[0]", topic)
	}
	return p.LeaderEpoch
}

// commitOffsets runs one transaction that writes a record to out and
// sends offsets for group, and commits it.
func commitOffsets(t *testing.T, p *samsa.Producer, out string, offsets map[samsa.TopicPartition]samsa.OffsetAndMetadata, group samsa.GroupMetadata) {
	t.Helper()
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	o := newOutcomes(t)
	o.produce(p, out, "", "with-offsets")
	if err := p.SendOffsetsToTransaction(ctxTimeout(t, time.Minute), offsets, group); err != nil {
		t.Fatalf("SendOffsetsToTransaction: %v", err)
	}
	if err := p.CommitTransaction(ctxTimeout(t, time.Minute)); err != nil {
		t.Fatalf("CommitTransaction: %v", err)
	}
	o.wait(t)
}

// awaitCommitted waits until group's committed offset of topic's
// partition 0 is want (the coordinator applies a committed transaction's
// offsets a moment after EndTxn returns) and returns it.
func awaitCommitted(t *testing.T, c *kafkatest.Cluster, group, topic string, want int64) kadm.Offset {
	t.Helper()
	adm, closeAdm, err := c.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer closeAdm()
	var last kadm.OffsetResponse
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		offs, err := adm.FetchOffsets(ctxTimeout(t, time.Minute), group)
		if err != nil {
			t.Fatal(err)
		}
		if o, ok := offs.Lookup(topic, 0); ok {
			last = o
			if o.At == want {
				return o.Offset
			}
		}
	}
	t.Fatalf("group %s never committed offset %d for %s[0]; last seen %+v", group, want, topic, last)
	return kadm.Offset{}
}
