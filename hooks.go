package samsa

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/wire"
)

// Hook observes a producer: a value that implements one or more of
// SendHook, AckHook, BatchHook, RequestHook, ConnHook and ProducerHook.
// NewProducer checks once which of them each hook implements, and the
// producer calls only those: a kind of hook nobody installed costs
// nothing. NewProducer refuses a hook that implements none.
//
// Hooks run on the producer's goroutines (SendHook on the caller's), with
// no lock of the producer held, and must be safe for concurrent use and
// quick: a slow hook holds up what comes behind it. A hook that panics is
// recovered and logged at error level; the producer carries on as if that
// call had not happened.
type Hook any

// SendHook runs for every record in Produce, TryProduce, Send and
// SendBatch, before the record is validated and partitioned (the Java
// client's ProducerInterceptor.onSend). It may modify *r: what it leaves
// is what is partitioned and sent. ctx is the context given to Produce
// (context.Background for TryProduce); the context OnSend returns follows
// the record to the AckHooks and to the next SendHook. A hook that has
// nothing to attach returns ctx itself.
//
// To add a header, append to a copy (r.Headers is the caller's slice,
// which may be shared between records): see Record.
type SendHook interface {
	OnSend(ctx context.Context, r *Record) context.Context
}

// AckHook learns the outcome of every record, once, before the record's
// callback or Future (the Java client's onAcknowledgement): after the
// broker acknowledged it, after it failed for good, or at once when
// Produce could not take it. It runs on the goroutine that delivers the
// outcome, in order per partition.
//
// Installing an AckHook costs an allocation or three per record: the
// producer keeps each record's context, key and headers until its
// outcome. An AckHook that wants only some records implements AckFilter.
type AckHook interface {
	OnAcknowledgement(ctx context.Context, a *Ack)
}

// AckFilter is implemented by an AckHook that wants the outcome of only
// some records (a tracer: the sampled ones). WantsAck runs in Produce
// after the SendHooks, with the context they left; a record nobody wants
// costs nothing until its outcome and reaches no AckHook. A record that
// one AckHook wants, or that an AckHook without AckFilter is installed
// for, reaches every AckHook.
//
// The record is passed by value: a filter reads it, and a pointer would
// make every produced record escape to the heap.
type AckFilter interface {
	WantsAck(ctx context.Context, r Record) bool
}

// Ack is one record's outcome, as an AckHook sees it. It is valid only
// during the call, and its slices must not be modified.
type Ack struct {
	// Metadata says where the record was written: topic, partition,
	// offset (-1 on failure or with acks=0), timestamp, key and value
	// sizes. Partition is -1 when the record failed before it was
	// partitioned.
	Metadata RecordMetadata
	// Key and Headers are the record's, as sent (after every SendHook).
	// The value is not kept.
	Key     []byte
	Headers []Header
	// Produced is when Produce took the record.
	Produced time.Time
	// Err is why the record failed, nil when it was acknowledged.
	Err error
}

// BatchHook learns the outcome of every record batch, once, before the
// AckHooks and callbacks of its records. It runs on the goroutine that
// delivers the batch, in order per partition.
type BatchHook interface {
	OnBatch(b *BatchEvent)
}

// BatchEvent describes one record batch and its outcome. It is valid only
// during the call.
type BatchEvent struct {
	Topic     string
	Partition int32
	// Broker is the id of the broker the batch was last sent to, -1 if it
	// never was.
	Broker int32
	// Records counts the batch's records.
	Records int
	// UncompressedBytes is the size of the encoded records before
	// compression; CompressedBytes is the batch as sent, its 61-byte
	// header included (the same as UncompressedBytes plus the header
	// when Compression is CompressionNone).
	UncompressedBytes int
	CompressedBytes   int
	Compression       Compression
	// Attempts counts the produce requests that carried the batch: 1 plus
	// its retries, 0 for a batch that failed before it was sent.
	Attempts int
	// QueueTime is how long the batch waited between its first record and
	// its first send (Java's record-queue-time), and Age how long it
	// lived until this outcome.
	QueueTime, Age time.Duration
	// BaseOffset is the offset of the batch's first record, -1 on failure
	// or with acks=0.
	BaseOffset int64
	// Err is why the batch failed, nil when it was acknowledged.
	Err error
}

// CompressionRatio returns CompressedBytes over UncompressedBytes plus the
// batch header: 1 for an uncompressed batch, below 1 when compression
// saved space. Java's compression-rate is the average of this ratio.
func (b *BatchEvent) CompressionRatio() float64 {
	raw := b.UncompressedBytes + batchHeaderSize
	if raw <= 0 {
		return 1
	}
	return float64(b.CompressedBytes) / float64(raw)
}

// batchHeaderSize is the size of a record batch's header (v2).
const batchHeaderSize = 61

// RequestHook learns of every request the producer sends to a broker
// (produce, metadata, producer id, transaction and telemetry requests,
// and those of the connection handshake) when it ends: with its response
// or with the error that cut it off. It runs on the connection's reader
// goroutine. A produce request is reported before the records it carried
// complete: when their callbacks run, or Flush returns, the hook has seen
// the request (and requests-in-flight no longer counts it).
type RequestHook interface {
	OnRequest(r *RequestEvent)
}

// RequestEvent describes one request and its response. It is valid only
// during the call.
type RequestEvent struct {
	// Broker is the broker's id (negative for a bootstrap address the
	// metadata has not named yet), Addr its host:port.
	Broker int32
	Addr   string
	// APIKey and APIVersion are the request's Kafka API key and version;
	// APIName names the key.
	APIKey     int16
	APIVersion int16
	// BytesWritten and BytesRead are the request and response sizes on
	// the wire, size prefixes included. BytesRead is 0 without a response
	// (Err set, or a produce request with acks=0).
	BytesWritten, BytesRead int
	// Latency is the time from writing the request to reading its
	// response (for acks=0 produce requests, the time to write it).
	Latency time.Duration
	// Throttle is the throttle time the response carried (quota
	// violations, KIP-219).
	Throttle time.Duration
	// Err is what ended the request without a response, nil otherwise.
	// A response that carries Kafka error codes is not an Err here.
	Err error
}

// APIName names the request's API, as Kafka's protocol guide does
// ("Produce", "Metadata", ...).
func (r *RequestEvent) APIName() string { return wire.APIName(r.APIKey) }

// ConnHook learns of every connection to a broker: each dial, successful
// or not, and the end of each connection that was established.
type ConnHook interface {
	// OnConnect reports a dial; Duration is how long it took (TCP, TLS,
	// version negotiation and SASL), Err why it failed.
	OnConnect(c *ConnEvent)
	// OnDisconnect reports the end of an established connection;
	// Duration is how long it was up, Err why it ended (nil when the
	// producer closed it: on Close, or because the broker moved).
	OnDisconnect(c *ConnEvent)
}

// ConnEvent describes a connection's start or end. It is valid only
// during the call.
type ConnEvent struct {
	Broker   int32 // the broker's id, negative for a bootstrap address
	Addr     string
	Duration time.Duration
	Err      error
}

// ProducerHook learns when a producer starts and when it has closed, for
// hooks that read its state (Metrics, Buffered): exporters register the
// producer in OnNewProducer and forget it in OnProducerClosed.
type ProducerHook interface {
	// OnNewProducer runs at the end of NewProducer, before it returns.
	OnNewProducer(p *Producer)
	// OnProducerClosed runs at the end of the first Close, once every
	// record has its outcome and every connection is closed.
	OnProducerClosed(p *Producer)
}

// hookSet holds the installed hooks by kind, sorted once by NewProducer.
type hookSet struct {
	send     []SendHook
	ack      []AckHook
	filters  []AckFilter // of AckHooks; used only when ackAll is false
	ackAll   bool        // an AckHook without AckFilter: every record's outcome is wanted
	batch    []BatchHook
	request  []RequestHook
	conn     []ConnHook
	producer []ProducerHook
}

// sortHooks returns hooks by kind, or an error naming a hook that
// implements no hook interface.
func sortHooks(hooks []Hook) (hookSet, error) {
	var s hookSet
	for i, h := range hooks {
		n := 0
		if v, ok := h.(SendHook); ok {
			s.send, n = append(s.send, v), n+1
		}
		if v, ok := h.(AckHook); ok {
			s.ack, n = append(s.ack, v), n+1
			if f, ok := h.(AckFilter); ok {
				s.filters = append(s.filters, f)
			} else {
				s.ackAll = true
			}
		}
		if v, ok := h.(BatchHook); ok {
			s.batch, n = append(s.batch, v), n+1
		}
		if v, ok := h.(RequestHook); ok {
			s.request, n = append(s.request, v), n+1
		}
		if v, ok := h.(ConnHook); ok {
			s.conn, n = append(s.conn, v), n+1
		}
		if v, ok := h.(ProducerHook); ok {
			s.producer, n = append(s.producer, v), n+1
		}
		if n == 0 {
			return hookSet{}, &ConfigError{Field: "Hooks", Value: fmt.Sprintf("%T", h),
				Reason: fmt.Sprintf("Hooks[%d] implements none of SendHook, AckHook, BatchHook, RequestHook, ConnHook and ProducerHook", i)}
		}
	}
	return s, nil
}

// validateHooks refuses a hook that implements no hook interface.
func (c *Config) validateHooks() error {
	_, err := sortHooks(c.Hooks)
	return err
}

// safely runs fn, a call of hook's method, recovering and logging a panic.
func safely(log *slog.Logger, hook any, method string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("hook panicked", "hook", fmt.Sprintf("%T", hook), "method", method, "panic", fmt.Sprint(v))
		}
	}()
	fn()
}

// onSend runs every SendHook on a copy of *r and returns the copy and the
// context the hooks left. Handing the hooks r itself would make every
// produced record escape to the heap, hooks or not.
func (p *Producer) onSend(ctx context.Context, r *Record) (*Record, context.Context) {
	c := new(Record)
	*c = *r
	for _, h := range p.hooks.send {
		safely(p.log, h, "OnSend", func() {
			if next := h.OnSend(ctx, c); next != nil {
				ctx = next
			}
		})
	}
	return c, ctx
}

// ackSlot is what the producer keeps of a record for the AckHooks until
// its outcome: it replaces the record's callback in the accumulator, only
// when an AckHook is installed. Key and header values are copied into one
// buffer (the caller may reuse theirs once Produce returns); one header
// fits without an allocation of its own.
type ackSlot struct {
	cb       any
	ctx      context.Context
	produced int64 // unix nanoseconds
	key      []byte
	headers  []Header
	inline   [1]Header
}

// withAck returns cb, or an ackSlot carrying it to the AckHooks when they
// want r's outcome.
func (p *Producer) withAck(ctx context.Context, r *Record, cb any) any {
	if len(p.hooks.ack) == 0 || !p.wantsAck(ctx, r) {
		return cb
	}
	return keepForAck(ctx, r, cb)
}

// wantsAck reports whether an AckHook wants r's outcome.
func (p *Producer) wantsAck(ctx context.Context, r *Record) bool {
	if p.hooks.ackAll {
		return true
	}
	for _, f := range p.hooks.filters {
		want := false
		safely(p.log, f, "WantsAck", func() { want = f.WantsAck(ctx, *r) })
		if want {
			return true
		}
	}
	return false
}

// keepForAck returns the ackSlot that carries cb and r's key and headers to
// the AckHooks.
func keepForAck(ctx context.Context, r *Record, cb any) *ackSlot {
	s := &ackSlot{cb: cb, ctx: ctx, produced: time.Now().UnixNano()}
	n := len(r.Key)
	for i := range r.Headers {
		n += len(r.Headers[i].Value)
	}
	var buf []byte
	if n > 0 {
		buf = make([]byte, 0, n)
	}
	s.key, buf = keepBytes(buf, r.Key)
	if len(r.Headers) > 0 {
		if len(r.Headers) <= len(s.inline) {
			s.headers = s.inline[:len(r.Headers)]
		} else {
			s.headers = make([]Header, len(r.Headers))
		}
		for i, h := range r.Headers {
			s.headers[i].Key = h.Key
			s.headers[i].Value, buf = keepBytes(buf, h.Value)
		}
	}
	return s
}

// keepBytes copies b to the end of buf, keeping nil as nil and empty as
// empty, and returns the copy and buf.
func keepBytes(buf, b []byte) ([]byte, []byte) {
	if b == nil {
		return nil, buf
	}
	start := len(buf)
	buf = append(buf, b...)
	return buf[start:len(buf):len(buf)], buf
}

// onAck runs every AckHook for one record.
func (p *Producer) onAck(ctx context.Context, a *Ack) {
	for _, h := range p.hooks.ack {
		safely(p.log, h, "OnAcknowledgement", func() { h.OnAcknowledgement(ctx, a) })
	}
}

// onBatch runs every BatchHook for a batch about to be delivered.
func (p *Producer) onBatch(b *accumulator.Batch, err error) {
	ev := &BatchEvent{
		Topic: b.P.Topic.Name, Partition: b.P.ID, Broker: b.Broker, Records: b.Records(),
		UncompressedBytes: b.RawSize, CompressedBytes: len(b.Wire), Compression: Compression(b.Codec),
		Attempts: b.Attempts, QueueTime: b.QueueTime, Age: time.Since(b.Created), BaseOffset: -1, Err: err,
	}
	if err == nil {
		ev.BaseOffset = b.BaseOffset
	}
	for _, h := range p.hooks.batch {
		safely(p.log, h, "OnBatch", func() { h.OnBatch(ev) })
	}
}

// runProducerHooks runs OnNewProducer or OnProducerClosed.
func (p *Producer) runProducerHooks(closed bool) {
	for _, h := range p.hooks.producer {
		if closed {
			safely(p.log, h, "OnProducerClosed", func() { h.OnProducerClosed(p) })
		} else {
			safely(p.log, h, "OnNewProducer", func() { h.OnNewProducer(p) })
		}
	}
}

// hookObserver turns connection events into RequestHook and ConnHook
// calls; it is the wire.Observer only when such hooks are installed.
type hookObserver struct {
	log  *slog.Logger
	req  []RequestHook
	conn []ConnHook
}

func (o *hookObserver) Connected(node int32, addr string, took time.Duration, err error) {
	ev := &ConnEvent{Broker: node, Addr: addr, Duration: took, Err: err}
	for _, h := range o.conn {
		safely(o.log, h, "OnConnect", func() { h.OnConnect(ev) })
	}
}

func (o *hookObserver) Disconnected(node int32, addr string, up time.Duration, err error) {
	ev := &ConnEvent{Broker: node, Addr: addr, Duration: up, Err: err}
	for _, h := range o.conn {
		safely(o.log, h, "OnDisconnect", func() { h.OnDisconnect(ev) })
	}
}

func (o *hookObserver) Request(w *wire.RequestEvent) {
	if len(o.req) == 0 {
		return
	}
	ev := &RequestEvent{
		Broker: w.Node, Addr: w.Addr, APIKey: w.Key, APIVersion: w.Version,
		BytesWritten: w.Written, BytesRead: w.Read, Latency: w.Latency, Throttle: w.Throttle, Err: w.Err,
	}
	for _, h := range o.req {
		safely(o.log, h, "OnRequest", func() { h.OnRequest(ev) })
	}
}
