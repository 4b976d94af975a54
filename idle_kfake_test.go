package samsa

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// connLog counts the connections a producer opens and the ones it closes
// itself, through Config.Dial.
type connLog struct {
	dialed, closed atomic.Int32
}

func (l *connLog) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	l.dialed.Add(1)
	return &closeCounting{Conn: c, l: l}, nil
}

type closeCounting struct {
	net.Conn
	l    *connLog
	once sync.Once
}

func (c *closeCounting) Close() error {
	c.once.Do(func() { c.l.closed.Add(1) })
	return c.Conn.Close()
}

// TestConnectionsMaxIdleClosesIdleConnections (issue 12.8):
// connections.max.idle.ms was accepted and ignored. A producer now closes
// its broker connections once they have had no request in flight for that
// long, and opens new ones for the next record.
func TestConnectionsMaxIdleClosesIdleConnections(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "t"))
	var l connLog
	cfg, err := ConfigFromProperties(map[string]string{
		"bootstrap.servers":       strings.Join(fake.ListenAddrs(), ","),
		"connections.max.idle.ms": "400",
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Dial = l.dial
	p, err := NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := p.SendSync(ctx, Record{Topic: "t", Value: []byte("first")}); err != nil {
		t.Fatal(err)
	}
	opened := l.dialed.Load()
	if opened == 0 || l.closed.Load() == opened {
		t.Fatalf("after the first record: %d connections opened, %d closed", opened, l.closed.Load())
	}
	for l.closed.Load() < l.dialed.Load() {
		if ctx.Err() != nil {
			t.Fatalf("connections.max.idle.ms=400: %d of %d idle connections still open after 30 s", l.dialed.Load()-l.closed.Load(), l.dialed.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	md, err := p.SendSync(ctx, Record{Topic: "t", Value: []byte("second")})
	if err != nil || md.Offset != 1 {
		t.Fatalf("the record after the idle close: %+v, %v", md, err)
	}
	if l.dialed.Load() <= opened {
		t.Fatalf("no new connection for the record after the idle close (%d opened in all)", l.dialed.Load())
	}
}
