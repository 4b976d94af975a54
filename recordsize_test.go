package samsa

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestRecordSizeBoundary: the cheap size bound that spares most records
// the exact computation never lets a record over max.request.size through,
// and never refuses one that fits exactly.
func TestRecordSizeBoundary(t *testing.T) {
	c := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"), kfake.BrokerConfigs(map[string]string{"message.max.bytes": "2000000"}))
	const limit = 50000
	p := testProducer(t, c.ListenAddrs(), func(cfg *Config) { cfg.MaxRequestSize = limit })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	headers := []Header{{Key: "h", Value: []byte("v")}, {Key: "h2", Value: nil}}
	key := []byte("key")
	// The largest value whose record fits exactly.
	fit := limit - accumulator.MaxRecordSize(key, nil, wireHeaders(headers))
	for accumulator.MaxRecordSize(key, make([]byte, fit), wireHeaders(headers)) > limit {
		fit--
	}
	for accumulator.MaxRecordSize(key, make([]byte, fit+1), wireHeaders(headers)) <= limit {
		fit++
	}
	if _, err := p.SendSync(ctx, Record{Topic: "t", Key: key, Value: make([]byte, fit), Headers: headers}); err != nil {
		t.Fatalf("a record of exactly max.request.size (%d bytes) was refused: %v", limit, err)
	}
	_, err := p.SendSync(ctx, Record{Topic: "t", Key: key, Value: make([]byte, fit+1), Headers: headers})
	var tl *RecordTooLargeError
	if !errors.As(err, &tl) || tl.Size != limit+1 || tl.Max != limit {
		t.Fatalf("a record one byte over max.request.size: %v", err)
	}
}
