package samsa

import (
	"bytes"
	"context"
	"errors"
	"slices"
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

// TestRecordSizeCheckMatchesJava: a record is refused before it is sent
// exactly when the Java producer refuses it: when
// AbstractRecords.estimateSizeInBytesUpperBound (61 batch header bytes,
// 21 for the record's length, attributes and deltas at their widest, then
// each of key, value and header as varint length plus bytes, null as one
// byte, and the header count) exceeds max.request.size or buffer.memory.
// The sizes below are that formula worked out by hand (and
// TestJavaRecordSizeUpperBound checks the formula against Java's code);
// the records that fit are read back.
func TestRecordSizeCheckMatchesJava(t *testing.T) {
	c := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"), kfake.BrokerConfigs(map[string]string{"message.max.bytes": "2000000"}))
	cases := []struct {
		name         string
		maxRequest   int
		bufferMemory int64
		key          []byte
		headers      []Header
		fitValue     int // the largest value that fits: its bound is the limit
		setting      string
		limit        int64
	}{
		// 61 + 21 + 1 (null key) + 3+v + 1 (no headers) = 1048576 for v = 1048489.
		{name: "default max.request.size", maxRequest: 1 << 20, bufferMemory: 32 << 20,
			fitValue: 1048489, setting: "max.request.size", limit: 1 << 20},
		// 61 + 21 + 2 (key "k") + 2+v + 1 + (1+1+1) (header "h"=null) + (1+2+1+1) ("hh"="v") = 500 for v = 405.
		{name: "small max.request.size with headers", maxRequest: 500, bufferMemory: 32 << 20, key: []byte("k"),
			headers:  []Header{{Key: "h"}, {Key: "hh", Value: []byte("v")}},
			fitValue: 405, setting: "max.request.size", limit: 500},
		// 61 + 21 + 4 (key "key") + 3+v + 1 = 20000 for v = 19910.
		{name: "buffer.memory", maxRequest: 1 << 20, bufferMemory: 20000, key: []byte("key"),
			fitValue: 19910, setting: "buffer.memory", limit: 20000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := testProducer(t, c.ListenAddrs(), func(cfg *Config) {
				cfg.MaxRequestSize, cfg.BufferMemory = tc.maxRequest, tc.bufferMemory
				cfg.BatchSize = min(cfg.BatchSize, int(tc.bufferMemory))
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			fit := Record{Topic: "t", Key: tc.key, Value: bytes.Repeat([]byte{'v'}, tc.fitValue), Headers: tc.headers}
			md, err := p.SendSync(ctx, fit)
			if err != nil {
				t.Fatalf("a record of exactly %s=%d bytes was refused: %v", tc.setting, tc.limit, err)
			}
			over := fit
			over.Value = append(slices.Clone(fit.Value), 'v') // fit stays as it was
			_, err = p.SendSync(ctx, over)
			var tl *RecordTooLargeError
			if !errors.As(err, &tl) || !errors.Is(err, ErrRecordTooLarge) || tl.Size != int(tc.limit)+1 || tl.Max != tc.limit || tl.Setting != tc.setting {
				t.Fatalf("a record one byte over %s=%d: got %v (%#v)", tc.setting, tc.limit, err, tl)
			}
			got := consumeAll(t, c.ListenAddrs(), "t", int(md.Offset)+1)
			if r := got[md.Offset]; !bytes.Equal(r.Value, fit.Value) || !bytes.Equal(r.Key, fit.Key) || len(r.Headers) != len(fit.Headers) {
				t.Fatalf("record at offset %d read back differs", md.Offset)
			}
		})
	}
}
