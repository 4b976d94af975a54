package faultnet

import (
	"math/rand"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is a connection opened by a Dialer, injecting its faults.
type Conn struct {
	net.Conn
	d    *Dialer
	f    Faults
	addr string // the address dialed, for Dialer.Pause
	seed int64

	sawPause atomic.Bool // a write was swallowed or a read withheld by a Pause

	rngMu sync.Mutex
	rng   *rand.Rand

	wmu     sync.Mutex // serializes writes, so byte counts are exact
	written int64
	rmu     sync.Mutex
	read    int64

	deadMu   sync.Mutex
	dead     chan struct{} // closed on reset or Close
	isDead   bool
	rdMu     sync.Mutex
	readDead time.Time
	rdMoved  chan struct{} // closed when readDead changes, for a stall waiting on it; under rdMu
}

// Seed returns the seed of the connection's own random choices.
func (c *Conn) Seed() int64 { return c.seed }

// Faults returns the faults the connection injects, including a random
// reset drawn for it.
func (c *Conn) Faults() Faults { return c.f }

// Write writes b, subject to the connection's delay, chunking and reset.
func (c *Conn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.pause(); err != nil {
		return 0, err
	}
	if c.d.isPaused(c.addr) {
		c.sawPause.Store(true)
		c.d.swallow.Add(1)
		return len(b), nil
	}
	limit := int64(-1)
	if c.f.ResetAfterWrite > 0 {
		limit = c.f.ResetAfterWrite - c.written
	}
	n := 0
	for n < len(b) {
		part := b[n:]
		if c.f.WriteChunk > 0 && len(part) > c.f.WriteChunk {
			part = part[:c.f.WriteChunk]
		}
		cut := limit >= 0 && int64(n+len(part)) >= limit
		if cut {
			part = part[:max(limit-int64(n), 0)]
		}
		m, err := c.Conn.Write(part)
		n += m
		c.written += int64(m)
		if err != nil {
			return n, err
		}
		if cut {
			c.reset()
			return n, ErrInjectedReset
		}
		if c.f.WriteChunk > 0 && n < len(b) {
			if err := c.pause(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// Read reads into b, subject to the connection's delay, reset, stall and
// the Dialer's DropNextRead.
func (c *Conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if err := c.pause(); err != nil {
		return 0, err
	}
	if c.d.isPaused(c.addr) || c.f.StallAfterRead > 0 && c.read >= c.f.StallAfterRead {
		return 0, c.stallNow()
	}
	if c.f.StallAfterRead > 0 {
		b = b[:min(int64(len(b)), c.f.StallAfterRead-c.read)]
	}
	limit := int64(-1)
	if c.f.ResetAfterRead > 0 {
		limit = c.f.ResetAfterRead - c.read
		if limit <= 0 {
			c.reset()
			return 0, ErrInjectedReset
		}
		b = b[:min(int64(len(b)), limit)]
	}
	n, err := c.Conn.Read(b)
	if n > 0 && c.d.isPaused(c.addr) { // paused while the read waited: withhold what came
		return 0, c.stallNow()
	}
	if n > 0 && c.takeDrop() {
		c.d.dropped.Add(1)
		c.reset()
		return 0, ErrInjectedReset
	}
	c.read += int64(n)
	if err == nil && limit >= 0 && int64(n) >= limit {
		c.reset()
		return n, nil // the bytes up to the limit arrive; the next read fails
	}
	return n, err
}

// takeDrop consumes one armed DropNextRead, if any.
func (c *Conn) takeDrop() bool {
	for {
		v := c.d.dropNext.Load()
		if v <= 0 {
			return false
		}
		if c.d.dropNext.CompareAndSwap(v, v-1) {
			return true
		}
	}
}

// stallNow counts a stall (a Pause or StallAfterRead) and blocks as stall.
func (c *Conn) stallNow() error {
	if c.d.isPaused(c.addr) {
		c.sawPause.Store(true)
	}
	c.d.stalls.Add(1)
	return c.stall()
}

// stall blocks until the connection dies or its read deadline passes,
// the deadline as it is now or as it is set while the stall lasts (as a
// net.Conn's deadline applies to a Read already waiting).
func (c *Conn) stall() error {
	for {
		c.rdMu.Lock()
		dl := c.readDead
		if c.rdMoved == nil {
			c.rdMoved = make(chan struct{})
		}
		moved := c.rdMoved
		c.rdMu.Unlock()
		if err := c.stallUntil(dl, moved); err != nil {
			return err
		}
	}
}

// stallUntil waits for the connection's death, deadline dl or a new
// deadline (moved closed, then it returns nil).
func (c *Conn) stallUntil(dl time.Time, moved <-chan struct{}) error {
	var timeout <-chan time.Time
	if !dl.IsZero() {
		t := time.NewTimer(time.Until(dl))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-c.dead:
		return net.ErrClosed
	case <-timeout:
		return os.ErrDeadlineExceeded
	case <-moved:
		return nil
	}
}

// setReadDead records the read deadline and wakes a stall waiting on the
// old one.
func (c *Conn) setReadDead(t time.Time) {
	c.rdMu.Lock()
	c.readDead = t
	if c.rdMoved != nil {
		close(c.rdMoved)
		c.rdMoved = nil
	}
	c.rdMu.Unlock()
}

// pause sleeps the delay and jitter, returning early if the connection
// dies.
func (c *Conn) pause() error {
	d := c.f.Delay
	if c.f.Jitter > 0 {
		c.rngMu.Lock()
		d += time.Duration(c.rng.Int63n(int64(c.f.Jitter)))
		c.rngMu.Unlock()
	}
	if d <= 0 {
		return c.deadErr()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.dead:
		return ErrInjectedReset
	case <-t.C:
		return nil
	}
}

func (c *Conn) deadErr() error {
	select {
	case <-c.dead:
		return ErrInjectedReset
	default:
		return nil
	}
}

// SetReadDeadline records the deadline for stalls and passes it on.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.setReadDead(t)
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline records the read deadline for stalls and passes it on.
func (c *Conn) SetDeadline(t time.Time) error {
	c.setReadDead(t)
	return c.Conn.SetDeadline(t)
}

// reset closes the connection abruptly (RST where the transport allows).
func (c *Conn) reset() {
	if !c.markDead() {
		return
	}
	c.d.resets.Add(1)
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Conn.Close()
}

// Close closes the connection.
func (c *Conn) Close() error {
	c.markDead()
	return c.Conn.Close()
}

// markDead records the connection's end once; it reports whether this
// call did.
func (c *Conn) markDead() bool {
	c.deadMu.Lock()
	defer c.deadMu.Unlock()
	if c.isDead {
		return false
	}
	c.isDead = true
	close(c.dead)
	c.d.forget(c)
	return true
}
