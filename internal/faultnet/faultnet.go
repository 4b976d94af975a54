package faultnet

import (
	"context"
	"errors"
	"math/rand"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrRefused is returned by Dial while the Dialer is down.
var ErrRefused = errors.New("faultnet: connection refused (cluster down)")

// ErrInjectedReset is returned by reads and writes on a connection the
// Dialer cut.
var ErrInjectedReset = errors.New("faultnet: connection reset (injected)")

// Faults describes what happens on a connection. The zero value injects
// nothing.
type Faults struct {
	// Delay is added before every read and write; Jitter adds a random
	// extra delay in [0, Jitter).
	Delay, Jitter time.Duration
	// WriteChunk, when positive, splits every write into writes of at most
	// this many bytes, so the peer sees partial frames.
	WriteChunk int
	// ResetAfterWrite and ResetAfterRead, when positive, reset the
	// connection once that many bytes were written or read: the write or
	// read crossing the limit passes only the bytes up to it, then fails.
	ResetAfterWrite, ResetAfterRead int64
	// StallAfterRead, when positive, stops reads once that many bytes were
	// read: they block until the connection is closed or its read deadline
	// passes, as with a broker that stopped answering.
	StallAfterRead int64
	// ResetChance is the probability, drawn once per connection, that the
	// connection also gets a reset at a random byte count in
	// [1, ResetWithin], in a random direction.
	ResetChance float64
	ResetWithin int64
}

// Stats counts what a Dialer did.
type Stats struct {
	Dials, Refused, Resets int64
	Stalls                 int64 // reads that hit StallAfterRead
	Dropped                int64 // reads lost to DropNextRead
	Swallowed              int64 // writes to a paused address, never delivered
}

// Dialer opens connections with injected faults. It is safe for concurrent
// use.
type Dialer struct {
	next func(ctx context.Context, network, addr string) (net.Conn, error)

	mu     sync.Mutex
	rng    *rand.Rand
	faults Faults
	conns  map[*Conn]struct{}
	paused map[string]bool // addresses whose peer accepts bytes and answers nothing

	down     atomic.Bool
	dropNext atomic.Int32
	dials    atomic.Int64
	refused  atomic.Int64
	resets   atomic.Int64
	stalls   atomic.Int64
	dropped  atomic.Int64
	swallow  atomic.Int64
}

// New returns a Dialer that dials TCP with a net.Dialer and draws its
// random choices from seed.
func New(seed int64) *Dialer {
	var d net.Dialer
	return NewWith(seed, d.DialContext)
}

// NewWith returns a Dialer that opens its transports with next.
func NewWith(seed int64, next func(ctx context.Context, network, addr string) (net.Conn, error)) *Dialer {
	return &Dialer{next: next, rng: rand.New(rand.NewSource(seed)), conns: make(map[*Conn]struct{}), paused: make(map[string]bool)}
}

// SetFaults sets the faults of connections dialed from now on.
func (d *Dialer) SetFaults(f Faults) {
	d.mu.Lock()
	d.faults = f
	d.mu.Unlock()
}

// SetDown makes Dial refuse (down) or accept connections. Going down also
// cuts every live connection, as a cluster that went away would.
func (d *Dialer) SetDown(down bool) {
	d.down.Store(down)
	if down {
		d.CutAll()
	}
}

// CutAll resets every live connection.
func (d *Dialer) CutAll() {
	d.mu.Lock()
	live := make([]*Conn, 0, len(d.conns))
	for c := range d.conns {
		live = append(live, c)
	}
	d.mu.Unlock()
	for _, c := range live {
		c.reset()
	}
}

// Pause makes the peer at addr behave like a process that was stopped
// (SIGSTOP) with its socket still open: connections to it, live ones and
// new ones alike, accept every write and deliver nothing (the bytes are
// swallowed), and reads get nothing, not even what the peer sent before,
// until the connection is closed or its read deadline passes. New
// connections still connect, as the kernel completes a handshake for a
// stopped process.
func (d *Dialer) Pause(addr string) {
	d.mu.Lock()
	d.paused[addr] = true
	d.mu.Unlock()
}

// Resume ends a Pause of addr. The connections that lived through the
// pause are reset: the requests they swallowed left them unusable.
func (d *Dialer) Resume(addr string) {
	d.mu.Lock()
	delete(d.paused, addr)
	var cut []*Conn
	for c := range d.conns {
		if c.addr == addr && c.sawPause.Load() {
			cut = append(cut, c)
		}
	}
	d.mu.Unlock()
	for _, c := range cut {
		c.reset()
	}
}

func (d *Dialer) isPaused(addr string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paused[addr]
}

// DropNextRead arms the Dialer so that the next read returning data, on
// any of its connections, resets that connection and discards the data:
// a response the broker sent never reaches the client.
func (d *Dialer) DropNextRead() { d.dropNext.Add(1) }

// Live returns the number of connections open now.
func (d *Dialer) Live() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.conns)
}

// Stats returns the counts so far.
func (d *Dialer) Stats() Stats {
	return Stats{Dials: d.dials.Load(), Refused: d.refused.Load(), Resets: d.resets.Load(),
		Stalls: d.stalls.Load(), Dropped: d.dropped.Load(), Swallowed: d.swallow.Load()}
}

// Dial opens a connection to addr with the current faults, or fails with
// ErrRefused while the Dialer is down. Its signature matches Config.Dial.
func (d *Dialer) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.dials.Add(1)
	if d.down.Load() {
		d.refused.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: ErrRefused}
	}
	nc, err := d.next(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c := d.wrap(nc, addr)
	if d.down.Load() { // went down while we dialed
		c.reset()
		d.refused.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: ErrRefused}
	}
	return c, nil
}

// wrap registers a new connection with the faults in force now.
func (d *Dialer) wrap(nc net.Conn, addr string) *Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := d.faults
	c := &Conn{Conn: nc, d: d, f: f, addr: addr, seed: d.rng.Int63(), dead: make(chan struct{})}
	c.rng = rand.New(rand.NewSource(c.seed))
	if f.ResetChance > 0 && f.ResetWithin > 0 && d.rng.Float64() < f.ResetChance {
		at := 1 + d.rng.Int63n(f.ResetWithin)
		if d.rng.Intn(2) == 0 {
			c.f.ResetAfterWrite = at
		} else {
			c.f.ResetAfterRead = at
		}
	}
	d.conns[c] = struct{}{}
	return c
}

func (d *Dialer) forget(c *Conn) {
	d.mu.Lock()
	delete(d.conns, c)
	d.mu.Unlock()
}
