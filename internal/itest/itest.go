package itest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ConsumeOpts tune ConsumeAll.
type ConsumeOpts struct {
	// ReadCommitted reads only committed transactional records.
	ReadCommitted bool
	// Timeout bounds the wait for n records; default 60s.
	Timeout time.Duration
	// Extra are more kgo options.
	Extra []kgo.Opt
}

// ConsumeAll reads topic from the start until it has n records, failing
// the test if they do not arrive in time. It then keeps reading for a
// short quiet period, so that records beyond n (duplicates) are seen too.
func ConsumeAll(t testing.TB, bootstrap []string, topic string, n int, o ConsumeOpts) []*kgo.Record {
	t.Helper()
	opts := []kgo.Opt{
		kgo.SeedBrokers(bootstrap...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200 * time.Millisecond),
	}
	if o.ReadCommitted {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(append(opts, o.Extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records of %s: %v", len(out), n, topic, ctx.Err())
		}
		fs.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", tp, p, err) })
		out = append(out, fs.Records()...)
	}
	quiet, cancelQuiet := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancelQuiet()
	for {
		fs := cl.PollFetches(quiet)
		if quiet.Err() != nil {
			return out
		}
		out = append(out, fs.Records()...)
	}
}

// Equal compares a record read back with the one produced and the
// metadata its callback got; it returns what differs, or "".
func Equal(got *kgo.Record, sent samsa.Record, md samsa.RecordMetadata) string {
	switch {
	case got.Partition != md.Partition || got.Offset != md.Offset:
		return fmt.Sprintf("at %d/%d, acknowledged at %d/%d", got.Partition, got.Offset, md.Partition, md.Offset)
	case !sameBytes(got.Key, sent.Key):
		return fmt.Sprintf("key %q (nil %v), sent %q (nil %v)", got.Key, got.Key == nil, sent.Key, sent.Key == nil)
	case !sameBytes(got.Value, sent.Value):
		return fmt.Sprintf("value of %d bytes (nil %v), sent %d (nil %v)", len(got.Value), got.Value == nil, len(sent.Value), sent.Value == nil)
	case len(got.Headers) != len(sent.Headers):
		return fmt.Sprintf("%d headers, sent %d", len(got.Headers), len(sent.Headers))
	case !got.Timestamp.Equal(md.Timestamp):
		return fmt.Sprintf("timestamp %v, acknowledged %v", got.Timestamp, md.Timestamp)
	case !sent.Timestamp.IsZero() && !got.Timestamp.Equal(sent.Timestamp):
		return fmt.Sprintf("timestamp %v, sent %v", got.Timestamp, sent.Timestamp)
	}
	for i, h := range got.Headers {
		if h.Key != sent.Headers[i].Key || !sameBytes(h.Value, sent.Headers[i].Value) {
			return fmt.Sprintf("header %d %q=%q, sent %q=%q", i, h.Key, h.Value, sent.Headers[i].Key, sent.Headers[i].Value)
		}
	}
	return ""
}

func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }
