package cluster

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samsa-go/samsa/internal/wire"
)

// ConnKind selects one of a broker's connections. Produce requests get a
// connection of their own so that metadata and coordinator requests never
// wait behind them.
type ConnKind int

const (
	// ControlConn carries metadata, producer id and transaction requests.
	ControlConn ConnKind = iota
	// ProduceConn carries produce requests.
	ProduceConn
	numConnKinds
)

// Broker is one broker of the cluster (or a bootstrap address, whose ID is
// negative until metadata names it).
type Broker struct {
	ID   int32
	Rack string

	opts    *wire.Options
	backoff Backoff
	ctx     context.Context // ends when the broker is closed; bounds dials
	cancel  context.CancelFunc

	mu    lockorder.Mutex[lockorder.Broker]
	addr  string
	slots [numConnKinds]connSlot
	gone  bool // removed from the cluster, or the cluster closed
	// silentSince is when a request to the broker went unanswered past
	// its timeout (on any connection, or while dialing) with no answer
	// since; zero while it answers.
	silentSince time.Time
}

type connSlot struct {
	conn     *wire.Conn
	dialing  chan struct{} // closed when the dial in progress ends
	failures int
	retryAt  time.Time
	lastErr  error
}

func newBroker(id int32, addr, rack string, opts *wire.Options, backoff Backoff) *Broker {
	ctx, cancel := context.WithCancel(context.Background())
	b := &Broker{ID: id, Rack: rack, addr: addr, backoff: backoff, ctx: ctx, cancel: cancel}
	o := *opts
	o.OnTimeout = b.timedOut
	b.opts = &o
	return b
}

// silent reports whether a request to the broker went unanswered past its
// timeout with no answer since.
func (b *Broker) silent() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.silentSince.IsZero()
}

// timedOut is told that a request on one of the broker's connections got
// no answer within the request timeout, before that connection fails its
// requests (so that a metadata refresh their failure sets off already
// ranks the broker last). As the Java client disconnects a
// node whose request timed out, every connection to the broker is closed,
// so that requests waiting on the others (a metadata request, say) fail
// now rather than each after its own timeout, and the broker counts as
// silent until it answers again (it is then the last one asked for
// metadata).
func (b *Broker) timedOut(te *wire.TimeoutError) {
	b.mu.Lock()
	if b.silentSince.IsZero() {
		b.silentSince = time.Now()
	}
	open := b.takeConnsLocked()
	b.mu.Unlock()
	err := fmt.Errorf("broker %s stopped answering: %w", b, te)
	for _, c := range open {
		c.Fail(err)
	}
}

// Addr returns the broker's current host:port.
func (b *Broker) Addr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.addr
}

// String names the broker for logs and errors: "1 (host:port)".
func (b *Broker) String() string {
	return fmt.Sprintf("%d (%s)", b.ID, b.Addr())
}

// Conn returns an open connection of the given kind, dialing one if needed.
// After a failed dial it waits out the reconnect backoff first, bounded by
// ctx. A dial already in progress is shared.
func (b *Broker) Conn(ctx context.Context, kind ConnKind) (*wire.Conn, error) {
	for {
		b.mu.Lock()
		if b.gone {
			b.mu.Unlock()
			return nil, fmt.Errorf("broker %d (%s) left the cluster: %w", b.ID, b.addr, ErrBrokerGone)
		}
		s := &b.slots[kind]
		if s.conn != nil {
			select {
			case <-s.conn.Done():
				s.conn = nil
			default:
				c := s.conn
				b.mu.Unlock()
				return c, nil
			}
		}
		if s.dialing != nil {
			wait := s.dialing
			b.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if d := time.Until(s.retryAt); d > 0 {
			last := s.lastErr
			b.mu.Unlock()
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
				return nil, fmt.Errorf("broker %d (%s) is in reconnect backoff: %w", b.ID, b.Addr(), last)
			}
			t := time.NewTimer(d)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		s.dialing = done
		go b.dial(kind, b.addr, done)
		b.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		b.mu.Lock()
		c, err := s.conn, s.lastErr
		b.mu.Unlock()
		if c != nil {
			return c, nil
		}
		if err == nil {
			err = ErrBrokerGone
		}
		return nil, err
	}
}

// dial connects in the background, so that a caller whose context ends
// does not abort a dial other callers are waiting for. The connection
// setup timeout (wire.Options.DialTimeout) bounds it.
func (b *Broker) dial(kind ConnKind, addr string, done chan struct{}) {
	c, err := wire.DialNode(b.ctx, b.ID, addr, b.opts)
	failures, delay := b.dialed(kind, addr, c, err)
	close(done)
	if failures > 0 && b.opts.Logger != nil {
		b.opts.Logger.Debug("reconnect backoff", "broker", b.ID, "addr", addr, "failures", failures,
			"backoff", delay.Round(time.Millisecond), "err", err)
	}
}

// dialed records a dial's outcome in its slot and returns the slot's
// consecutive failures and the backoff before the next dial (0 after a
// success).
func (b *Broker) dialed(kind ConnKind, addr string, c *wire.Conn, err error) (int, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &b.slots[kind]
	s.dialing = nil
	if err == nil && (b.gone || b.addr != addr) {
		_ = c.Close()
		c, err = nil, fmt.Errorf("broker %d moved or left while dialing %s: %w", b.ID, addr, ErrBrokerGone)
	}
	if err != nil {
		s.failures++
		s.lastErr = err
		delay := b.backoff.Delay(s.failures)
		s.retryAt = time.Now().Add(delay)
		if silentDial(err) && b.silentSince.IsZero() {
			b.silentSince = time.Now()
		}
		return s.failures, delay
	}
	s.failures, s.lastErr, s.retryAt = 0, nil, time.Time{}
	s.conn = c
	b.silentSince = time.Time{} // it answered ApiVersions
	return 0, 0
}

// silentDial reports whether a dial failed because the broker did not
// answer in time (a stopped process still completes TCP handshakes), as
// opposed to refusing or failing fast.
func silentDial(err error) bool {
	var te *wire.TimeoutError
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te)
}

// Connected reports whether any connection to the broker is open.
func (b *Broker) Connected() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.slots {
		if s.conn != nil && s.conn.Err() == nil {
			return true
		}
	}
	return false
}

// OpenConns counts the broker's open connections.
func (b *Broker) OpenConns() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, s := range b.slots {
		if s.conn != nil && s.conn.Err() == nil {
			n++
		}
	}
	return n
}

// setAddr moves the broker to a new address. It returns the connections
// to the old one, for the caller to close once it holds no lock.
func (b *Broker) setAddr(addr, rack string) []*wire.Conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.Rack = rack
	if b.addr == addr {
		return nil
	}
	b.addr = addr
	return b.dropConnsLocked()
}

// closeConns closes the broker's connections; new ones may be dialed.
func (b *Broker) closeConns() {
	b.mu.Lock()
	open := b.takeConnsLocked()
	b.mu.Unlock()
	closeConns(open)
}

// takeConnsLocked empties the connection slots and returns the
// connections that were in them, for the caller to close once b.mu is
// released (their requests' callbacks then run). b.mu is held.
func (b *Broker) takeConnsLocked() []*wire.Conn {
	var open []*wire.Conn
	for i := range b.slots {
		if c := b.slots[i].conn; c != nil {
			open = append(open, c)
			b.slots[i].conn = nil
		}
	}
	return open
}

// close closes the broker's connections and refuses new ones. No lock
// may be held: closing a connection fails its requests, whose callbacks
// complete batches and take the producer's locks.
func (b *Broker) close() { closeConns(b.retire()) }

// retire refuses new connections and returns the open ones, for the
// caller to close once it holds no lock.
func (b *Broker) retire() []*wire.Conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gone = true
	b.cancel()
	return b.dropConnsLocked()
}

// dropConnsLocked empties the connection slots and forgets their dial
// failures; it returns the connections that were in them, to be closed
// once b.mu is released. b.mu is held.
func (b *Broker) dropConnsLocked() []*wire.Conn {
	open := b.takeConnsLocked()
	for i := range b.slots {
		b.slots[i].failures, b.slots[i].retryAt = 0, time.Time{}
	}
	return open
}

// closeConns closes conns; the caller holds no lock.
func closeConns(conns []*wire.Conn) {
	for _, c := range conns {
		_ = c.Close()
	}
}
