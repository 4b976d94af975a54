package samsa

import (
	"errors"
	"fmt"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/sender"
	"github.com/samsa-go/samsa/internal/txn"
	"github.com/samsa-go/samsa/kerr"
)

// deliver runs the outcome of every record of a batch, in offset order.
// It is the accumulator's Deliver hook: once per batch, on a producer
// goroutine, in each partition's batch order.
func (p *Producer) deliver(b *accumulator.Batch) {
	if b.Err != nil && p.txnl {
		p.ids.BatchFailed(b, b.Err)
	}
	err := p.publicError(b)
	md := RecordMetadata{
		Topic: b.P.Topic.Name, Partition: b.P.ID, Offset: -1, LeaderEpoch: b.LeaderEpoch,
	}
	logAppend := err == nil && b.LogAppendTime >= 0 && !duplicateAnswer(b)
	if logAppend {
		md.TimestampType, md.Timestamp = LogAppendTime, time.UnixMilli(b.LogAppendTime)
	}
	if len(p.hooks.batch) > 0 {
		p.onBatch(b, err)
	}
	var ack *Ack
	if len(p.hooks.ack) > 0 {
		ack = new(Ack) // one per batch, reused for its records
	}
	for i, e := range b.Entries() {
		if err == nil && b.BaseOffset >= 0 {
			md.Offset = b.BaseOffset + int64(i)
		}
		if !logAppend {
			md.Timestamp = time.UnixMilli(e.Timestamp)
		}
		md.SerializedKeySize, md.SerializedValueSize = int(e.KeySize), int(e.ValueSize)
		cb := e.CB
		if s, ok := cb.(*ackSlot); ok {
			*ack = Ack{Metadata: md, Key: s.key, Headers: s.headers, Produced: time.Unix(0, s.produced), Err: err}
			p.onAck(s.ctx, ack)
			cb = s.cb
		}
		switch f := cb.(type) {
		case func(RecordMetadata, error):
			f(md, err)
		case *Future:
			f.complete(md, err)
		}
	}
	if p.spool != nil {
		p.spoolDelivered(b, err)
	}
}

// duplicateAnswer reports whether b's log_append_time is what Kafka
// sends for a retried batch it already had: the stored batch's max
// timestamp, which on a CreateTime topic is b's own max create time, not
// a log append time. On a LogAppendTime topic the stored max timestamp
// is the broker's clock, which equals b's max create time only by a
// millisecond-exact coincidence.
func duplicateAnswer(b *accumulator.Batch) bool {
	return b.Attempts > 1 && b.LogAppendTime == b.MaxTimestamp()
}

// publicError maps a batch's internal outcome to the errors samsa
// documents; it runs once per batch.
func (p *Producer) publicError(b *accumulator.Batch) error {
	err := b.Err
	if err == nil {
		return nil
	}
	var (
		be *sender.BrokerError
		te *sender.TimeoutError
		tl *sender.TooLargeError
		uo *sender.UnknownOutcomeError
		ab *sender.AbortedError
	)
	switch {
	case errors.Is(err, sender.ErrClosed) && b.Spooled != nil:
		return errLeftInSpool
	case errors.Is(err, sender.ErrClosed):
		return ErrProducerClosed
	case errors.Is(err, txn.ErrAborted):
		return ErrTransactionAborted
	case errors.As(err, &ab):
		return fmt.Errorf("%w: record for %s[%d]: %w", ErrTransactionAborted, b.P.Topic.Name, b.P.ID, p.mapCause(ab.Last))
	case errors.As(err, &uo):
		return fmt.Errorf("%w: record for %s[%d]: %w", ErrOutcomeUnknown, b.P.Topic.Name, b.P.ID, p.mapCause(uo.Last))
	case errors.As(err, &te):
		return &DeliveryTimeoutError{
			Topic: b.P.Topic.Name, Partition: b.P.ID, Timeout: p.cfg.DeliveryTimeout,
			Attempts: te.Attempts, Last: p.mapCause(te.Last),
		}
	case errors.As(err, &tl):
		setting := "max.message.bytes"
		if kerr.Code(tl.Err.Code) == kerr.RecordListTooLarge {
			setting = "segment.bytes"
		}
		return &RecordTooLargeError{Topic: b.P.Topic.Name, Size: tl.Size, Setting: setting,
			Broker: kafkaError(tl.Err.Code, tl.Err.Msg)}
	case errors.As(err, &be):
		return kafkaError(be.Code, be.Msg)
	}
	return p.txnError(err)
}

// mapCause maps the last error of a timed-out batch.
func (p *Producer) mapCause(err error) error {
	var be *sender.BrokerError
	if errors.As(err, &be) && be.Code >= 0 {
		return kafkaError(be.Code, be.Msg)
	}
	if ae := authFailure(err); ae != nil {
		return ae
	}
	return err
}
