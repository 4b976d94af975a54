package singlenode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/samsa-go/samsa/kerr"
)

// TestMessageTooLargeSplitAndRefusal: on a topic whose max.message.bytes
// is far below batch.size, a batch of small records that Kafka refuses
// with MESSAGE_TOO_LARGE is split until Kafka takes it; Flush returns once
// the records are acknowledged, and they are read back in order. A record
// too large for the topic on its own fails with an error that says Kafka
// refused it, names max.message.bytes, carries its size and matches both
// kerr.MessageTooLarge and samsa.ErrRecordTooLarge.
func TestMessageTooLargeSplitAndRefusal(t *testing.T) {
	const maxMessage, small, n = 2000, 300, 30
	c := kafkatest.Shared(t)
	topic := kafkatest.TopicName(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	limit := fmt.Sprint(maxMessage)
	if err := c.CreateTopic(ctx, topic, 1, 1, map[string]*string{"max.message.bytes": &limit}); err != nil {
		t.Fatal(err)
	}
	p := newProducer(t, c, map[string]string{"linger.ms": "10000"}) // Flush sends one batch of everything
	if _, err := p.PartitionsFor(ctx, topic); err != nil {
		t.Fatal(err)
	}
	var sent []samsa.Record
	var futures []*samsa.Future
	big := n / 2
	for i := range n {
		size := small
		if i == big {
			size = maxMessage + 500
		}
		r := samsa.Record{Topic: topic, Key: []byte(fmt.Sprint("k", i)), Value: bytes.Repeat([]byte{byte('a' + i%26)}, size)}
		futures = append(futures, p.Send(ctx, r))
		if i != big {
			sent = append(sent, r)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush after a split: %v", err)
	}
	var mds []samsa.RecordMetadata
	for i, f := range futures {
		md, err := f.Wait(ctx)
		if i != big {
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			mds = append(mds, md)
			continue
		}
		var tl *samsa.RecordTooLargeError
		if !errors.Is(err, kerr.MessageTooLarge) || !errors.Is(err, samsa.ErrRecordTooLarge) || !errors.As(err, &tl) {
			t.Fatalf("the record above max.message.bytes: %v", err)
		}
		if tl.Size <= maxMessage || tl.Setting != "max.message.bytes" || tl.Broker == nil || tl.Topic != topic ||
			!strings.Contains(err.Error(), "broker refused") || strings.Contains(err.Error(), "max.request.size") {
			t.Fatalf("the record above max.message.bytes: %v (%#v)", err, tl)
		}
	}
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, len(sent), itest.ConsumeOpts{})
	if len(got) != len(sent) {
		t.Fatalf("read %d records, want %d", len(got), len(sent))
	}
	for i, r := range got {
		if d := itest.Equal(r, sent[i], mds[i]); d != "" {
			t.Fatalf("record %d: %s", i, d)
		}
	}
	if splits, _ := p.Metrics().Value("producer-metrics", "batch-split-total"); splits < 1 {
		t.Fatalf("batch-split-total = %v; the batch was never refused, so nothing was tested", splits)
	}
}

// TestRecordSizeLimitJavaBoundary: with max.request.size=1000, the
// largest record the producer sends is the one the Java producer sends
// (its size bound, AbstractRecords.estimateSizeInBytesUpperBound, is
// 61+21 bytes of batch and record overhead, 1 for a null key, 2+v for a
// value of v bytes, 1 for no headers: 1000 for v = 914), and Kafka takes
// it; a byte more is refused before sending, naming the size and limit.
func TestRecordSizeLimitJavaBoundary(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 1, 1)
	p := newProducer(t, c, map[string]string{"max.request.size": "1000"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fit := samsa.Record{Topic: topic, Value: bytes.Repeat([]byte("v"), 914)}
	md, err := p.SendSync(ctx, fit)
	if err != nil {
		t.Fatalf("a record of exactly max.request.size by Java's measure: %v", err)
	}
	over := samsa.Record{Topic: topic, Value: bytes.Repeat([]byte("v"), 915)}
	_, err = p.SendSync(ctx, over)
	var tl *samsa.RecordTooLargeError
	if !errors.As(err, &tl) || tl.Size != 1001 || tl.Max != 1000 || tl.Setting != "max.request.size" || tl.Broker != nil {
		t.Fatalf("a record one byte over: %v", err)
	}
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, 1, itest.ConsumeOpts{})
	if len(got) != 1 {
		t.Fatalf("read %d records, want 1", len(got))
	}
	if d := itest.Equal(got[0], fit, md); d != "" {
		t.Fatal(d)
	}
}
