package samsa

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// produceLog records the batches of every Produce request a kfake cluster
// receives, in order.
type produceLog struct {
	mu   sync.Mutex
	reqs [][]seenBatch
}

type seenBatch struct {
	bytes, records int
}

func logProduces(f *kfake.Cluster) *produceLog {
	l := &produceLog{}
	f.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		f.KeepControl()
		var seen []seenBatch
		for _, t := range r.(*kmsg.ProduceRequest).Topics {
			for _, p := range t.Partitions {
				b := seenBatch{bytes: len(p.Records)}
				if len(p.Records) >= 61 {
					b.records = int(binary.BigEndian.Uint32(p.Records[57:61]))
				}
				seen = append(seen, b)
			}
		}
		l.mu.Lock()
		l.reqs = append(l.reqs, seen)
		l.mu.Unlock()
		return nil, nil, false
	})
	return l
}

func (l *produceLog) requests() [][]seenBatch {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]seenBatch(nil), l.reqs...)
}

// TestSplitOversizedBatchFlushes: a batch the broker refuses with
// MESSAGE_TOO_LARGE (the topic's max.message.bytes is below batch.size)
// is split, as often as needed, and its records delivered; Flush returns
// once they are acknowledged, and every record is read back in order. The
// split costs one request per batch that results plus the refused ones:
// no record is accepted twice or resent after an OUT_OF_ORDER_SEQUENCE
// answer (the idempotent parts keep the refused batch's sequence numbers,
// with no epoch bump), and once a size was refused no batch that large is
// sent again.
func TestSplitOversizedBatchFlushes(t *testing.T) {
	const n, valueSize, maxMessage = 20, 300, 1000
	f := fakeCluster(t, kfake.NumBrokers(1))
	if err := f.CreateTopic("small", 1, map[string]string{"max.message.bytes": fmt.Sprint(maxMessage)}); err != nil {
		t.Fatal(err)
	}
	log := logProduces(f)
	p := testProducer(t, f.ListenAddrs(), func(c *Config) {
		c.Linger = 30 * time.Second // one batch of all the records, sent by Flush
		c.RetryBackoff, c.RetryBackoffMax = time.Second, 10*time.Second
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := p.PartitionsFor(ctx, "small"); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		errs []error
		offs []int64
	)
	for i := range n {
		v := bytes.Repeat([]byte{byte('a' + i)}, valueSize)
		p.Produce(ctx, Record{Topic: "small", Value: v}, func(md RecordMetadata, err error) {
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, err)
			offs = append(offs, md.Offset)
		})
	}
	flushed := make(chan error, 1)
	go func() { flushed <- p.Flush(ctx) }()
	select {
	case err := <-flushed:
		if err != nil {
			t.Fatalf("Flush: %v", err)
		}
	case <-time.After(30 * time.Second):
		mu.Lock()
		got := len(errs)
		mu.Unlock()
		t.Fatalf("Flush has not returned after 30 s; %d of %d records have their outcome; produce requests: %v", got, n, log.requests())
	}
	mu.Lock()
	if len(errs) != n || errors.Join(errs...) != nil {
		t.Fatalf("%d outcomes, errors: %v", len(errs), errors.Join(errs...))
	}
	for i, off := range offs {
		if off != int64(i) {
			t.Fatalf("record %d acknowledged at offset %d", i, off)
		}
	}
	mu.Unlock()
	for i, r := range consumeAll(t, f.ListenAddrs(), "small", n) {
		if want := bytes.Repeat([]byte{byte('a' + i)}, valueSize); !bytes.Equal(r.Value, want) {
			t.Fatalf("record %d read back is %q...", i, r.Value[:5])
		}
	}

	reqs := log.requests()
	accepted, refused, smallestRefused := 0, 0, 1<<31
	for _, req := range reqs {
		if len(req) != 1 {
			t.Fatalf("a request with %d batches of one partition: %v", len(req), reqs)
		}
		b := req[0]
		if b.bytes >= smallestRefused {
			t.Errorf("a %d-byte batch was sent after a %d-byte one was refused: %v", b.bytes, smallestRefused, reqs)
		}
		if b.bytes > maxMessage {
			refused++
			smallestRefused = b.bytes
			continue
		}
		accepted += b.records
	}
	if accepted != n {
		t.Errorf("the broker accepted %d records, want each of the %d once: requests %v", accepted, n, reqs)
	}
	splits, _ := p.Metrics().Value("producer-metrics", "batch-split-total")
	if refused == 0 || splits != float64(refused) {
		t.Errorf("%d batches refused, batch-split-total %v: requests %v", refused, splits, reqs)
	}
	t.Logf("%d produce requests (%d refused): %v", len(reqs), refused, reqs)
}

// TestBrokerRefusesRecordTooLarge: a record within max.request.size that
// the topic's max.message.bytes refuses fails with an error that says the
// broker refused it and why, carries the size of the batch the broker
// refused (the record alone), and matches both kerr.MessageTooLarge and
// ErrRecordTooLarge; the records around it, split from the same batch,
// are written.
func TestBrokerRefusesRecordTooLarge(t *testing.T) {
	const maxMessage = 1000
	f := fakeCluster(t, kfake.NumBrokers(1))
	if err := f.CreateTopic("small", 1, map[string]string{"max.message.bytes": fmt.Sprint(maxMessage)}); err != nil {
		t.Fatal(err)
	}
	log := logProduces(f)
	p := testProducer(t, f.ListenAddrs(), func(c *Config) { c.Linger = 30 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	values := [][]byte{bytes.Repeat([]byte("a"), 100), bytes.Repeat([]byte("B"), 1500), bytes.Repeat([]byte("c"), 100)}
	futures := make([]*Future, len(values))
	for i, v := range values {
		futures[i] = p.Send(ctx, Record{Topic: "small", Value: v})
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	var offsets []int64
	for i, f := range futures {
		md, err := f.Wait(ctx)
		if i != 1 {
			if err != nil {
				t.Fatalf("record %d, which fits: %v", i, err)
			}
			offsets = append(offsets, md.Offset)
			continue
		}
		var tl *RecordTooLargeError
		if !errors.Is(err, kerr.MessageTooLarge) || !errors.Is(err, ErrRecordTooLarge) || !errors.As(err, &tl) {
			t.Fatalf("the oversized record: %v; want an error matching kerr.MessageTooLarge and ErrRecordTooLarge", err)
		}
		reqs := log.requests()
		last := reqs[len(reqs)-1]
		refused := 0
		for _, req := range reqs {
			if req[0].records == 1 && req[0].bytes > maxMessage {
				refused = req[0].bytes
			}
		}
		if tl.Broker == nil || tl.Broker.Code != kerr.MessageTooLarge || tl.Setting != "max.message.bytes" ||
			tl.Size != refused || tl.Size < 1500 || tl.Topic != "small" {
			t.Fatalf("the oversized record: %#v (refused single-record batch: %d bytes; last request %v)", tl, refused, last)
		}
		msg := err.Error()
		for _, want := range []string{"broker refused", "max.message.bytes", "message.max.bytes", fmt.Sprint(tl.Size), "MESSAGE_TOO_LARGE"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not mention %q", msg, want)
			}
		}
		if strings.Contains(msg, "max.request.size") {
			t.Errorf("error %q blames max.request.size, which the record is within", msg)
		}
	}
	got := consumeAll(t, f.ListenAddrs(), "small", 2)
	for i, r := range got {
		if want := values[2*i]; !bytes.Equal(r.Value, want) || r.Offset != offsets[i] {
			t.Fatalf("record %d read back: %q at offset %d, want %q at %d", i, r.Value[:1], r.Offset, want[:1], offsets[i])
		}
	}
}
