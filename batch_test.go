package samsa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestSendBatch builds batches until they report full and sends them to one
// partition between ordinary records: the broker holds everything in call
// order, each batch's records contiguous, and the futures' offsets match.
func TestSendBatch(t *testing.T) {
	c := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(3, "t"))
	p := testProducer(t, c.ListenAddrs(), func(cfg *Config) { cfg.BatchSize = 2000; cfg.Linger = 50 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var want []string
	produce := func(v string) {
		p.Produce(ctx, Record{Topic: "t", Partition: PartitionOf(1), Value: []byte(v)}, nil)
		want = append(want, v)
	}
	produce("before-0")
	produce("before-1")
	var futures []*BatchFuture
	n := 0
	for range 3 {
		b := p.CreateBatch()
		var vals []string
		for {
			v := fmt.Sprintf("batch-%03d-%s", n, string(make([]byte, 40)))
			err := b.Append(Record{Key: []byte("k"), Value: []byte(v), Headers: []Header{{Key: "h", Value: []byte("x")}}})
			if errors.Is(err, ErrBatchFull) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			vals = append(vals, v)
			n++
		}
		if b.Len() < 10 || b.Size() > 2000 {
			t.Fatalf("a full batch of batch.size 2000 has %d records, %d bytes", b.Len(), b.Size())
		}
		futures = append(futures, p.SendBatch(ctx, b, TopicPartition{Topic: "t", Partition: 1}))
		want = append(want, vals...)
		produce(fmt.Sprint("between-", len(futures)))
	}
	for i, f := range futures {
		mds, err := f.Wait(ctx)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		for j, md := range mds {
			if md.Partition != 1 || md.Offset != mds[0].Offset+int64(j) {
				t.Fatalf("batch %d record %d: partition %d offset %d, want 1 and %d", i, j, md.Partition, md.Offset, mds[0].Offset+int64(j))
			}
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := consumeAll(t, c.ListenAddrs(), "t", len(want))
	for i, r := range got {
		if r.Partition != 1 || string(r.Value) != want[i] {
			t.Fatalf("record %d: %s at partition %d, want %s at 1", i, r.Value, r.Partition, want[i])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
}

// TestSendBatchErrors: bad destinations and misuse fail every record of
// the batch with an error naming the problem.
func TestSendBatchErrors(t *testing.T) {
	c := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "t"))
	p := testProducer(t, c.ListenAddrs(), func(cfg *Config) { cfg.MaxRequestSize = 10000 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	b := p.CreateBatch()
	var tl *RecordTooLargeError
	if err := b.Append(Record{Value: make([]byte, 20000)}); !errors.As(err, &tl) || tl.Max != 10000 {
		t.Fatalf("a record over max.request.size: %v", err)
	}
	big := make([]byte, 9000) // below batch.size (16384) and max.request.size
	if err := b.Append(Record{Value: big}); err != nil {
		t.Fatalf("a first record below max.request.size: %v", err)
	}
	b.Append(Record{Value: []byte("a")})
	mds, err := p.SendBatch(ctx, b, TopicPartition{Topic: "t", Partition: 7}).Wait(ctx)
	if !errors.Is(err, ErrInvalidPartition) || len(mds) != 2 || mds[1].Partition != 7 {
		t.Fatalf("partition 7 of a 2-partition topic: %v, %v", mds, err)
	}
	if _, err := p.SendBatch(ctx, b, TopicPartition{Topic: "t", Partition: 0}).Wait(ctx); err == nil ||
		errors.Is(err, ErrTransactionState) || !strings.Contains(err.Error(), "already sent") {
		t.Fatalf("sending a batch twice: %v, want an error saying it was already sent", err)
	}
	if err := b.Append(Record{Value: []byte("late")}); err == nil || !strings.Contains(err.Error(), "already sent") {
		t.Fatalf("appending to a sent batch: %v, want an error saying it was already sent", err)
	}
	b2 := p.CreateBatch()
	b2.Append(Record{Value: []byte("x")})
	if _, err := p.SendBatch(ctx, b2, TopicPartition{Topic: "bad topic!", Partition: 0}).Wait(ctx); !errors.Is(err, ErrInvalidTopic) {
		t.Fatalf("an invalid topic: %v", err)
	}
	if mds, err := p.SendBatch(ctx, p.CreateBatch(), TopicPartition{Topic: "t", Partition: 0}).Wait(ctx); err != nil || len(mds) != 0 {
		t.Fatalf("an empty batch: %v %v", mds, err)
	}
}
