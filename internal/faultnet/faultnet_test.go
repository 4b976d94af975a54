package faultnet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// peer is the far end of a loopback TCP connection.
type peer struct {
	addr  string
	conns chan net.Conn
}

func listen(t *testing.T) *peer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{addr: ln.Addr().String(), conns: make(chan net.Conn, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-p.conns:
				c.Close()
			default:
				return
			}
		}
	})
	return p
}

func (p *peer) accept(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-p.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no connection arrived")
		return nil
	}
}

func dial(t *testing.T, d *Dialer, p *peer) (net.Conn, net.Conn) {
	t.Helper()
	c, err := d.Dial(context.Background(), "tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, p.accept(t)
}

func readAll(t *testing.T, c net.Conn) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(c) // a reset ends the stream with an error
	return b
}

func TestDownRefusesAndCutsLiveConnections(t *testing.T) {
	p := listen(t)
	d := New(1)
	c, far := dial(t, d, p)
	d.SetDown(true)
	if _, err := c.Write([]byte("x")); err == nil {
		t.Fatal("write on a connection cut by SetDown succeeded")
	}
	if got := readAll(t, far); len(got) != 0 {
		t.Fatalf("peer read %q after the cut", got)
	}
	_, err := d.Dial(context.Background(), "tcp", p.addr)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("dial while down: %v, want ErrRefused", err)
	}
	d.SetDown(false)
	c2, far2 := dial(t, d, p)
	if _, err := c2.Write([]byte("back")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(far2, buf); err != nil || string(buf) != "back" {
		t.Fatalf("after recovery peer read %q, %v", buf, err)
	}
	if s := d.Stats(); s.Dials != 3 || s.Refused != 1 || s.Resets != 1 {
		t.Fatalf("stats %+v, want 3 dials, 1 refused, 1 reset", s)
	}
}

func TestResetAfterWriteDeliversPrefixOnly(t *testing.T) {
	p := listen(t)
	d := New(1)
	d.SetFaults(Faults{ResetAfterWrite: 10})
	c, far := dial(t, d, p)
	msg := bytes.Repeat([]byte("abcdefgh"), 8)
	n, err := c.Write(msg)
	if n != 10 || !errors.Is(err, ErrInjectedReset) {
		t.Fatalf("write = %d, %v; want 10, ErrInjectedReset", n, err)
	}
	if got := readAll(t, far); !bytes.Equal(got, msg[:10]) {
		t.Fatalf("peer got %q, want %q", got, msg[:10])
	}
	if _, err := c.Write([]byte("more")); err == nil {
		t.Fatal("write after reset succeeded")
	}
}

func TestResetAfterReadCutsResponse(t *testing.T) {
	p := listen(t)
	d := New(1)
	d.SetFaults(Faults{ResetAfterRead: 7})
	c, far := dial(t, d, p)
	go far.Write(bytes.Repeat([]byte("z"), 100))
	got := readAll(t, c)
	if len(got) != 7 {
		t.Fatalf("read %d bytes before the reset, want 7", len(got))
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after reset succeeded")
	}
}

// countingConn counts the writes that reach the transport.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

func TestWriteChunkSplitsWrites(t *testing.T) {
	p := listen(t)
	var writes atomic.Int64
	var nd net.Dialer
	d := NewWith(1, func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &writes}, nil
	})
	d.SetFaults(Faults{WriteChunk: 3, Delay: time.Millisecond})
	c, far := dial(t, d, p)
	msg := []byte("0123456789")
	if n, err := c.Write(msg); n != len(msg) || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	c.Close()
	if got := readAll(t, far); !bytes.Equal(got, msg) {
		t.Fatalf("peer got %q, want %q", got, msg)
	}
	if w := writes.Load(); w != 4 {
		t.Fatalf("%d writes reached the transport, want 4 chunks of at most 3 bytes", w)
	}
}

func TestStallAfterReadBlocksUntilDeadlineOrClose(t *testing.T) {
	p := listen(t)
	d := New(1)
	d.SetFaults(Faults{StallAfterRead: 4})
	c, far := dial(t, d, p)
	if _, err := far.Write([]byte("12345678")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.ReadAtLeast(c, buf, 4)
	if n != 4 || err != nil {
		t.Fatalf("read %d, %v; want the 4 bytes before the stall", n, err)
	}
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("stalled read: %v, want a deadline error", err)
	}
	if s := d.Stats(); s.Stalls != 1 {
		t.Fatalf("stats %+v, want 1 stall", s)
	}
	_ = c.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { _, err := c.Read(buf); done <- err }()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("stalled read after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end a stalled read")
	}
}

// TestStalledReadHonoursALaterDeadline: a read deadline set while a read
// is already stalled ends it, as a net.Conn's does for a pending Read. The
// stall used to look at the deadline only when it began: a stall that began
// on an idle connection (no deadline) ignored the request timeout of the
// request sent after it, and its caller waited for ever (TestStallProperty,
// seed 2007: a Flush never returned).
func TestStalledReadHonoursALaterDeadline(t *testing.T) {
	p := listen(t)
	d := New(1)
	d.SetFaults(Faults{StallAfterRead: 1})
	c, far := dial(t, d, p)
	if _, err := far.Write([]byte("12")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := c.Read(buf); n != 1 || err != nil {
		t.Fatalf("read %d, %v; want the byte before the stall", n, err)
	}
	done := make(chan error, 1)
	go func() { _, err := c.Read(buf); done <- err }()
	time.Sleep(20 * time.Millisecond) // the read stalls with no deadline
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("stalled read: %v, want a deadline error", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a deadline set during a stall did not end it")
	}
}

func TestDropNextReadLosesOneResponse(t *testing.T) {
	p := listen(t)
	d := New(1)
	c1, far1 := dial(t, d, p)
	d.DropNextRead()
	if _, err := far1.Write([]byte("answer")); err != nil {
		t.Fatal(err)
	}
	_ = c1.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c1.Read(make([]byte, 16)); n != 0 || !errors.Is(err, ErrInjectedReset) {
		t.Fatalf("armed read = %d, %v; want 0, ErrInjectedReset", n, err)
	}
	c2, far2 := dial(t, d, p)
	far2.Write([]byte("ok"))
	buf := make([]byte, 2)
	_ = c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c2, buf); err != nil || string(buf) != "ok" {
		t.Fatalf("second connection read %q, %v: the drop fired twice", buf, err)
	}
	if s := d.Stats(); s.Dropped != 1 {
		t.Fatalf("stats %+v, want 1 dropped read", s)
	}
	if d.Live() != 1 {
		t.Fatalf("%d live connections, want 1", d.Live())
	}
}

func TestDelayIsApplied(t *testing.T) {
	p := listen(t)
	d := New(1)
	d.SetFaults(Faults{Delay: 30 * time.Millisecond})
	c, _ := dial(t, d, p)
	start := time.Now()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 30*time.Millisecond {
		t.Fatalf("write took %v, less than the 30ms delay", took)
	}
}

func TestRandomResetsAreSeeded(t *testing.T) {
	p := listen(t)
	draw := func(seed int64) []Faults {
		d := New(seed)
		d.SetFaults(Faults{ResetChance: 0.5, ResetWithin: 1000})
		var out []Faults
		for range 20 {
			c, _ := dial(t, d, p)
			out = append(out, c.(*Conn).Faults())
		}
		return out
	}
	a, b := draw(42), draw(42)
	resets := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("connection %d: %+v then %+v with the same seed", i, a[i], b[i])
		}
		if a[i].ResetAfterRead > 0 || a[i].ResetAfterWrite > 0 {
			resets++
		}
	}
	if resets == 0 || resets == len(a) {
		t.Fatalf("%d of %d connections got a random reset with chance 0.5", resets, len(a))
	}
}

// TestPauseSwallowsAndWithholds: a paused address takes writes without
// delivering them and delivers nothing, on live connections and on new
// ones (which still connect), until the read deadline; other addresses
// are untouched; Resume resets the connections that saw the pause and new
// ones work again.
func TestPauseSwallowsAndWithholds(t *testing.T) {
	p, other := listen(t), listen(t)
	d := New(1)
	live, far := dial(t, d, p)
	o, oFar := dial(t, d, other)
	d.Pause(p.addr)
	fresh, freshFar := dial(t, d, p)
	for _, c := range []net.Conn{live, fresh} {
		if n, err := c.Write([]byte("request")); n != 7 || err != nil {
			t.Fatalf("write to a paused peer = %d, %v; want it taken", n, err)
		}
	}
	for _, f := range []net.Conn{far, freshFar} {
		_ = f.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, _ := f.Read(make([]byte, 16)); n != 0 {
			t.Fatalf("the paused peer received %d bytes", n)
		}
		if _, err := f.Write([]byte("answer")); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []net.Conn{live, fresh} {
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, err := c.Read(make([]byte, 16)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read from a paused peer = %d, %v; want nothing until the deadline", n, err)
		}
	}
	if _, err := o.Write([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(oFar, buf); err != nil || string(buf) != "ok" {
		t.Fatalf("another address was disturbed: %q, %v", buf, err)
	}
	d.Resume(p.addr)
	if _, err := live.Write([]byte("x")); err == nil {
		t.Fatal("a connection that lived through the pause still works after Resume")
	}
	c, cFar := dial(t, d, p)
	if _, err := c.Write([]byte("back")); err != nil {
		t.Fatal(err)
	}
	buf = make([]byte, 4)
	if _, err := io.ReadFull(cFar, buf); err != nil || string(buf) != "back" {
		t.Fatalf("after Resume the peer read %q, %v", buf, err)
	}
	if s := d.Stats(); s.Swallowed != 2 || s.Stalls < 2 {
		t.Fatalf("stats %+v, want 2 swallowed writes and 2 stalls or more", s)
	}
}
