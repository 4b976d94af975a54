package wire

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/sasl"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Options configure connections. A zero field takes the default given in
// its comment. Options are read-only once a Conn uses them.
type Options struct {
	// ClientID is sent in every request header (client.id).
	ClientID string
	// SoftwareName and SoftwareVersion are sent in ApiVersions v3+ (KIP-511).
	SoftwareName, SoftwareVersion string
	// DialTimeout bounds the TCP connect, TLS handshake, ApiVersions and
	// SASL exchange together. Default 10s.
	DialTimeout time.Duration
	// RequestTimeout is how long a request may wait for its response before
	// the connection is closed with a timeout error. Default 30s.
	RequestTimeout time.Duration
	// MaxInFlight caps requests awaiting a response. Default 5.
	MaxInFlight int
	// SendBuffer and ReceiveBuffer set SO_SNDBUF and SO_RCVBUF in bytes; 0
	// or negative leaves the OS default.
	SendBuffer, ReceiveBuffer int
	// TLS, when set, wraps the connection in TLS with this configuration.
	TLS *tls.Config
	// SASL, when set, authenticates the connection with this mechanism.
	SASL sasl.Mechanism
	// MaxFrameSize caps the size of a response frame. Default
	// DefaultMaxFrameSize.
	MaxFrameSize int32
	// Logger receives connection events; nil logs nothing.
	Logger *slog.Logger
	// Dial, when set, opens the transport instead of a net.Dialer (tests
	// use it to inject faults).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Observer, when set, is told of connections and requests. Nil costs
	// nothing.
	Observer Observer
	// MaxIdle closes the connection once no request has been in flight
	// for this long (connections.max.idle.ms); 0 never does. The
	// connection's Err is then ErrIdle.
	MaxIdle time.Duration
	// OnTimeout, when set, is called once when a request got no response
	// within RequestTimeout, before the connection closes and fails the
	// requests it had in flight: the broker may have stopped answering
	// altogether, on its other connections too, and what those failures
	// set off (a metadata refresh choosing a broker) must already know it.
	// It may close the connection itself (with an error wrapping the
	// TimeoutError).
	OnTimeout func(*TimeoutError)
}

func (o *Options) requestTimeout() time.Duration {
	if o.RequestTimeout > 0 {
		return o.RequestTimeout
	}
	return 30 * time.Second
}

func (o *Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return discardLogger
}

var discardLogger = slog.New(slog.DiscardHandler)

// Request is a pre-encoded request for Conn.Send.
type Request struct {
	Key, Version int16
	// Flexible says the request and response use the flexible (KIP-482)
	// header versions.
	Flexible bool
	// Body is the request body, after the header, in parts that are written
	// with one writev call.
	Body net.Buffers
	// NoResponse marks a request the broker does not answer (Produce with
	// acks=0). Done is called once it is written.
	NoResponse bool
	// Done receives the response body, or the error that ended the request.
	// It runs on the connection's reader goroutine (or the goroutine that
	// closed the connection) and must not block; body is valid only during
	// the call. It returns the throttle time the response asked for, in
	// milliseconds (0 for none), for the Observer, which learns of the
	// request after Done returns unless Done calls Conn.ObserveResponse.
	Done func(body []byte, err error) (throttleMs int32)
}

type pending struct {
	corr     int32
	key, ver int16
	flexible bool
	slot     bool // holds one of c.slots
	written  int32
	deadline time.Time
	done     func([]byte, error) int32
}

// Conn is one connection to one broker. It is safe for concurrent use.
type Conn struct {
	addr     string
	node     int32 // the broker's id, negative for a bootstrap address
	opts     *Options
	obs      Observer // opts.Observer
	nc       net.Conn
	tcp      *net.TCPConn // set for plaintext connections, for writev
	versions *Versions
	log      *slog.Logger
	timeout  time.Duration
	clientID *string

	slots chan struct{} // one token per request in flight

	// answering is the request whose response the reader goroutine is
	// handing to its Done, for ObserveResponse (answeringRead its size on
	// the wire; answeringSet false once observed). Only the reader
	// goroutine touches them.
	answering     pending
	answeringRead int
	answeringSet  bool

	writeMu  lockorder.Mutex[lockorder.ConnWrite]
	failed   error // under writeMu: a write or re-authentication failed; unlockWrite closes
	corr     int32
	hdr      []byte
	parts    net.Buffers
	reauthAt atomic.Int64 // unix nanos when SASL re-authentication is due, 0 = never

	pendMu  lockorder.Mutex[lockorder.ConnPending]
	pend    []pending // FIFO: oldest first
	pendOff int
	dead    bool

	closed  chan struct{}
	errOnce sync.Once
	err     error
	upAt    time.Time // when the handshake completed; zero before
	idleAt  time.Time // when an idle connection is closed (pendMu); zero: not armed
}

// Dial connects to the broker at addr: TCP (and TLS), ApiVersions, then
// SASL. It returns a ready connection or an error naming the broker and the
// step that failed.
func Dial(ctx context.Context, addr string, opts *Options) (*Conn, error) {
	return DialNode(ctx, -1, addr, opts)
}

// DialNode is Dial for the broker with id node, which names it in logs
// and to the Observer.
func DialNode(ctx context.Context, node int32, addr string, opts *Options) (*Conn, error) {
	start := time.Now()
	c, err := dial(ctx, node, addr, opts)
	if obs := opts.Observer; obs != nil {
		obs.Connected(node, addr, time.Since(start), err)
	}
	return c, err
}

func dial(ctx context.Context, node int32, addr string, opts *Options) (*Conn, error) {
	timeout := opts.DialTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	nc, err := dialTransport(ctx, addr, opts)
	if err != nil {
		opts.logger().Debug("connection failed", "broker", node, "addr", addr, "err", err)
		return nil, &DialError{Broker: addr, Step: "connect", Err: err}
	}
	c := newConn(addr, nc, opts)
	c.node = node
	go c.readLoop()
	if err := c.handshake(ctx); err != nil {
		c.closeWith(err)
		c.log.Debug("connection failed", "broker", node, "addr", addr, "err", err)
		return nil, err
	}
	c.pendMu.Lock()
	c.upAt = time.Now()
	if c.pendOff == len(c.pend) {
		c.armIdleLocked(c.upAt)
	}
	c.pendMu.Unlock()
	c.log.Debug("connected", "broker", node, "addr", addr, "tls", opts.TLS != nil, "sasl", saslName(opts.SASL))
	return c, nil
}

// saslName names a SASL mechanism for logs, or "" for none.
func saslName(m sasl.Mechanism) string {
	if m == nil {
		return ""
	}
	return m.Name()
}

func dialTransport(ctx context.Context, addr string, opts *Options) (net.Conn, error) {
	dial := opts.Dial
	if dial == nil {
		d := &net.Dialer{}
		dial = d.DialContext
	}
	nc, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tcp, ok := nc.(*net.TCPConn); ok {
		_ = tcp.SetNoDelay(true)
		if opts.SendBuffer > 0 {
			_ = tcp.SetWriteBuffer(opts.SendBuffer)
		}
		if opts.ReceiveBuffer > 0 {
			_ = tcp.SetReadBuffer(opts.ReceiveBuffer)
		}
	}
	if opts.TLS == nil {
		return nc, nil
	}
	cfg := opts.TLS.Clone()
	// The host is both the name verified and the SNI name sent; the
	// latter also matters when verification is off or done by
	// VerifyConnection (chain-only verification), for SNI-routing proxies.
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg.ServerName = host
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

func newConn(addr string, nc net.Conn, opts *Options) *Conn {
	inflight := opts.MaxInFlight
	if inflight <= 0 {
		inflight = 5
	}
	c := &Conn{
		addr:    addr,
		opts:    opts,
		nc:      nc,
		log:     opts.logger(),
		obs:     opts.Observer,
		timeout: opts.requestTimeout(),
		slots:   make(chan struct{}, inflight),
		closed:  make(chan struct{}),
		pend:    make([]pending, 0, inflight+2),
	}
	c.tcp, _ = nc.(*net.TCPConn)
	if opts.ClientID != "" {
		id := opts.ClientID
		c.clientID = &id
	}
	return c
}

// Addr returns the broker address this connection was dialed to.
func (c *Conn) Addr() string { return c.addr }

// Versions returns the API versions the broker supports.
func (c *Conn) Versions() *Versions { return c.versions }

// InFlight returns the number of requests awaiting a response.
func (c *Conn) InFlight() int {
	c.pendMu.Lock()
	defer c.pendMu.Unlock()
	return len(c.pend) - c.pendOff
}

// Done is closed when the connection has failed or been closed.
func (c *Conn) Done() <-chan struct{} { return c.closed }

// Err returns why the connection ended, or nil while it is open.
func (c *Conn) Err() error {
	select {
	case <-c.closed:
		return c.err
	default:
		return nil
	}
}

// Close closes the connection. Requests in flight fail with ErrClosed.
func (c *Conn) Close() error {
	c.closeWith(ErrClosed)
	return nil
}

// Fail closes the connection with err, failing every request still
// awaiting a response with it: for a caller that found the broker's
// responses unusable (a malformed body the frame layer could not see).
func (c *Conn) Fail(err error) { c.closeWith(err) }

// ErrClosed is the error of requests cut off by Close.
var ErrClosed = errors.New("connection closed")

// Send writes r and arranges for r.Done to be called exactly once with the
// response or an error, unless Send itself returns an error, in which case
// r was not sent and r.Done is never called. Send blocks while the
// connection has MaxInFlight requests awaiting responses, until ctx ends.
func (c *Conn) Send(ctx context.Context, r *Request) error {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closed:
		return c.err
	}
	if at := c.reauthAt.Load(); at != 0 && time.Now().UnixNano() >= at {
		if err := c.reauthenticate(ctx); err != nil {
			<-c.slots
			return err
		}
	}
	var start time.Time
	if c.obs != nil && r.NoResponse {
		start = time.Now()
	}
	c.writeMu.Lock()
	written, err := c.writeLocked(r, true)
	c.unlockWrite()
	if r.NoResponse || err != nil {
		<-c.slots
	}
	if err == nil && r.NoResponse {
		// Observed before Done, which may complete what others wait for.
		if c.obs != nil {
			c.obs.Request(&RequestEvent{Node: c.node, Addr: c.addr, Key: r.Key, Version: r.Version,
				Written: written, Latency: time.Since(start)})
		}
		if r.Done != nil {
			r.Done(nil, nil)
		}
	}
	return err
}

// writeLocked writes one request and returns its size on the wire;
// c.writeMu is held. slot says the caller took one of c.slots for it. When
// it returns a nil error the request is on the wire (or the connection died
// after queueing it, in which case Done has been or will be called with the
// error, once unlockWrite closes the connection).
func (c *Conn) writeLocked(r *Request, slot bool) (int, error) {
	c.corr++
	corr := c.corr
	hdr := append(c.hdr[:0], 0, 0, 0, 0) //nolint:gocritic // appendAssign: c.hdr is scratch space, hdr this request's header in it
	hdr = appendRequestHeader(hdr, r.Key, r.Version, corr, c.clientID, r.Flexible)
	size := len(hdr) - 4
	for _, b := range r.Body {
		size += len(b)
	}
	binary.BigEndian.PutUint32(hdr, uint32(size))
	c.hdr = hdr
	if !r.NoResponse {
		p := pending{corr: corr, key: r.Key, ver: r.Version, flexible: r.Flexible, slot: slot, written: int32(size + 4), done: r.Done}
		if err := c.push(p); err != nil {
			return 0, err
		}
	}
	if err := c.write(hdr, r.Body); err != nil {
		err = fmt.Errorf("writing %s request to broker %s: %w", APIName(r.Key), c.addr, err)
		c.failLocked(err)
		if r.NoResponse {
			return 0, err
		}
	} else if r.NoResponse {
		c.touchIdle()
	}
	return size + 4, nil
}

// write sends the header and body parts: with writev on plaintext TCP, and
// as one buffer through TLS, which would otherwise make a record per part.
func (c *Conn) write(hdr []byte, body net.Buffers) error {
	if c.tcp != nil {
		c.parts = append(c.parts[:0], hdr)
		c.parts = append(c.parts, body...)
		bufs := c.parts
		_, err := bufs.WriteTo(c.tcp)
		clear(c.parts)
		return err
	}
	if len(body) == 0 {
		_, err := c.nc.Write(hdr)
		return err
	}
	buf := append(c.hdr, nil...) //nolint:gocritic // appendAssign: the body goes after the header in the scratch buffer, which keeps only the header
	for _, b := range body {
		buf = append(buf, b...)
	}
	if cap(buf) <= 1<<20 {
		c.hdr = buf[:0]
	}
	_, err := c.nc.Write(buf)
	return err
}

// push queues a request awaiting its response and arms the read deadline
// when it is the only one.
func (c *Conn) push(p pending) error {
	p.deadline = time.Now().Add(c.timeout)
	c.pendMu.Lock()
	defer c.pendMu.Unlock()
	if c.dead {
		return c.err
	}
	if c.pendOff > 0 && c.pendOff == len(c.pend) {
		c.pend, c.pendOff = c.pend[:0], 0
	}
	c.pend = append(c.pend, p)
	if len(c.pend)-c.pendOff == 1 {
		_ = c.nc.SetReadDeadline(p.deadline)
	}
	return nil
}

// pop removes the oldest request awaiting a response and re-arms the read
// deadline for the next one.
func (c *Conn) pop() (pending, bool) {
	c.pendMu.Lock()
	defer c.pendMu.Unlock()
	if c.pendOff == len(c.pend) {
		return pending{}, false
	}
	p := c.pend[c.pendOff]
	c.pend[c.pendOff] = pending{}
	c.pendOff++
	if c.pendOff < len(c.pend) {
		_ = c.nc.SetReadDeadline(c.pend[c.pendOff].deadline)
	} else {
		c.armIdleLocked(time.Now())
		c.pend, c.pendOff = c.pend[:0], 0
	}
	return p, true
}

// ErrIdle is the Err of a connection closed because no request was in
// flight for Options.MaxIdle. It matches ErrClosed.
var ErrIdle = fmt.Errorf("%w: idle for longer than connections.max.idle.ms", ErrClosed)

// armIdleLocked sets the read deadline of a connection with no request
// awaiting a response: MaxIdle from now, or none. c.pendMu is held.
func (c *Conn) armIdleLocked(now time.Time) {
	if c.opts.MaxIdle <= 0 || c.upAt.IsZero() {
		c.idleAt = time.Time{}
		_ = c.nc.SetReadDeadline(time.Time{})
		return
	}
	c.idleAt = now.Add(c.opts.MaxIdle)
	_ = c.nc.SetReadDeadline(c.idleAt)
}

// touchIdle restarts the idle time after a request that gets no response
// (acks=0) was written.
func (c *Conn) touchIdle() {
	if c.opts.MaxIdle <= 0 {
		return
	}
	c.pendMu.Lock()
	if c.pendOff == len(c.pend) && !c.dead {
		c.armIdleLocked(time.Now())
	}
	c.pendMu.Unlock()
}

// idleRead tells the reader what a read that hit its deadline means
// when MaxIdle is set: the connection has been idle for MaxIdle (close
// it), or the deadline was the idle one and a request (or a write of one
// with no response) moved it since (read on), or a request timed out.
func (c *Conn) idleRead() (idle, again bool) {
	c.pendMu.Lock()
	defer c.pendMu.Unlock()
	now := time.Now()
	if c.pendOff < len(c.pend) {
		return false, c.pend[c.pendOff].deadline.After(now)
	}
	if c.idleAt.IsZero() {
		return false, false
	}
	return !now.Before(c.idleAt), now.Before(c.idleAt)
}

func (c *Conn) readLoop() {
	// Through a buffer: a response's length prefix and body, and the
	// responses that arrived together, take one read instead of two each.
	fr := frameReader{r: bufio.NewReaderSize(c.nc, readBufSize), max: c.opts.MaxFrameSize}
	if fr.max <= 0 {
		fr.max = DefaultMaxFrameSize
	}
	for {
		frame, err := fr.next()
		if err != nil && c.opts.MaxIdle > 0 && !fr.midFrame && errors.Is(err, os.ErrDeadlineExceeded) {
			switch idle, again := c.idleRead(); {
			case idle:
				c.log.Debug("closing idle connection", "broker", c.node, "addr", c.addr, "idle", c.opts.MaxIdle)
				c.closeWith(ErrIdle)
				return
			case again:
				continue
			}
		}
		if err != nil {
			err = c.readError(err)
			if te, ok := err.(*TimeoutError); ok && c.opts.OnTimeout != nil && !c.closedYet() {
				c.opts.OnTimeout(te)
			}
			c.closeWith(err)
			return
		}
		p, ok := c.pop()
		if !ok {
			c.closeWith(fmt.Errorf("broker %s sent a response to no request: %w", c.addr, ErrMalformedFrame))
			return
		}
		// ApiVersions responses always use header v0 (KIP-511).
		flexible := p.flexible && p.key != kmsg.ApiVersions.Int16()
		corr, body, err := parseResponseHeader(frame, flexible)
		if err == nil && corr != p.corr {
			err = fmt.Errorf("broker %s answered correlation id %d, expected %d (%s): %w",
				c.addr, corr, p.corr, APIName(p.key), ErrCorrelationMismatch)
		}
		if err != nil {
			c.closeWith(err)
			if p.done != nil {
				p.done(nil, err)
			}
			c.release(p)
			c.observe(&p, len(frame)+4, 0, err)
			return
		}
		var throttle int32
		c.answering, c.answeringRead, c.answeringSet = p, len(frame)+4, true
		if p.done != nil {
			throttle = p.done(body, nil)
		}
		unobserved := c.answeringSet
		c.answeringSet = false
		c.release(p)
		if unobserved {
			c.observe(&p, len(frame)+4, throttle, nil)
		}
	}
}

// ObserveResponse tells the Observer now, instead of after Done returns,
// that the response being handed to Done was read and carried throttleMs.
// A Done that completes work others wait for calls it first, so that the
// request is accounted for when they see the work complete. Call it only
// from a Request's Done given a response (err nil); it reports once.
func (c *Conn) ObserveResponse(throttleMs int32) {
	if !c.answeringSet {
		return
	}
	c.answeringSet = false
	c.observe(&c.answering, c.answeringRead, throttleMs, nil)
}

// observe tells the Observer of a request's end: its response (read bytes,
// throttle) or the error that ended it.
func (c *Conn) observe(p *pending, read int, throttleMs int32, err error) {
	if c.obs == nil {
		return
	}
	c.obs.Request(&RequestEvent{
		Node: c.node, Addr: c.addr, Key: p.key, Version: p.ver, Written: int(p.written), Read: read,
		Latency:  time.Since(p.deadline.Add(-c.timeout)),
		Throttle: time.Duration(throttleMs) * time.Millisecond, Err: err,
	})
}

func (c *Conn) release(p pending) {
	if p.slot {
		<-c.slots
	}
}

// ErrCorrelationMismatch is returned (wrapped) when a response's
// correlation id is not that of the oldest request in flight.
var ErrCorrelationMismatch = errors.New("correlation id mismatch")

// closedYet reports whether the connection has closed.
func (c *Conn) closedYet() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func (c *Conn) readError(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.pendMu.Lock()
		var key int16 = -1
		if c.pendOff < len(c.pend) {
			key = c.pend[c.pendOff].key
		}
		c.pendMu.Unlock()
		return &TimeoutError{Broker: c.addr, APIKey: key, After: c.timeout}
	}
	if c.closedYet() {
		return c.err
	}
	return fmt.Errorf("reading from broker %s: %w", c.addr, err)
}

// TimeoutError reports a request that got no response within the request
// timeout; the connection is closed when it happens.
type TimeoutError struct {
	Broker string
	APIKey int16
	After  time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s request to broker %s got no response within %v", APIName(e.APIKey), e.Broker, e.After)
}

// Timeout reports true, for net.Error-style checks.
func (e *TimeoutError) Timeout() bool { return true }

// failLocked marks the connection for closing with err (the first error
// wins) when writeMu is released: closing fails the requests awaiting
// responses, and their callbacks must not run under writeMu. c.writeMu is
// held.
func (c *Conn) failLocked(err error) {
	if c.failed == nil {
		c.failed = err
	}
}

// unlockWrite releases writeMu and then, if a write or re-authentication
// under it failed, closes the connection with that error.
func (c *Conn) unlockWrite() {
	err := c.failed
	c.failed = nil
	c.writeMu.Unlock()
	if err != nil {
		c.closeWith(err)
	}
}

// closeWith closes the connection once, recording err, and fails every
// request still awaiting a response.
func (c *Conn) closeWith(err error) {
	var (
		first  bool
		failed []pending
		upAt   time.Time
	)
	c.errOnce.Do(func() {
		first = true
		c.pendMu.Lock()
		c.err = err
		c.dead = true
		failed = c.pend[c.pendOff:]
		c.pend, c.pendOff = nil, 0
		upAt = c.upAt
		c.pendMu.Unlock()
		close(c.closed)
		_ = c.nc.Close()
		for _, p := range failed {
			if p.done != nil {
				p.done(nil, err)
			}
			c.release(p)
		}
	})
	if !first {
		return
	}
	if !errors.Is(err, ErrClosed) {
		c.log.Debug("connection closed", "broker", c.node, "addr", c.addr, "err", err, "requests_failed", len(failed))
	}
	if c.obs == nil {
		return
	}
	// Outside the Once: the Observer may take its time.
	for i := range failed {
		c.observe(&failed[i], 0, 0, err)
	}
	if !upAt.IsZero() {
		var reason error
		if !errors.Is(err, ErrClosed) {
			reason = err
		}
		c.obs.Disconnected(c.node, c.addr, time.Since(upAt), reason)
	}
}

// Do sends a kmsg request at the highest version both sides support and
// waits for its response, until ctx ends. The response does not alias
// connection buffers.
func (c *Conn) Do(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	if c.versions != nil {
		ver, err := c.versions.Pick(c.addr, req.Key(), req.MaxVersion())
		if err != nil {
			return nil, err
		}
		req.SetVersion(ver)
	}
	return c.doVersioned(ctx, req, false)
}

// DoMax is Do with the version capped at max, for APIs whose newer
// versions are not meant for clients (AddPartitionsToTxn v4+ is for
// brokers only).
func (c *Conn) DoMax(ctx context.Context, req kmsg.Request, max int16) (kmsg.Response, error) {
	ver, err := c.versions.Pick(c.addr, req.Key(), min(max, req.MaxVersion()))
	if err != nil {
		return nil, err
	}
	req.SetVersion(ver)
	return c.doVersioned(ctx, req, false)
}

// doVersioned sends req at the version already set on it. With
// exclusive, the caller holds writeMu (SASL re-authentication).
func (c *Conn) doVersioned(ctx context.Context, req kmsg.Request, exclusive bool) (kmsg.Response, error) {
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	ch := make(chan error, 1)
	r := &Request{
		Key:      req.Key(),
		Version:  req.GetVersion(),
		Flexible: req.IsFlexible(),
		Body:     net.Buffers{req.AppendTo(nil)},
		Done: func(body []byte, err error) int32 {
			// Decoded here, on the reader goroutine, so that the
			// Observer learns the throttle time; resp does not alias
			// body afterwards (ReadFrom copies what it keeps).
			if err == nil {
				if derr := resp.ReadFrom(bytes.Clone(body)); derr != nil {
					err = fmt.Errorf("decoding %s v%d response from broker %s: %w", APIName(req.Key()), req.GetVersion(), c.addr, derr)
				}
			}
			var ms int32
			if t, ok := resp.(kmsg.ThrottleResponse); ok && err == nil {
				ms, _ = t.Throttle()
			}
			ch <- err // resp is the caller's from here on
			return ms
		},
	}
	var err error
	if exclusive {
		if _, err = c.writeLocked(r, false); err == nil && c.failed != nil {
			err = c.failed // the connection closes when the caller releases writeMu
		}
	} else {
		err = c.Send(ctx, r)
	}
	if err != nil {
		return nil, err
	}
	select {
	case err := <-ch:
		if err != nil {
			return nil, err
		}
		return resp, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// DialError reports a failure to establish a connection.
type DialError struct {
	Broker string
	Step   string // "connect", "ApiVersions", "SASL"
	Err    error
}

func (e *DialError) Error() string {
	return fmt.Sprintf("connecting to broker %s (%s): %v", e.Broker, e.Step, e.Err)
}

// Unwrap returns the underlying error.
func (e *DialError) Unwrap() error { return e.Err }
