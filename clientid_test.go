package samsa

import (
	"context"
	"encoding/binary"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// headerRecorder records the client id in the header of every request a
// producer writes, read from the bytes on its connections.
type headerRecorder struct {
	mu  sync.Mutex
	ids map[string]int // client id -> requests
}

// dial is a Config.Dial that records the requests written.
func (h *headerRecorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, h: h}, nil
}

func (h *headerRecorder) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for id := range h.ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// recordingConn splits what is written into request frames: size int32,
// then api key int16, version int16, correlation id int32 and the client
// id as a nullable int16-length string (every request header version
// has it there).
type recordingConn struct {
	net.Conn
	h   *headerRecorder
	buf []byte
}

func (c *recordingConn) Write(b []byte) (int, error) {
	c.buf = append(c.buf, b...)
	for len(c.buf) >= 4 {
		size := int(binary.BigEndian.Uint32(c.buf))
		if len(c.buf) < 4+size {
			break
		}
		frame := c.buf[4 : 4+size]
		c.buf = c.buf[4+size:]
		id := "<null>"
		if n := int16(binary.BigEndian.Uint16(frame[8:])); n >= 0 {
			id = string(frame[10 : 10+int(n)])
		}
		c.h.mu.Lock()
		if c.h.ids == nil {
			c.h.ids = map[string]int{}
		}
		c.h.ids[id]++
		c.h.mu.Unlock()
	}
	return c.Conn.Write(b)
}

// TestDefaultClientIDUniquePerProducer (issue 12.7): without client.id,
// each producer has its own client id, as the Java client's producer-N,
// or producer-<transactional.id> for a transactional producer, on every
// request it sends and in its metrics' client-id tag; an explicit one is
// kept.
func TestDefaultClientIDUniquePerProducer(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	ctx := context.Background()
	run := func(mod func(*Config)) (wire []string, tag string) {
		var h headerRecorder
		p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
			c.Dial = h.dial
			if mod != nil {
				mod(c)
			}
		})
		if p.cfg.TransactionalID != "" {
			if err := p.InitTransactions(ctx); err != nil {
				t.Fatal(err)
			}
			if err := p.Transact(ctx, func(ctx context.Context) error {
				_, err := p.SendSync(ctx, Record{Topic: "t", Value: []byte("v")})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := p.SendSync(ctx, Record{Topic: "t", Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Metrics() {
			if m.Group == "producer-metrics" && m.Name == "record-send-total" {
				tag = m.Tags["client-id"]
			}
		}
		return h.seen(), tag
	}

	first, firstTag := run(nil)
	second, secondTag := run(nil)
	if len(first) != 1 || len(second) != 1 || first[0] == second[0] {
		t.Fatalf("client ids on the wire: first producer %v, second %v; want one each, and different", first, second)
	}
	for _, got := range []struct{ wire, tag string }{{first[0], firstTag}, {second[0], secondTag}} {
		if !producerN(got.wire) || got.tag != got.wire {
			t.Errorf("client id %q on the wire, %q in Metrics; want producer-N in both", got.wire, got.tag)
		}
	}

	var logs syncBuffer
	txn, txnTag := run(func(c *Config) {
		c.TransactionalID = "orders-tx"
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if !slices.Equal(txn, []string{"producer-orders-tx"}) || txnTag != "producer-orders-tx" {
		t.Errorf("transactional producer: client ids on the wire %v, in Metrics %q; want producer-orders-tx", txn, txnTag)
	}
	if lines := logs.String(); lines == "" || strings.Count(lines, "client_id=producer-orders-tx") != strings.Count(lines, "\n") {
		t.Errorf("not every log line names the producer:\n%s", lines)
	}
	explicit, explicitTag := run(func(c *Config) { c.ClientID = "billing" })
	if !slices.Equal(explicit, []string{"billing"}) || explicitTag != "billing" {
		t.Errorf("explicit client id: on the wire %v, in Metrics %q; want billing", explicit, explicitTag)
	}
}

// producerN reports whether id is producer-N for a positive N.
func producerN(id string) bool {
	n, ok := strings.CutPrefix(id, "producer-")
	if !ok || n == "" || n[0] == '0' {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
