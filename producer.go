package samsa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/config"
	"github.com/samsa-go/samsa/internal/hashing"
	"github.com/samsa-go/samsa/internal/sender"
	"github.com/samsa-go/samsa/internal/spooler"
	"github.com/samsa-go/samsa/internal/telemetry"
	"github.com/samsa-go/samsa/internal/txn"
	"github.com/samsa-go/samsa/internal/wire"
	"github.com/samsa-go/samsa/kerr"
)

// version is samsa's version, sent to brokers in ApiVersions (KIP-511).
const version = "0.1.0"

// Version returns samsa's version, which the producer also sends to
// brokers as its client software version (KIP-511).
func Version() string { return version }

// Producer sends records to Kafka. It is safe for concurrent use by many
// goroutines; records produced to one partition are written, and their
// callbacks run, in the order of the Produce calls.
type Producer struct {
	cfg  Config
	log  *slog.Logger
	cl   *cluster.Cluster
	acc  *accumulator.Accumulator
	snd  *sender.Sender
	ids  *txn.Manager // nil unless idempotent
	txnl bool         // transactional: ids manages transactions too
	part Partitioner  // nil: the built-in partitioner

	spool    *spooler.Spooler // nil without Config.Spool
	recovery recoveryState

	hooks     hookSet
	tel       *telemetry.Client // nil unless enable.metrics.push
	maxRecord int
	started   time.Time
	clock     recordClock // default record timestamps
	yield     yielder     // Produce's yields on a single processor
	metrics   metricsState

	parked parking // records produced inside callbacks, waiting for their topic's metadata

	closing   atomic.Bool
	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

// NewProducer validates cfg and starts a producer. It does not wait for
// the cluster: the first Produce to a topic waits for its metadata.
func NewProducer(cfg Config) (*Producer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ClientID == "" {
		cfg.ClientID = defaultClientID(cfg.TransactionalID)
	}
	addrs, err := cfg.bootstrapAddrs()
	if err != nil {
		return nil, err
	}
	wopts, err := cfg.wireOptions()
	if err != nil {
		return nil, err
	}
	codec := compress.Codec(cfg.Compression)
	comp, err := compress.NewCompressor(codec, cfg.CompressionLevel)
	if err != nil {
		return nil, &ConfigError{Key: "compression.type", Field: "Compression", Value: cfg.Compression.String(), Reason: err.Error()}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("client_id", cfg.ClientID)
	wopts.Logger = log
	p := &Producer{
		cfg: cfg, log: log, part: cfg.Partitioner,
		maxRecord: cfg.MaxRequestSize, started: time.Now(), closed: make(chan struct{}),
	}
	p.parked.init()
	p.yield.init(cfg.Linger)
	p.hooks, _ = sortHooks(cfg.Hooks) // Validate checked them
	if cfg.Spool.Dir != "" {
		if err := p.openSpool(); err != nil {
			return nil, err
		}
	}
	if len(p.hooks.request)+len(p.hooks.conn) > 0 {
		wopts.Observer = &hookObserver{log: log, req: p.hooks.request, conn: p.hooks.conn}
	}
	p.cl, err = cluster.New(cluster.Config{
		Bootstrap: addrs, Wire: wopts,
		Reconnect:      cluster.Backoff{Base: cfg.ReconnectBackoff, Max: cfg.ReconnectBackoffMax},
		MaxAge:         cfg.MetadataMaxAge,
		MaxIdle:        cfg.MetadataMaxIdle,
		RefreshBackoff: cfg.RetryBackoff, RefreshBackoffMax: cfg.RetryBackoffMax,
		AutoCreateTopics:   true,
		Rebootstrap:        cfg.MetadataRecovery == MetadataRecoveryRebootstrap,
		RebootstrapAfter:   cfg.MetadataRecoveryTrigger,
		CanonicalBootstrap: cfg.DNSLookup == DNSLookupCanonicalBootstrap,
		Logger:             log,
	})
	if err != nil {
		_ = p.closeSpool()
		return nil, err
	}
	delivery := cfg.DeliveryTimeout
	if delivery == 0 && p.spool != nil {
		delivery = unlimitedDelivery
	}
	var accSpool accumulator.Spool
	if p.spool != nil {
		accSpool = p.spool
	}
	p.acc = accumulator.New(accumulator.Config{
		BatchSize: cfg.BatchSize, Linger: cfg.Linger, BufferMemory: cfg.BufferMemory,
		DeliveryTimeout: delivery, Codec: codec, Compressor: comp, Spool: accSpool,
		Adaptive: cfg.PartitionerAdaptive, AvailabilityTimeout: cfg.PartitionerAvailabilityTimeout,
		MaxBlock: cfg.MaxBlock, Logger: log, Pace: paceBytes(&cfg, p.spool != nil),
		Transactional: cfg.TransactionalID != "",
		Wake:          func(pt *accumulator.Partition) { p.snd.Wake(pt) }, Deliver: p.deliver,
		WakeAt: func(pt *accumulator.Partition, due time.Time) { p.snd.WakeAt(pt, due) },
	})
	scfg := sender.Config{
		Acks: int16(cfg.Acks), RequestTimeout: cfg.RequestTimeout, MaxRequestSize: cfg.MaxRequestSize,
		MaxInFlight: cfg.MaxInFlight, Retries: cfg.Retries,
		RetryBackoff:    cluster.Backoff{Base: cfg.RetryBackoff, Max: cfg.RetryBackoffMax},
		DeliveryTimeout: delivery, Logger: log,
	}
	if p.spool != nil {
		scfg.Spool = p.spool
	}
	if cfg.idempotent() {
		p.ids = txn.New(txn.Config{
			Cluster: p.cl, Backoff: scfg.RetryBackoff, Logger: log,
			Busy:  func() int { return p.snd.Busy() },
			Reset: func(ps accumulator.ProducerState) { p.acc.ResetSequences(ps, p.snd.FailUnknownOutcome) },
			Wake:  func() { p.snd.WakeAll() },

			TransactionalID: cfg.TransactionalID, TransactionTimeout: cfg.TransactionTimeout,
			Accumulator: p.acc, Flush: p.Flush,
		})
		p.txnl = p.ids.Transactional()
		scfg.Producer = p.ids
		if p.txnl {
			scfg.TransactionalID = &p.cfg.TransactionalID
		}
	}
	p.snd = sender.New(scfg, p.acc, p.cl)
	p.cl.OnUpdate(p.snd.OnMetadata)
	p.snd.Start()
	if p.ids != nil {
		p.ids.Start()
	}
	p.startTelemetry()
	if p.spool != nil {
		p.startSpool()
	}
	p.runProducerHooks(false)
	return p, nil
}

// producerSeq numbers the producers of the process whose client id is
// generated.
var producerSeq atomic.Int64

// defaultClientID returns the client id of a producer without one:
// producer-<transactional id>, or producer-N, as the Java client names
// its producers.
// paceBytes is how many bytes of sealed batches may wait for a sender
// that keeps up (accumulator.Config.Pace): what a broker's connection can
// take in one round (max.in.flight requests of max.request.size), and at
// least four batches. Batches in flight do not count. A producer with a
// spool is not paced: the spool has its own way with memory that runs
// short.
func paceBytes(cfg *Config, spool bool) int64 {
	if spool {
		return 0
	}
	return max(int64(cfg.MaxInFlight)*int64(cfg.MaxRequestSize), 4*int64(cfg.BatchSize))
}

func defaultClientID(transactionalID string) string {
	if transactionalID != "" {
		return "producer-" + transactionalID
	}
	return "producer-" + strconv.FormatInt(producerSeq.Add(1), 10)
}

// wireOptions builds the connection settings: timeouts, socket buffers,
// TLS and SASL.
func (c *Config) wireOptions() (*wire.Options, error) {
	o := &wire.Options{
		ClientID: c.ClientID, SoftwareName: "samsa", SoftwareVersion: version,
		DialTimeout: c.ConnectTimeout, RequestTimeout: c.RequestTimeout,
		MaxInFlight: c.MaxInFlight + 1, // one spare for the SASL re-authentication exchange
		SendBuffer:  c.SendBufferBytes, ReceiveBuffer: c.ReceiveBufferBytes,
		MaxIdle: max(c.ConnectionsMaxIdle, 0),
		Logger:  c.Logger, Dial: c.Dial,
	}
	if config.SecurityProtocol(c.SecurityProtocol).UsesTLS() {
		t, err := c.TLS.build()
		if err != nil {
			return nil, err
		}
		o.TLS = t
	}
	if config.SecurityProtocol(c.SecurityProtocol).UsesSASL() {
		m, err := c.SASL.mechanismWith(c.Logger)
		if err != nil {
			return nil, err
		}
		o.SASL = m
	}
	return o, nil
}

// Produce sends r asynchronously. fn, which may be nil, is called exactly
// once with the record's metadata or the error that ended it: after the
// broker acknowledged the record, or at once for a record Produce cannot
// take (an invalid topic or partition, a record too large, a closed
// producer).
//
// Produce blocks only while it waits for the topic's metadata or for
// buffer memory, at most max.block.ms and until ctx ends; it then fails
// the record with ErrUnknownTopic, ErrBufferExhausted or ctx's error.
// Once Produce returns, ctx no longer matters: the record is bounded by
// delivery.timeout.ms.
//
// Callbacks run on the producer's goroutines, in order per partition; they
// must not block for long, since they hold up acknowledgements behind them.
// A Produce inside a callback does not wait for buffer memory (the
// callback's goroutine is the one that frees it): when none is free the
// record fails at once with ErrBufferExhausted. Nor does it wait for a
// topic's metadata: the record waits for it on its own (copied, in order
// with the other records produced to the topic inside callbacks), and
// Flush waits for it.
func (p *Producer) Produce(ctx context.Context, r Record, fn func(RecordMetadata, error)) {
	var cb any
	if fn != nil {
		cb = fn
	}
	_ = p.produce(ctx, &r, cb, false)
}

// TryProduce is Produce without blocking: when the record would have to
// wait, for buffer memory or for the topic's metadata, it fails at once
// with an error matching ErrWouldBlock (missing metadata is then
// requested). Its error is also passed to fn.
func (p *Producer) TryProduce(r Record, fn func(RecordMetadata, error)) error {
	var cb any
	if fn != nil {
		cb = fn
	}
	return p.produce(context.Background(), &r, cb, true)
}

// produce runs the producer's half of the send path for one record: it
// validates, partitions and appends it, or fails it with its callback.
func (p *Producer) produce(ctx context.Context, r *Record, cb any, try bool) error {
	if len(p.hooks.send) > 0 {
		r, ctx = p.onSend(ctx, r)
	}
	if len(p.hooks.ack) > 0 {
		cb = p.withAck(ctx, r, cb)
	}
	if p.closing.Load() {
		return p.failRecord(r, -1, cb, ErrProducerClosed)
	}
	t := p.acc.Topic(r.Topic)
	if (t == nil || len(t.Partitions()) == 0 || p.parked.active.Load() > 0) && !try && p.acc.InDeliver() {
		if parked, err := p.park(ctx, r, cb, t); parked {
			return err
		}
	}
	if t == nil || len(t.Partitions()) == 0 {
		var err error
		if t, err = p.topic(ctx, r.Topic, try); err != nil {
			return p.failRecord(r, -1, cb, err)
		}
	}
	return p.produceTo(ctx, t, r, cb, try)
}

// produceTo is produce's second half, once the topic's metadata is known:
// it partitions and appends r, or fails it with its callback.
func (p *Producer) produceTo(ctx context.Context, t *accumulator.Topic, r *Record, cb any, try bool) error {
	var ts, now int64
	if r.Timestamp.IsZero() {
		ts = p.clock.nowMilli()
		now = ts
	} else {
		ts = r.Timestamp.UnixMilli()
	}
	in := accumulator.Record{Timestamp: ts, Key: r.Key, Value: r.Value, Headers: wireHeaders(r.Headers), CB: cb}
	if p.mayBeTooLarge(r) {
		if err := p.checkRecordSize(r, &in, cb); err != nil {
			return err
		}
	}
	var (
		err  error
		part *accumulator.Partition
	)
	id, explicit := r.Partition.Number()
	switch {
	case explicit:
		parts := t.Partitions()
		if id < 0 || int(id) >= len(parts) {
			return p.failRecord(r, id, cb, fmt.Errorf("%w: partition %d of topic %q, which has %d partitions",
				ErrInvalidPartition, id, r.Topic, len(parts)))
		}
		part = parts[id]
		err = p.acc.Append(ctx, part, &in, try)
	case p.part != nil:
		all := t.All()
		id = p.part.Partition(r.Topic, r.Key, all, t.Available())
		if id < 0 || int(id) >= len(all) {
			return p.failRecord(r, id, cb, fmt.Errorf("%w: the partitioner chose partition %d of topic %q, which has %d partitions",
				ErrInvalidPartition, id, r.Topic, len(all)))
		}
		part = t.Partitions()[id]
		err = p.acc.Append(ctx, part, &in, try)
	case r.Key != nil && !p.cfg.PartitionerIgnoreKeys:
		parts := t.Partitions()
		id = hashing.KafkaPartition(r.Key, int32(len(parts)))
		part = parts[id]
		err = p.acc.Append(ctx, part, &in, try)
	default:
		part, err = p.acc.AppendSticky(ctx, t, &in, try)
	}
	if err != nil {
		return p.failRecord(r, id, cb, p.appendError(r.Topic, err))
	}
	if p.txnl && p.ids.AddPartition(part) {
		p.snd.Wake(part) // the sink may have passed it over while it was not in the transaction
	}
	if !try && p.yield.mayYield(now) {
		p.yieldIfDue(now)
	}
	return nil
}

// mayBeTooLarge reports whether r could exceed max.request.size or
// buffer.memory, by a cheap upper bound of its encoded size: each varint
// counted at its widest. Only records near the limits pay for the exact
// size.
func (p *Producer) mayBeTooLarge(r *Record) bool {
	const perRecord = 5 + 1 + 10 + 5 + 5 + 5 + 5 + 13 + 61 // length, attributes, deltas, key/value lengths, header count, slack, batch header
	bound := perRecord + len(r.Key) + len(r.Value)
	for i := range r.Headers {
		bound += 10 + len(r.Headers[i].Key) + len(r.Headers[i].Value)
	}
	return bound > p.maxRecord || int64(bound) > p.cfg.BufferMemory
}

// checkRecordSize fails r with a RecordTooLargeError if its exact encoded
// size exceeds max.request.size or buffer.memory; it returns nil when the
// record fits after all.
func (p *Producer) checkRecordSize(r *Record, in *accumulator.Record, cb any) error {
	size := accumulator.MaxRecordSize(r.Key, r.Value, in.Headers)
	if size <= p.maxRecord && int64(size) <= p.cfg.BufferMemory {
		return nil
	}
	setting, limit := "max.request.size", int64(p.maxRecord)
	if int64(size) > p.cfg.BufferMemory {
		setting, limit = "buffer.memory", p.cfg.BufferMemory
	}
	return p.failRecord(r, -1, cb, &RecordTooLargeError{Topic: r.Topic, Size: size, Max: limit, Setting: setting})
}

// appendError turns an accumulator error into the producer's.
func (p *Producer) appendError(topic string, err error) error {
	var ex *accumulator.ExhaustedError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("waiting for buffer memory for a record to topic %q: %w", topic, err)
	case errors.As(err, &ex):
		return &BufferExhaustedError{Waited: ex.Waited, BufferMemory: p.cfg.BufferMemory, Need: int(ex.Need)}
	case errors.Is(err, accumulator.ErrBufferFull):
		return errBufferFull
	case errors.Is(err, accumulator.ErrNoWaitInDeliver):
		return fmt.Errorf("%w: no free buffer memory (buffer.memory=%d) for a record to topic %q produced inside a delivery callback, "+
			"which does not wait for it: the callback's goroutine delivers the outcomes that free it", ErrBufferExhausted, p.cfg.BufferMemory, topic)
	case errors.Is(err, accumulator.ErrClosed):
		return ErrProducerClosed
	case p.spool != nil && isSpoolError(err):
		return spoolError(p.cfg.Spool.Dir, err)
	}
	return p.txnError(err)
}

// topic returns the accumulator's topic once its metadata is known,
// waiting up to max.block.ms (or, with try, not at all).
func (p *Producer) topic(ctx context.Context, name string, try bool) (*accumulator.Topic, error) {
	if err := validateTopic(name); err != nil {
		return nil, err
	}
	if try {
		if mt := p.cl.Snapshot().Topics[name]; mt == nil || mt.ErrCode != 0 {
			p.cl.Use(name)
			p.cl.RequestRefresh()
			return nil, fmt.Errorf("%w: metadata of topic %q is not known yet", ErrWouldBlock, name)
		}
	}
	return p.waitTopic(ctx, name, p.cfg.MaxBlock)
}

// waitTopic waits up to wait for topic name's metadata, or until ctx
// ends, and returns its accumulator topic.
func (p *Producer) waitTopic(ctx context.Context, name string, wait time.Duration) (*accumulator.Topic, error) {
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	start := time.Now()
	mt, err := p.cl.WaitTopic(wctx, name)
	if err != nil {
		return nil, p.topicError(name, time.Since(start), err, ctx)
	}
	t := p.acc.AddTopic(name)
	p.snd.ApplyTopic(t, mt, p.cl.Snapshot())
	return t, nil
}

// topicError explains why a topic's metadata did not come.
func (p *Producer) topicError(name string, waited time.Duration, err error, ctx context.Context) error {
	var te *cluster.TopicError
	if errors.As(err, &te) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("topic %q: %w", name, kafkaError(te.Code, ""))
	}
	if ctx.Err() != nil {
		return fmt.Errorf("waiting for metadata of topic %q: %w", name, ctx.Err())
	}
	if errors.Is(err, cluster.ErrClosed) {
		return ErrProducerClosed
	}
	if ae := authFailure(err); ae != nil {
		// The brokers refused the credentials: say so in a way that
		// errors.Is(err, kerr.SASLAuthenticationFailed) sees.
		return fmt.Errorf("%w: no metadata for topic %q: %w", ErrUnknownTopic, name, ae)
	}
	return fmt.Errorf("%w: no metadata for topic %q within max.block.ms=%v: %v", ErrUnknownTopic, name, p.cfg.MaxBlock, err)
}

// authFailure returns SASL_AUTHENTICATION_FAILED, carrying the connection
// layer's description, when err reports a SASL authentication failure;
// otherwise nil.
func authFailure(err error) *KafkaError {
	var ae *wire.AuthError
	if !errors.As(err, &ae) {
		return nil
	}
	return &KafkaError{Code: kerr.SASLAuthenticationFailed, Message: ae.Error()}
}

// failUnsent fails a record that never reached produce (a serializer
// failed): the AckHooks learn of it with ctx, the SendHooks never saw it.
func (p *Producer) failUnsent(ctx context.Context, r *Record, cb any, err error) error {
	if len(p.hooks.ack) > 0 && p.wantsAck(ctx, r) {
		cb = &ackSlot{cb: cb, ctx: ctx, produced: time.Now().UnixNano(), key: r.Key, headers: r.Headers}
	}
	return p.failRecord(r, -1, cb, err)
}

// failRecord gives a record its error outcome at once and returns err.
// cb is the record's callback, or its ackSlot when AckHooks are installed.
func (p *Producer) failRecord(r *Record, partition int32, cb any, err error) error {
	md := RecordMetadata{
		Topic: r.Topic, Partition: partition, Offset: -1, Timestamp: r.Timestamp, LeaderEpoch: -1,
		SerializedKeySize: sizeOf(r.Key), SerializedValueSize: sizeOf(r.Value),
	}
	if s, ok := cb.(*ackSlot); ok {
		p.onAck(s.ctx, &Ack{Metadata: md, Key: s.key, Headers: s.headers, Produced: time.Unix(0, s.produced), Err: err})
		cb = s.cb
	}
	complete(cb, md, err)
	return err
}

func sizeOf(b []byte) int {
	if b == nil {
		return -1
	}
	return len(b)
}

// complete runs the record's callback or completes its future.
func complete(cb any, md RecordMetadata, err error) {
	switch f := cb.(type) {
	case func(RecordMetadata, error):
		f(md, err)
	case *Future:
		f.complete(md, err)
	case nil:
	default:
		panic(fmt.Sprintf("samsa: unknown callback type %T", cb))
	}
}

// Flush sends every record produced before the call without waiting for
// linger.ms, and waits until each has its outcome (callbacks run and
// returned), or ctx ends. Inside a delivery callback it would wait for
// itself: it returns an error matching ErrInsideCallback instead.
func (p *Producer) Flush(ctx context.Context) error {
	if err := p.refuseInsideCallback("Flush"); err != nil {
		return err
	}
	if err := p.parked.wait(ctx); err != nil {
		return err
	}
	p.snd.WakeAll()
	return p.acc.Flush(ctx)
}

// Close flushes buffered records, waiting until ctx ends, then releases
// connections and goroutines. Records still without an outcome when ctx
// ends fail with ErrProducerClosed, as do records produced after Close
// began. Close returns ctx's error if it had to cut records off. Calling
// Close again waits for the first call to finish.
//
// Inside a delivery callback Close cannot wait (the goroutine running the
// callback is one it would wait for). It then closes as the Java client
// does there, as if ctx had already ended: the producer stops taking
// records, those without an outcome fail with ErrProducerClosed, and it
// returns at once with an error matching ErrInsideCallback, while the
// shutdown finishes on another goroutine once the callback returns. A
// Close from any other goroutine waits for that shutdown.
func (p *Producer) Close(ctx context.Context) error {
	if p.acc.InDeliver() {
		return p.closeInsideCallback(ctx)
	}
	p.closing.Store(true)
	p.closeOnce.Do(func() {
		p.closeErr = p.shutdown(ctx)
		p.runProducerHooks(true)
		close(p.closed)
	})
	<-p.closed
	return p.closeErr
}

func (p *Producer) shutdown(ctx context.Context) error {
	p.parked.close(ctx) // records produced inside callbacks, waiting for metadata
	if p.txnl && p.ids.InTransaction() {
		// As the Java client does: a transaction left open is aborted, so
		// that its records never become visible to read_committed readers.
		if err := p.ids.AbortTransaction(ctx); err != nil {
			p.log.Warn("aborting the open transaction on Close", "err", err)
		}
	}
	if p.spool != nil {
		p.spool.SealAll() // what Kafka does not take in time stays in the spool
	}
	err := p.Flush(ctx)
	p.acc.Close() // appends still in progress now fail
	if p.spool != nil {
		p.spool.SealAll()
	}
	if err == nil {
		err = p.Flush(ctx) // what those appends added before the barrier
	}
	if err != nil {
		// Not the batches in flight: a sink may be writing one now. They
		// end with their requests, or with the connections closed below.
		p.acc.Abort(sender.ErrClosed, false)
	}
	if p.tel != nil {
		p.tel.Close(ctx) // the last, terminating push, with every outcome counted
	}
	p.snd.Close()
	if p.ids != nil {
		p.ids.Close()
	}
	p.cl.Close()
	p.acc.Abort(sender.ErrClosed, true) // requests cut off by the closed connections
	if serr := p.closeSpool(); err == nil {
		err = serr
	}
	return err
}

// closeSpool closes the spool, if there is one, once nothing writes to
// it any more, and reports the recovery if it had not finished.
func (p *Producer) closeSpool() error {
	if p.spool == nil {
		return nil
	}
	err := p.spool.Close()
	p.closeRecovery()
	return spoolError(p.cfg.Spool.Dir, err)
}

// PartitionsFor returns the partitions of topic, waiting for its metadata
// as Produce does.
func (p *Producer) PartitionsFor(ctx context.Context, topic string) ([]PartitionInfo, error) {
	if err := validateTopic(topic); err != nil {
		return nil, err
	}
	if _, err := p.topic(ctx, topic, false); err != nil {
		return nil, err
	}
	snap := p.cl.Snapshot()
	mt := snap.Topics[topic]
	if mt == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTopic, topic)
	}
	out := make([]PartitionInfo, len(mt.Partitions))
	for i, mp := range mt.Partitions {
		out[i] = PartitionInfo{
			Topic: topic, Partition: mp.ID, Leader: mp.Leader, LeaderEpoch: mp.LeaderEpoch,
			Replicas: append([]int32(nil), mp.Replicas...), ISR: append([]int32(nil), mp.ISR...),
			Offline: append([]int32(nil), mp.Offline...),
		}
	}
	return out, nil
}

// PartitionInfo describes one partition of a topic.
type PartitionInfo struct {
	Topic       string
	Partition   int32
	Leader      int32 // broker id of the leader, -1 when there is none
	LeaderEpoch int32
	Replicas    []int32
	ISR         []int32 // in-sync replicas
	Offline     []int32 // replicas on offline brokers
}

// ClientID returns the producer's client.id: Config.ClientID, or the one
// NewProducer chose when it was empty.
func (p *Producer) ClientID() string { return p.cfg.ClientID }
