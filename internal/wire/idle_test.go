package wire

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// metadata sends one Metadata request on c.
func metadata(t *testing.T, c *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Do(ctx, kmsg.NewPtrMetadataRequest()); err != nil {
		t.Fatal(err)
	}
}

// TestIdleConnectionClosed (issue 12.8, connections.max.idle.ms): a
// connection with no request in flight for MaxIdle is closed with
// ErrIdle; requests more often than that keep it open, and so do writes
// that get no response (acks=0); without MaxIdle it stays open.
func TestIdleConnectionClosed(t *testing.T) {
	fake := newFake(t, kfake.SeedTopics(1, "t"))
	const idle = 300 * time.Millisecond
	dial := func(maxIdle time.Duration) *Conn {
		c, err := Dial(context.Background(), fake.ListenAddrs()[0], &Options{MaxIdle: maxIdle})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	busy, quiet, never := dial(idle), dial(idle), dial(0)
	start := time.Now()
	metadata(t, quiet)
	// busy gets a request every idle/6 for 3 idle periods, then rests.
	for time.Since(start) < 3*idle {
		metadata(t, busy)
		time.Sleep(idle / 6)
		if err := busy.Err(); err != nil {
			t.Fatalf("a connection with a request every %v closed: %v", idle/6, err)
		}
	}
	select {
	case <-quiet.Done():
	case <-time.After(10 * idle):
		t.Fatalf("a connection idle for %v is still open", time.Since(start))
	}
	if err := quiet.Err(); !errors.Is(err, ErrIdle) || !errors.Is(err, ErrClosed) {
		t.Fatalf("idle connection's error: %v, want ErrIdle", err)
	}
	select {
	case <-busy.Done():
		if !errors.Is(busy.Err(), ErrIdle) {
			t.Fatalf("busy connection, once at rest: %v, want ErrIdle", busy.Err())
		}
	case <-time.After(10 * idle):
		t.Fatal("the busy connection did not close once idle")
	}
	if err := never.Err(); err != nil {
		t.Fatalf("a connection without MaxIdle closed: %v", err)
	}

	// Writes that get no response count as activity too.
	acks0 := dial(idle)
	produce := kmsg.NewPtrProduceRequest()
	produce.Acks, produce.TimeoutMillis = 0, 1000
	produce.SetVersion(7)
	body := produce.AppendTo(nil)
	for end := time.Now().Add(3 * idle); time.Now().Before(end); time.Sleep(idle / 6) {
		err := acks0.Send(context.Background(), &Request{Key: kmsg.Produce.Int16(), Version: 7, Body: [][]byte{body}, NoResponse: true})
		if err != nil {
			t.Fatalf("acks=0 write on a connection kept busy: %v", err)
		}
	}
}
