package samsa

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
)

// ErrBatchFull is returned by RecordBatch.Append when the record does not
// fit: send the batch and start another.
var ErrBatchFull = errors.New("samsa: the batch is full")

// errBatchSent refuses a RecordBatch used again after SendBatch: a
// programming error, not a transaction state, so it matches no sentinel.
var errBatchSent = errors.New("samsa: the batch was already sent; start another with CreateBatch")

// RecordBatch is a batch of records built by the caller and sent to one
// partition as a unit with SendBatch (direct batch control, as aiokafka's
// create_batch and send_batch). Its records are written together, in
// order, behind the records produced to that partition before SendBatch,
// and get one BatchFuture. A RecordBatch is not safe for concurrent use.
type RecordBatch struct {
	recs  []Record
	size  int // upper bound of the encoded size
	limit int // batch.size, or the first record's size if larger
	max   int // max.request.size: no record may exceed it
	sent  bool
}

// CreateBatch returns an empty batch that holds up to batch.size bytes
// (a single record larger than that, up to max.request.size, fits alone).
func (p *Producer) CreateBatch() *RecordBatch {
	return &RecordBatch{limit: p.cfg.BatchSize, max: p.maxRecord}
}

// Append adds a record's key, value, headers and timestamp to the batch;
// its Topic and Partition are ignored (SendBatch names them). It returns
// ErrBatchFull when the record does not fit, and a *RecordTooLargeError
// for a record that cannot fit any batch.
func (b *RecordBatch) Append(r Record) error {
	if b.sent {
		return errBatchSent
	}
	size := accumulator.MaxRecordSize(r.Key, r.Value, wireHeaders(r.Headers))
	if size > b.max {
		return &RecordTooLargeError{Size: size, Max: int64(b.max), Setting: "max.request.size"}
	}
	if len(b.recs) > 0 && b.size+size > b.limit {
		return ErrBatchFull
	}
	if len(b.recs) == 0 {
		b.limit = max(b.limit, size)
	}
	b.recs = append(b.recs, r)
	b.size += size
	return nil
}

// Len returns the number of records in the batch.
func (b *RecordBatch) Len() int { return len(b.recs) }

// Size returns an upper bound of the batch's encoded size in bytes.
func (b *RecordBatch) Size() int { return b.size }

// BatchFuture is the outcome of a batch sent with SendBatch: it completes
// once every record of the batch has its outcome.
type BatchFuture struct {
	done chan struct{}
	mu   lockorder.Mutex[lockorder.Leaf]
	mds  []RecordMetadata
	err  error
	left int
}

// Done returns a channel closed when the batch has its outcome.
func (f *BatchFuture) Done() <-chan struct{} { return f.done }

// Wait waits for the batch's outcome or for ctx to end. It returns the
// metadata of every record, in batch order, and the first record error.
func (f *BatchFuture) Wait(ctx context.Context) ([]RecordMetadata, error) {
	select {
	case <-f.done:
		return f.mds, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// record returns the callback of record i.
func (f *BatchFuture) record(i int) func(RecordMetadata, error) {
	return func(md RecordMetadata, err error) {
		f.mu.Lock()
		f.mds[i] = md
		if err != nil && f.err == nil {
			f.err = err
		}
		f.left--
		last := f.left == 0
		f.mu.Unlock()
		if last {
			close(f.done)
		}
	}
}

// SendBatch sends b as one batch to the partition to names. It blocks, as
// Produce does, only for the topic's metadata and buffer memory; the
// returned future completes when every record has its outcome. Records
// produced to the same partition before SendBatch are written before the
// batch, and those produced after it, after it.
//
// A batch always goes to a partition the caller names: a partitioner,
// which places records by key, cannot place a batch of many keys.
func (p *Producer) SendBatch(ctx context.Context, b *RecordBatch, to TopicPartition) *BatchFuture {
	topic, partition := to.Topic, to.Partition
	f := &BatchFuture{done: make(chan struct{}), mds: make([]RecordMetadata, len(b.recs)), left: len(b.recs)}
	if len(b.recs) == 0 {
		close(f.done)
		return f
	}
	cbs := make([]any, len(b.recs))
	for i := range b.recs {
		r := &b.recs[i]
		r.Topic, r.Partition = topic, PartitionOf(partition)
		cbs[i] = f.record(i)
		if b.sent {
			continue // refused below, without running hooks again
		}
		rctx := ctx
		if len(p.hooks.send) > 0 {
			var c *Record
			c, rctx = p.onSend(ctx, r)
			c.Topic, c.Partition = topic, PartitionOf(partition) // the batch's destination is fixed
			*r = *c
		}
		if len(p.hooks.ack) > 0 {
			cbs[i] = p.withAck(rctx, r, cbs[i])
		}
	}
	if err := p.sendBatch(ctx, b, topic, partition, cbs); err != nil {
		for i := range b.recs {
			_ = p.failRecord(&b.recs[i], partition, cbs[i], err)
		}
	}
	return f
}

// sendBatch validates b's destination and appends it, the records with
// the callbacks cbs; on error nothing was appended.
func (p *Producer) sendBatch(ctx context.Context, b *RecordBatch, topic string, partition int32, cbs []any) error {
	if b.sent {
		return errBatchSent
	}
	b.sent = true
	if p.closing.Load() {
		return ErrProducerClosed
	}
	t, err := p.topic(ctx, topic, false)
	if err != nil {
		return err
	}
	parts := t.Partitions()
	if partition < 0 || int(partition) >= len(parts) {
		return fmt.Errorf("%w: partition %d of topic %q, which has %d partitions", ErrInvalidPartition, partition, topic, len(parts))
	}
	now := time.Now().UnixMilli()
	recs := make([]accumulator.Record, len(b.recs))
	for i := range b.recs {
		r := &b.recs[i]
		ts := now
		if !r.Timestamp.IsZero() {
			ts = r.Timestamp.UnixMilli()
		}
		recs[i] = accumulator.Record{Timestamp: ts, Key: r.Key, Value: r.Value, Headers: wireHeaders(r.Headers), CB: cbs[i]}
	}
	part := parts[partition]
	if err := p.acc.AppendBatch(ctx, part, recs, false); err != nil {
		return p.appendError(topic, err)
	}
	if p.txnl && p.ids.AddPartition(part) {
		p.snd.Wake(part)
	}
	return nil
}
