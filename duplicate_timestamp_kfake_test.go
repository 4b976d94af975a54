package samsa

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestDuplicateResponseKeepsCreateTime: Kafka answers a retried batch
// that it already has (a duplicate sequence) with the original batch's
// offsets and, as log_append_time, that batch's max timestamp, even on a
// CreateTime topic. The records' metadata must keep their own create
// timestamps instead of reporting the batch's max timestamp as a
// LogAppendTime for every record (seen as 1 ms differences between
// acknowledged and stored timestamps in the three-node soak).
func TestDuplicateResponseKeepsCreateTime(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "dup"))
	attempts := 0
	// First attempt: a retriable error, so the batch is sent again.
	fake.ControlKey(kmsg.Produce.Int16(), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		attempts++
		req := kr.(*kmsg.ProduceRequest)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = 6 // NOT_LEADER_OR_FOLLOWER
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	// Second attempt: answered as Kafka answers a duplicate.
	fake.ControlKey(kmsg.Produce.Int16(), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		attempts++
		req := kr.(*kmsg.ProduceRequest)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				var batch kmsg.RecordBatch
				if err := batch.ReadFrom(rp.Records); err != nil {
					t.Errorf("decoding the produced batch: %v", err)
				}
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.BaseOffset = 40
				sp.LogAppendTime = batch.MaxTimestamp
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.Linger = 100 * time.Millisecond
		c.RetryBackoff = 10 * time.Millisecond
	})
	base := time.UnixMilli(1_700_000_000_000)
	const n = 3
	mds := make([]RecordMetadata, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		r := Record{Topic: "dup", Partition: PartitionOf(0), Value: []byte{byte(i)}, Timestamp: base.Add(time.Duration(i) * time.Millisecond)}
		p.Produce(context.Background(), r, func(md RecordMetadata, err error) { mds[i], errs[i] = md, err; wg.Done() })
	}
	if err := p.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if attempts != 2 {
		t.Fatalf("%d produce attempts, want 2 (the records must share one batch)", attempts)
	}
	for i, md := range mds {
		if errs[i] != nil {
			t.Fatalf("record %d: %v", i, errs[i])
		}
		want := base.Add(time.Duration(i) * time.Millisecond)
		if md.TimestampType != CreateTime || !md.Timestamp.Equal(want) || md.Offset != int64(40+i) {
			t.Errorf("record %d: %v timestamp %v at offset %d, want CreateTime %v at %d", i, md.TimestampType, md.Timestamp, md.Offset, want, 40+i)
		}
	}
}
