package samsa

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// jsonLog captures a producer's log as JSON lines.
type jsonLog struct{ buf syncBuffer }

func (l *jsonLog) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(&l.buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// find returns the entries whose message is msg.
func (l *jsonLog) find(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if e["msg"] == msg {
			out = append(out, e)
		}
	}
	return out
}

// want fails unless an entry with message msg has every given attribute
// (a nil value: present with any value).
func (l *jsonLog) want(t *testing.T, msg string, attrs map[string]any) {
	t.Helper()
	entries := l.find(t, msg)
	for _, e := range entries {
		ok := true
		for k, v := range attrs {
			got, present := e[k]
			if !present || (v != nil && got != v) {
				ok = false
			}
		}
		if ok {
			return
		}
	}
	t.Errorf("no %q entry with %v; entries: %v", msg, attrs, entries)
}

// TestDebugLogShowsWhatHappened: at debug level the log tells of
// connections, metadata changes, retries with their backoff, epoch bumps,
// reconnect backoffs and transaction state changes, each with broker,
// topic and partition attributes where they apply.
func TestDebugLogShowsWhatHappened(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(2, "logged"), kfake.NumBrokers(1))
	var log jsonLog
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.Logger, c.RetryBackoff = log.logger(), 20*time.Millisecond
	})
	ctx := context.Background()
	// The first produce request is refused with NOT_LEADER_OR_FOLLOWER
	// (retried), a later one with INVALID_RECORD (a sequenced batch fails:
	// the epoch is bumped).
	var mu sync.Mutex
	calls := 0
	fake.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		mu.Lock()
		defer mu.Unlock()
		calls++
		switch calls {
		case 1:
			return respond.ProduceError(r.(*kmsg.ProduceRequest), 6, 0), nil, true
		case 3:
			return respond.ProduceError(r.(*kmsg.ProduceRequest), 87, 0), nil, true
		}
		return nil, nil, false
	})
	if _, err := p.SendSync(ctx, Record{Topic: "logged", Partition: PartitionOf(1), Value: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SendSync(ctx, Record{Topic: "logged", Partition: PartitionOf(1), Value: []byte("b")}); err == nil {
		t.Fatal("INVALID_RECORD did not fail the record")
	}
	waitFor(t, "the epoch bump", func() bool { return len(log.find(t, "producer epoch bumped")) > 0 })

	log.want(t, "connected", map[string]any{"broker": float64(0), "addr": nil})
	log.want(t, "metadata: broker joined", map[string]any{"broker": float64(0), "addr": nil})
	log.want(t, "metadata: partition leader", map[string]any{"topic": "logged", "partition": float64(1), "broker": float64(0), "leader_epoch": nil})
	log.want(t, "produce attempt failed", map[string]any{"topic": "logged", "partition": float64(1), "broker": float64(0), "attempt": float64(1), "err": nil})
	log.want(t, "produce retry backoff", map[string]any{"topic": "logged", "partition": float64(1), "broker": float64(0), "backoff": nil})
	log.want(t, "bumping the producer epoch", map[string]any{"producer_id": nil, "epoch": float64(0), "reason": nil})
	bumped := log.find(t, "producer epoch bumped")[0]
	if bumped["producer_id"] == bumped["old_producer_id"] && bumped["epoch"] == bumped["old_epoch"] {
		t.Errorf("epoch bump logged without a new producer id or epoch: %v", bumped)
	}

	// A broker that refuses connections: reconnect backoff.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	var deadLog jsonLog
	p2 := testProducer(t, []string{dead}, func(c *Config) { c.Logger, c.MaxBlock = deadLog.logger(), 300*time.Millisecond })
	if _, err := p2.SendSync(ctx, Record{Topic: "logged"}); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("got %v", err)
	}
	deadLog.want(t, "reconnect backoff", map[string]any{"broker": float64(-1), "addr": dead, "backoff": nil, "err": nil})
	deadLog.want(t, "connection failed", map[string]any{"broker": float64(-1), "addr": dead})

	// Transaction state changes.
	var txLog jsonLog
	tp := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Logger, c.TransactionalID = txLog.logger(), "logged-txn" })
	if err := tp.InitTransactions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tp.Transact(ctx, func(ctx context.Context) error {
		_, err := tp.SendSync(ctx, Record{Topic: "logged", Partition: PartitionOf(0), Value: []byte("t")})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, step := range [][2]string{{"uninitialized", "initializing"}, {"initializing", "ready"}, {"ready", "in a transaction"},
		{"in a transaction", "committing a transaction"}, {"committing a transaction", "ready"}} {
		txLog.want(t, "transaction state", map[string]any{"from": step[0], "to": step[1], "client_id": "producer-logged-txn"})
	}
}
