package cluster

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/wire"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrBrokerGone is returned (wrapped) for a broker that left the cluster's
// metadata or a cluster that was closed.
var ErrBrokerGone = errors.New("broker no longer in the cluster")

// ErrClosed is returned by a closed Cluster.
var ErrClosed = errors.New("cluster closed")

// Config configures a Cluster.
type Config struct {
	// Bootstrap lists host:port addresses to discover the cluster from.
	Bootstrap []string
	// Wire configures every connection.
	Wire *wire.Options
	// Reconnect is the backoff between dials to a broker that failed.
	Reconnect Backoff
	// MaxAge forces a refresh this often (metadata.max.age.ms).
	MaxAge time.Duration
	// MaxIdle drops topics not used for this long (metadata.max.idle.ms).
	MaxIdle time.Duration
	// RefreshBackoff is the least time between two refreshes and the first
	// wait after a failed one; it doubles per failure up to
	// RefreshBackoffMax (retry.backoff.ms, retry.backoff.max.ms).
	RefreshBackoff, RefreshBackoffMax time.Duration
	// AutoCreateTopics asks brokers to create unknown topics, as the Java
	// producer does (allow.auto.create.topics on the broker decides).
	AutoCreateTopics bool
	// Rebootstrap turns metadata recovery on
	// (metadata.recovery.strategy=rebootstrap, KIP-899 and KIP-1102): when
	// no broker metadata lists answers, when one answers
	// REBOOTSTRAP_REQUIRED, or when no metadata could be had for
	// RebootstrapAfter, the bootstrap servers are resolved again and
	// asked for metadata. Without it they serve only until metadata lists
	// brokers.
	Rebootstrap bool
	// RebootstrapAfter (metadata.recovery.rebootstrap.trigger.ms) bounds
	// how long the brokers metadata lists are asked, in vain, before the
	// cluster rebootstraps; 0: until each of them failed once.
	RebootstrapAfter time.Duration
	// CanonicalBootstrap replaces each bootstrap name by the canonical
	// names of its addresses before bootstrapping
	// (client.dns.lookup=resolve_canonical_bootstrap_servers_only).
	CanonicalBootstrap bool
	// Resolver resolves names: the bootstrap servers' for
	// CanonicalBootstrap and, when set, every name dialed (its addresses
	// are tried in turn). Nil: net.DefaultResolver, and dials resolve
	// names as net.Dialer does (trying each address in turn).
	Resolver Resolver
	// Logger receives metadata events; nil logs nothing.
	Logger *slog.Logger
}

// Snapshot is one immutable view of the cluster's metadata.
type Snapshot struct {
	Version    uint64
	ClusterID  string
	Controller int32
	Brokers    map[int32]BrokerInfo
	Topics     map[string]*Topic
}

// BrokerInfo describes a broker listed in metadata.
type BrokerInfo struct {
	ID   int32
	Addr string
	Rack string
}

// Topic is one topic's metadata.
type Topic struct {
	Name       string
	ID         [16]byte
	ErrCode    int16 // topic-level error, 0 when none
	Internal   bool
	Partitions []Partition // indexed by partition id
}

// Partition is one partition's metadata.
type Partition struct {
	ID          int32
	Leader      int32 // -1 when there is none
	LeaderEpoch int32 // -1 when unknown
	Replicas    []int32
	ISR         []int32
	Offline     []int32
	ErrCode     int16
}

type topicUse struct {
	lastUsed atomic.Int64 // unix nanos
}

// Cluster is the producer's view of a Kafka cluster.
type Cluster struct {
	cfg Config
	log *slog.Logger

	mu      lockorder.Mutex[lockorder.Cluster]
	brokers map[int32]*Broker
	boot    []*Broker
	topics  map[string]*topicUse
	updated chan struct{} // closed and replaced on every new snapshot
	lastErr error         // why the last refresh failed
	// refused is the last refresh failure that was a refused login
	// (*wire.AuthError), kept until a metadata response arrives: a later
	// failure of another kind (another address down, a backoff) does not
	// hide it from waiters.
	refused  error
	closed   bool
	listener func(*Snapshot)

	snap      atomic.Pointer[Snapshot]
	connected atomic.Bool

	// Metadata recovery, used by the refresher goroutine: when the
	// attempt to get metadata that has not succeeded yet began (zero after
	// a success), whether the bootstrap servers are being asked (at first
	// and after a rebootstrap), and how many rebootstraps there were.
	attemptStart  time.Time
	bootstrapping atomic.Bool
	rebootstraps  atomic.Int64

	refresh chan struct{}
	// newTopic is signalled when a topic is first used: its metadata is
	// requested at once, whatever the refresh backoff (as the Java client
	// does), since nobody has asked for it yet.
	newTopic chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{}
}

// New starts tracking the cluster reachable through cfg.Bootstrap. It
// does not connect until the first refresh, which it starts at once.
func New(cfg Config) (*Cluster, error) {
	if len(cfg.Bootstrap) == 0 {
		return nil, errors.New("no bootstrap servers")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cluster{
		cfg:      cfg,
		log:      log,
		brokers:  make(map[int32]*Broker),
		topics:   make(map[string]*topicUse),
		updated:  make(chan struct{}),
		refresh:  make(chan struct{}, 1),
		newTopic: make(chan struct{}, 1),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
	}
	if cfg.Resolver != nil {
		w := *cfg.Wire
		next := w.Dial
		if next == nil {
			var d net.Dialer
			next = d.DialContext
		}
		w.Dial = resolvingDial(cfg.Resolver, next)
		c.cfg.Wire = &w
	}
	if !cfg.CanonicalBootstrap { // canonical names are resolved by the first refresh
		for i, addr := range cfg.Bootstrap {
			c.boot = append(c.boot, newBroker(int32(-1-i), addr, "", c.cfg.Wire, cfg.Reconnect))
		}
	}
	c.bootstrapping.Store(true)
	c.snap.Store(&Snapshot{Controller: -1, Brokers: map[int32]BrokerInfo{}, Topics: map[string]*Topic{}})
	go c.run()
	c.RequestRefresh()
	return c, nil
}

// OnUpdate sets the function called with every new snapshot, on the
// refresh goroutine, before waiters are woken. Set it before use.
func (c *Cluster) OnUpdate(fn func(*Snapshot)) {
	c.mu.Lock()
	c.listener = fn
	c.mu.Unlock()
}

// Snapshot returns the current metadata.
func (c *Cluster) Snapshot() *Snapshot { return c.snap.Load() }

// Connected reports whether any metadata response has been received.
func (c *Cluster) Connected() bool { return c.connected.Load() }

// Rebootstraps counts the times the cluster started over from the
// bootstrap servers.
func (c *Cluster) Rebootstraps() int64 { return c.rebootstraps.Load() }

// Broker returns the broker with the given id, or nil if metadata does not
// list it.
func (c *Cluster) Broker(id int32) *Broker {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.brokers[id]
}

// Brokers returns the brokers metadata lists, and the bootstrap ones until
// it lists any.
func (c *Cluster) Brokers() []*Broker {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Broker, 0, len(c.brokers)+len(c.boot))
	for _, b := range c.brokers {
		out = append(out, b)
	}
	if len(out) == 0 {
		out = append(out, c.boot...)
	}
	return out
}

// RequestRefresh asks for a metadata refresh soon. Calls made while one is
// pending coalesce, and refreshes are at least RefreshBackoff apart.
func (c *Cluster) RequestRefresh() {
	select {
	case c.refresh <- struct{}{}:
	default:
	}
}

// Use marks topic as in use, adding it to the topics refreshed. It reports
// whether the topic was new; the metadata of a new topic is requested at
// once, without waiting out the refresh backoff.
func (c *Cluster) Use(topic string) bool {
	now := time.Now().UnixNano()
	c.mu.Lock()
	u, ok := c.topics[topic]
	if !ok {
		u = new(topicUse)
		u.lastUsed.Store(now) // before it is visible: the idle sweep must not see a zero time
		c.topics[topic] = u
	}
	c.mu.Unlock()
	u.lastUsed.Store(now)
	if !ok {
		select {
		case c.newTopic <- struct{}{}:
		default:
		}
	}
	return !ok
}

// Touch records that topic is still in use (cheap; call it per batch).
func (c *Cluster) Touch(topic string) {
	c.mu.Lock()
	u := c.topics[topic]
	c.mu.Unlock()
	if u != nil {
		u.lastUsed.Store(time.Now().UnixNano())
	}
}

// TopicError is a topic-level error code from metadata that waiting cannot
// fix (authorization failure, invalid topic name).
type TopicError struct {
	Topic string
	Code  int16
}

func (e *TopicError) Error() string {
	return fmt.Sprintf("metadata for topic %q failed with error code %d", e.Topic, e.Code)
}

// fatalTopicCodes are topic errors worth no wait: TOPIC_AUTHORIZATION_FAILED,
// INVALID_TOPIC_EXCEPTION, CLUSTER_AUTHORIZATION_FAILED.
var fatalTopicCodes = []int16{29, 17, 31}

// WaitTopic returns the metadata of topic once it has partitions, marking
// the topic in use and refreshing as needed, until ctx ends. It returns
// a *TopicError at once for errors that waiting cannot fix. On ctx's end
// it returns the context's error joined with the last reason the topic was
// not available; a context that has ended before the call fails it unless
// the topic's metadata was known when the call began.
func (c *Cluster) WaitTopic(ctx context.Context, topic string) (*Topic, error) {
	for asked := false; ; asked = true {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, ErrClosed
		}
		updated, lastErr, refused := c.updated, c.lastErr, c.refused
		c.mu.Unlock()
		t := c.snap.Load().Topics[topic]
		if !asked {
			// Asked for after the first look: whether a context that
			// has already ended fails the call depends on what was known
			// when it began, not on how fast the refresh it asks for is.
			if c.Use(topic) {
				c.RequestRefresh()
			}
			if testHookAsked != nil {
				testHookAsked(topic)
			}
		}
		var why error
		switch {
		case t != nil && t.ErrCode == 0 && len(t.Partitions) > 0:
			return t, nil
		case t != nil && slices.Contains(fatalTopicCodes, t.ErrCode):
			return nil, &TopicError{Topic: topic, Code: t.ErrCode}
		case t != nil:
			why = &TopicError{Topic: topic, Code: t.ErrCode}
			c.RequestRefresh()
		default:
			why = lastErr
			if refused != nil && !c.Connected() {
				// The brokers refuse the credentials: waiting longer
				// changes nothing (the Java client fails at once too).
				return nil, refused
			}
		}
		// An ended context fails the wait even when an update is ready
		// too (select would pick either).
		if err := ctx.Err(); err != nil {
			return nil, errors.Join(err, why)
		}
		select {
		case <-updated:
		case <-ctx.Done():
			return nil, errors.Join(ctx.Err(), why)
		}
	}
}

// testHookAsked, set by tests only, runs in WaitTopic after it asked for
// the topic's metadata.
var testHookAsked func(topic string)

// Close stops refreshing and closes every connection.
func (c *Cluster) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.updated)
	brokers := append(slices.Collect(mapValues(c.brokers)), c.boot...)
	c.mu.Unlock()
	c.cancel()
	<-c.done
	for _, b := range brokers {
		b.close()
	}
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func (c *Cluster) run() {
	defer close(c.done)
	maxAge := c.cfg.MaxAge
	if maxAge <= 0 {
		maxAge = 5 * time.Minute
	}
	backoff := Backoff{Base: c.cfg.RefreshBackoff, Max: c.cfg.RefreshBackoffMax}
	if backoff.Base <= 0 {
		backoff.Base = 100 * time.Millisecond
	}
	periodic := time.NewTimer(maxAge)
	defer periodic.Stop()
	var last time.Time
	failures := 0
	for {
		urgent := false
		select {
		case <-c.refresh:
		case <-c.newTopic:
			urgent = true
		case <-periodic.C:
		case <-c.ctx.Done():
			return
		}
		wait := backoff.Base - time.Since(last)
		if failures > 0 {
			wait = backoff.Delay(failures) - time.Since(last)
		}
		if !urgent && wait > 0 && !c.sleepUnlessNewTopic(wait) {
			return
		}
		// This refresh serves every request made so far.
		drain(c.refresh)
		drain(c.newTopic)
		last = time.Now()
		if err := c.refreshOnce(c.ctx); err != nil {
			if c.ctx.Err() != nil {
				return
			}
			failures++
			c.log.Warn("metadata refresh failed", "err", err, "failures", failures,
				"backoff", backoff.Delay(failures).Round(time.Millisecond))
			c.fail(err)
			c.RequestRefresh() // retried after the backoff above
		} else {
			failures = 0
		}
		periodic.Reset(maxAge)
	}
}

// sleepUnlessNewTopic waits d, or less if a topic is used for the first
// time meanwhile. It reports false when the cluster closed.
func (c *Cluster) sleepUnlessNewTopic(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.newTopic:
	case <-c.ctx.Done():
		return false
	}
	return true
}

func drain(ch chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

// fail records a failed refresh and wakes waiters so they can report it.
func (c *Cluster) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.lastErr = err
	var ae *wire.AuthError
	if errors.As(err, &ae) {
		c.refused = err
	}
	close(c.updated)
	c.updated = make(chan struct{})
}

// metadataRequest lists the topics in use, dropping idle ones. An empty,
// non-nil topic list asks for no topics (nil would ask for all of them).
func (c *Cluster) metadataRequest() *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{}
	req.AllowAutoTopicCreation = c.cfg.AutoCreateTopics
	c.mu.Lock()
	defer c.mu.Unlock()
	idle := time.Now().Add(-c.cfg.MaxIdle).UnixNano()
	for name, u := range c.topics {
		if c.cfg.MaxIdle > 0 && u.lastUsed.Load() < idle {
			delete(c.topics, name)
			continue
		}
		req.Topics = append(req.Topics, kmsg.MetadataRequestTopic{Topic: kmsg.StringPtr(name)})
	}
	return req
}

// apply merges a metadata response into a new snapshot.
func (c *Cluster) apply(resp *kmsg.MetadataResponse) {
	old := c.snap.Load()
	next := &Snapshot{
		Version:    old.Version + 1,
		Controller: resp.ControllerID,
		Brokers:    make(map[int32]BrokerInfo, len(resp.Brokers)),
		Topics:     make(map[string]*Topic, len(old.Topics)),
	}
	if resp.ClusterID != nil {
		next.ClusterID = *resp.ClusterID
	}
	for _, b := range resp.Brokers {
		rack := ""
		if b.Rack != nil {
			rack = *b.Rack
		}
		next.Brokers[b.NodeID] = BrokerInfo{ID: b.NodeID, Addr: net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))), Rack: rack}
	}
	c.mu.Lock()
	for name := range c.topics {
		if t := old.Topics[name]; t != nil {
			next.Topics[name] = t
		}
	}
	c.mu.Unlock()
	for i := range resp.Topics {
		if t := convertTopic(&resp.Topics[i], old.Topics); t != nil {
			next.Topics[t.Name] = t
		}
	}
	if c.log.Enabled(c.ctx, slog.LevelDebug) {
		logChanges(c.log, old, next)
	}
	c.syncBrokers(next.Brokers)
	c.snap.Store(next)
	c.connected.Store(true)
	c.mu.Lock()
	listener := c.listener
	c.mu.Unlock()
	if listener != nil {
		listener(next)
	}
	c.mu.Lock()
	if !c.closed {
		c.lastErr, c.refused = nil, nil
		close(c.updated)
		c.updated = make(chan struct{})
	}
	c.mu.Unlock()
}

// convertTopic turns a response topic into a Topic, keeping the previous
// partition metadata where the response carries an older leader epoch
// (a broker with stale metadata, KIP-320).
func convertTopic(rt *kmsg.MetadataResponseTopic, old map[string]*Topic) *Topic {
	if rt.Topic == nil {
		return nil
	}
	t := &Topic{Name: *rt.Topic, ID: rt.TopicID, ErrCode: rt.ErrorCode, Internal: rt.IsInternal}
	if len(rt.Partitions) == 0 {
		return t
	}
	// Partition ids must be exactly 0..n-1; anything else is a broker bug,
	// reported as UNKNOWN_SERVER_ERROR so that the topic is not used.
	seen := make([]bool, len(rt.Partitions))
	for _, p := range rt.Partitions {
		if p.Partition < 0 || int(p.Partition) >= len(seen) || seen[p.Partition] {
			t.ErrCode = -1
			return t
		}
		seen[p.Partition] = true
	}
	t.Partitions = make([]Partition, len(rt.Partitions))
	prev := old[t.Name]
	for _, p := range rt.Partitions {
		np := Partition{
			ID: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch,
			Replicas: p.Replicas, ISR: p.ISR, Offline: p.OfflineReplicas, ErrCode: p.ErrorCode,
		}
		if prev != nil && int(p.Partition) < len(prev.Partitions) {
			if op := prev.Partitions[p.Partition]; op.LeaderEpoch > np.LeaderEpoch && np.LeaderEpoch >= 0 {
				np = op
			}
		}
		t.Partitions[p.Partition] = np
	}
	return t
}

// syncBrokers makes the broker set match metadata: new brokers are added,
// moved ones re-addressed, departed ones closed.
//
// The connections of moved and departed brokers are closed after c.mu is
// released: closing fails their requests, whose callbacks take the
// producer's locks.
func (c *Cluster) syncBrokers(infos map[int32]BrokerInfo) {
	var stale []*wire.Conn
	defer func() { closeConns(stale) }()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	for id, info := range infos {
		if b := c.brokers[id]; b != nil {
			stale = append(stale, b.setAddr(info.Addr, info.Rack)...)
			continue
		}
		c.brokers[id] = newBroker(id, info.Addr, info.Rack, c.cfg.Wire, c.cfg.Reconnect)
	}
	for id, b := range c.brokers {
		if _, ok := infos[id]; !ok {
			stale = append(stale, b.retire()...)
			delete(c.brokers, id)
		}
	}
}

// logChanges logs, at debug level, what a metadata response changed:
// brokers that joined, moved or left, topics whose partition count or
// error changed, and partitions whose leader or leader epoch changed.
func logChanges(log *slog.Logger, old, next *Snapshot) {
	for id, b := range next.Brokers {
		if ob, ok := old.Brokers[id]; !ok {
			log.Debug("metadata: broker joined", "broker", id, "addr", b.Addr, "rack", b.Rack)
		} else if ob.Addr != b.Addr {
			log.Debug("metadata: broker moved", "broker", id, "addr", b.Addr, "old_addr", ob.Addr)
		}
	}
	for id, b := range old.Brokers {
		if _, ok := next.Brokers[id]; !ok {
			log.Debug("metadata: broker left", "broker", id, "addr", b.Addr)
		}
	}
	for name, t := range next.Topics {
		ot := old.Topics[name]
		if ot == nil || ot.ErrCode != t.ErrCode || len(ot.Partitions) != len(t.Partitions) {
			log.Debug("metadata: topic", "topic", name, "partitions", len(t.Partitions), "error_code", t.ErrCode)
		}
		for i := range t.Partitions {
			p := &t.Partitions[i]
			if ot != nil && i < len(ot.Partitions) && ot.Partitions[i].Leader == p.Leader && ot.Partitions[i].LeaderEpoch == p.LeaderEpoch {
				continue
			}
			oldLeader := int32(-1)
			if ot != nil && i < len(ot.Partitions) {
				oldLeader = ot.Partitions[i].Leader
			}
			log.Debug("metadata: partition leader", "topic", name, "partition", p.ID, "broker", p.Leader,
				"leader_epoch", p.LeaderEpoch, "old_leader", oldLeader, "error_code", p.ErrCode)
		}
	}
}
