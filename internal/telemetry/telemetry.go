package telemetry

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/samsa-go/samsa/internal/otlp"
	"github.com/samsa-go/samsa/internal/wire"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Sample is one metric value as the producer keeps it: a sum is
// cumulative since the producer started.
type Sample struct {
	Name  string
	Sum   bool
	Value float64
	Attrs []otlp.KV
}

// Config configures a Client.
type Config struct {
	Cluster *cluster.Cluster
	Logger  *slog.Logger
	// Collect returns the producer's metrics now.
	Collect func() []Sample
	// Resource attributes and scope of every payload.
	Resource []otlp.KV
	Scope    otlp.Scope
	// Started is when the producer started: the start of cumulative sums.
	Started time.Time
	// RequestTimeout bounds each request.
	RequestTimeout time.Duration
}

// DefaultInterval is the push interval when the broker's is not usable,
// as in the Java client (5 minutes).
const DefaultInterval = 5 * time.Minute

// Client runs the subscription and push cycle on a goroutine of its own.
type Client struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context // ends when Close gives up on the last push
	cancel context.CancelFunc
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	closeMu  lockorder.Mutex[lockorder.Leaf]
	closeCtx context.Context // bounds the terminating push

	// Used by the goroutine only.
	broker   *cluster.Broker
	instance [16]byte
	sub      *subscription
	last     map[string]lastValue // delta temporality: previous sums
	failures int
}

type lastValue struct {
	value float64
	at    int64
}

// New returns a stopped Client; Start runs it.
func New(cfg Config) *Client {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Client{cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel, stop: make(chan struct{}), done: make(chan struct{}),
		last: map[string]lastValue{}}
}

// Start starts the cycle.
func (c *Client) Start() { go c.run() }

// Close stops the cycle after a last, terminating push (if the client has
// a subscription with metrics), waiting for it until ctx ends.
func (c *Client) Close(ctx context.Context) {
	c.once.Do(func() {
		c.closeMu.Lock()
		c.closeCtx = ctx
		c.closeMu.Unlock()
		close(c.stop)
	})
	select {
	case <-c.done:
	case <-ctx.Done():
		c.cancel()
		<-c.done
	}
	c.cancel()
}

// errDisabled stops the cycle: the broker cannot take telemetry from us.
var errDisabled = errors.New("telemetry disabled")

func (c *Client) run() {
	defer close(c.done)
	wait := time.Duration(0)
	for {
		if !c.sleep(wait) {
			c.terminate()
			return
		}
		var err error
		if c.sub == nil {
			wait, err = c.subscribe()
		} else {
			wait, err = c.push(c.ctx, false)
		}
		if errors.Is(err, errDisabled) {
			<-c.stop
			return
		}
	}
}

// sleep waits d, reporting false if Close was called meanwhile.
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.stop:
		return false
	}
}

// terminate makes the last push, marked terminating.
func (c *Client) terminate() {
	if c.sub == nil || c.sub.selected == nil {
		return // no subscription asks for metrics
	}
	c.closeMu.Lock()
	ctx := c.closeCtx
	c.closeMu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()
	_, _ = c.push(ctx, true)
}

// conn returns a control connection to the broker telemetry goes to: the
// same one as long as it answers (KIP-714 asks clients to stick to one),
// else any broker metadata names, connected ones first.
func (c *Client) conn(ctx context.Context) (*wire.Conn, error) {
	if c.broker != nil {
		if conn, err := c.broker.Conn(ctx, cluster.ControlConn); err == nil {
			return conn, nil
		}
		c.broker = nil
	}
	if !c.cfg.Cluster.Connected() {
		return nil, errors.New("no metadata yet")
	}
	brokers := c.cfg.Cluster.Brokers()
	var errs []error
	for _, connectedFirst := range []bool{true, false} {
		for _, b := range brokers {
			if b.ID < 0 || b.Connected() != connectedFirst {
				continue
			}
			conn, err := b.Conn(ctx, cluster.ControlConn)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			c.broker = b
			return conn, nil
		}
	}
	return nil, errors.Join(append(errs, errors.New("no broker to send telemetry to"))...)
}

// do sends req to the telemetry broker. An API the broker does not have
// disables telemetry.
func (c *Client) do(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	conn, err := c.conn(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := conn.Do(ctx, req)
	var ue *wire.UnsupportedError
	if errors.As(err, &ue) {
		c.log.Debug("telemetry off: the broker does not support client metrics (KIP-714)",
			"broker", c.broker.ID, "api", wire.APIName(req.Key()))
		return nil, errDisabled
	}
	return resp, err
}

// retryAfter is the wait after a failed request: doubling from one second
// to the push interval (or a minute before there is one).
func (c *Client) retryAfter(err error) time.Duration {
	c.failures++
	limit := time.Minute
	if c.sub != nil {
		limit = c.sub.interval
	}
	d := min(time.Second<<min(c.failures-1, 16), limit)
	c.log.Debug("telemetry request failed", "err", err, "retry_in", d)
	return d
}

// subscribe gets the subscription and returns when to act next.
func (c *Client) subscribe() (time.Duration, error) {
	req := kmsg.NewPtrGetTelemetrySubscriptionsRequest()
	req.ClientInstanceID = c.instance
	r, err := c.do(c.ctx, req)
	if err != nil {
		if errors.Is(err, errDisabled) {
			return 0, err
		}
		return c.retryAfter(err), nil
	}
	c.failures = 0
	resp := r.(*kmsg.GetTelemetrySubscriptionsResponse)
	if resp.ErrorCode != 0 {
		return c.onError(resp.ErrorCode, "GetTelemetrySubscriptions")
	}
	c.instance = resp.ClientInstanceID
	sub := newSubscription(resp)
	c.sub = sub
	clear(c.last) // a new subscription starts its deltas afresh
	c.log.Debug("telemetry subscription", "broker", c.broker.ID, "client_instance_id", uuidText(c.instance),
		"subscription_id", sub.id, "push_interval", sub.interval, "metrics", strings.Join(resp.RequestedMetrics, ","),
		"compression", sub.codecNames(), "delta_temporality", sub.delta, "max_bytes", sub.maxBytes)
	if sub.selected == nil {
		// No metric asked for: ask again after the interval.
		c.sub = nil
		return sub.interval, nil
	}
	return time.Duration(float64(sub.interval) * (0.5 + rand.Float64())), nil // 50% to 150%, as Java
}

// onError acts on a telemetry error code as the Java client does, and
// returns when to act next.
func (c *Client) onError(code int16, api string) (time.Duration, error) {
	interval := DefaultInterval
	if c.sub != nil {
		interval = c.sub.interval
	}
	switch code {
	case codeUnknownSubscriptionID, codeUnsupportedCompressionType:
		c.log.Debug("telemetry subscription changed; fetching it again", "api", api, "error_code", code)
		c.sub = nil
		return 0, nil
	case codeTelemetryTooLarge, codeThrottlingQuotaExceeded:
		c.log.Debug("telemetry push refused; trying again next interval", "api", api, "error_code", code)
		return interval, nil
	default: // INVALID_REQUEST, INVALID_RECORD, UNSUPPORTED_VERSION and the unexpected
		c.log.Warn("telemetry refused by the broker; telemetry off", "api", api, "error_code", code)
		return 0, errDisabled
	}
}

// Kafka error codes of the telemetry APIs.
const (
	codeUnsupportedCompressionType int16 = 76
	codeThrottlingQuotaExceeded    int16 = 89
	codeUnknownSubscriptionID      int16 = 117
	codeTelemetryTooLarge          int16 = 118
)

// push sends the selected metrics and returns when to act next.
func (c *Client) push(ctx context.Context, terminating bool) (time.Duration, error) {
	sub := c.sub
	payload, n := c.payload(sub)
	codec, data := sub.compress(payload)
	if sub.maxBytes > 0 && len(data) > sub.maxBytes {
		c.log.Warn("telemetry payload over the broker's telemetry.max.bytes; not sent", "bytes", len(data), "max_bytes", sub.maxBytes)
		return sub.interval, nil
	}
	req := kmsg.NewPtrPushTelemetryRequest()
	req.ClientInstanceID, req.SubscriptionID, req.Terminating = c.instance, sub.id, terminating
	req.CompressionType, req.Metrics = int8(codec), data
	r, err := c.do(ctx, req)
	if err != nil {
		if errors.Is(err, errDisabled) {
			return 0, err
		}
		return c.retryAfter(err), nil
	}
	c.failures = 0
	resp := r.(*kmsg.PushTelemetryResponse)
	if resp.ErrorCode != 0 {
		return c.onError(resp.ErrorCode, "PushTelemetry")
	}
	c.log.Debug("telemetry pushed", "broker", c.broker.ID, "metrics", n, "bytes", len(payload), "sent_bytes", len(data),
		"compression", codec.String(), "terminating", terminating)
	return sub.interval, nil
}

// payload encodes the metrics sub selects, and returns how many.
func (c *Client) payload(sub *subscription) ([]byte, int) {
	now := time.Now().UnixNano()
	start := c.cfg.Started.UnixNano()
	var ms []otlp.Metric
	for _, s := range c.cfg.Collect() {
		if !sub.selected(s.Name) {
			continue
		}
		m := otlp.Metric{Name: s.Name, Value: s.Value, Time: now, Attrs: s.Attrs}
		if s.Sum {
			m.Kind, m.Temporality, m.Start = otlp.Sum, otlp.Cumulative, start
			if sub.delta {
				m.Temporality = otlp.Delta
				key := seriesKey(&s)
				if prev, ok := c.last[key]; ok {
					m.Value, m.Start = s.Value-prev.value, prev.at
				}
				c.last[key] = lastValue{value: s.Value, at: now}
			}
		}
		ms = append(ms, m)
	}
	return otlp.Encode(nil, c.cfg.Resource, c.cfg.Scope, ms), len(ms)
}

// seriesKey names a metric and its attributes, for delta tracking.
func seriesKey(s *Sample) string {
	var b strings.Builder
	b.WriteString(s.Name)
	for _, kv := range s.Attrs {
		b.WriteString("\x00" + kv.Key + "=" + kv.Value)
	}
	return b.String()
}

func uuidText(u [16]byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[b>>4], hex[b&15])
	}
	return string(out)
}
