package accumulator

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/recordbatch"
)

// Partition is one partition's queue of batches.
type Partition struct {
	// The fields every append takes come first, in one cache line: with
	// records spread over many partitions each append finds its partition
	// out of cache. (A Partition is 241-256 bytes, a size class the
	// allocator places at multiples of 64: TestPartitionLayout.)
	mu   lockorder.Mutex[lockorder.Partition]
	open *Batch // receives appends; nil when none
	// Records appended and not yet delivered, and their encoded size.
	bufRecords, bufBytes int64

	Topic    *Topic
	acc      *Accumulator
	ID       int32
	lastSize atomic.Int32 // bytes of p's last sealed batch, to size the next one's buffer
	// servicing is set while the sender drains p or completes a batch of
	// it: an append finding p's mutex held then knows the holder is not
	// another append (see Topic.contended).
	servicing atomic.Bool

	ready       []*Batch // sealed, waiting to be sent; creation order
	undelivered []*Batch // every batch not yet delivered; creation order
	// undeliveredArr is the start of undelivered's array when that is at
	// most maxKeptQueue long, reused once every batch was delivered.
	undeliveredArr []*Batch
	nextSeq        uint64
	// listed: p is in its accumulator's list of partitions with batches
	// (Accumulator.active); set with the first batch, under mu; cleared
	// by the expiry walk once p has none, under mu.
	listed     atomic.Bool
	delivering bool  // a goroutine is running Deliver for this partition
	inFlight   int   // batches handed to the sender, not yet back
	lastDrain  int64 // unix ns of the last Drain: the leader could take batches
	// openDone is set while a goroutine waits for the memory of p's next
	// batch (the opener, open.go), and closed when it is done.
	openDone atomic.Pointer[chan struct{}]
	_        [8]byte // keeps a Partition in the 256-byte size class (TestPartitionLayout)

	// Leader is the partition's leader broker id (-1 for none) and
	// LeaderEpoch its epoch, as the sender last learned them.
	Leader      atomic.Int32
	LeaderEpoch atomic.Int32

	// SenderState belongs to the sender; the accumulator never touches it.
	SenderState any
	// TxnState is the partition's place in the current transaction, kept
	// by the transaction manager (none, pending AddPartitionsToTxn, added).
	TxnState atomic.Int32

	// Sequence state of the idempotent producer, guarded by mu: the next
	// base sequence to assign, and the producer id and epoch it counts for.
	nextSequence int32
	lastAcked    int32
	seqPID       int64
	seqEpoch     int16
	// The producer state of the last batch restored from the spool that
	// the broker acknowledged (recAcked): later restored batches of the
	// same state may be pipelined.
	recEpoch int16
	recAcked bool
	recPID   int64
}

func newPartition(t *Topic, id int32) *Partition {
	p := &Partition{Topic: t, ID: id, acc: t.acc, lastAcked: -1, seqPID: -1, seqEpoch: -1}
	p.Leader.Store(-1)
	p.LeaderEpoch.Store(-1)
	return p
}

// String names the partition as topic[id].
func (p *Partition) String() string { return p.Topic.Name + "[" + itoa(p.ID) + "]" }

func itoa(n int32) string {
	if n == 0 {
		return "0"
	}
	var b [12]byte
	i := len(b)
	neg := n < 0
	u := int64(n)
	if neg {
		u = -u
	}
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// appendOpen appends r to the open batch if there is one with room and
// returns the bytes added, or -1. p.mu is held.
func (p *Partition) appendOpen(r *Record) int {
	if p.open == nil {
		return -1
	}
	n := p.open.tryAppend(r)
	if n >= 0 {
		p.bufRecords++
		p.bufBytes += int64(n)
	}
	return n
}

// maxKeptQueue is the longest batch queue array a partition keeps for
// reuse once empty: a few batches' worth, not a past backlog's.
const maxKeptQueue = 16

// bufSize is the buffer to start a batch of p with: the size of p's last
// batch and a half (a partition that gets a few records per linger does
// not take batch.size), enough for r, at most need. Appends grow it as
// far as need.
func (p *Partition) bufSize(need int64, r *Record) int {
	want := int(p.lastSize.Load())
	want += want / 2
	return int(min(need, int64(max(want, batchOverhead+r.size(), minBufClass))))
}

// addUndeliveredLocked puts b last in p's batch order. p.mu is held.
func (p *Partition) addUndeliveredLocked(b *Batch) {
	if u := p.undelivered; len(u) == cap(u) && cap(p.undeliveredArr) > 0 && 2*len(u) <= cap(p.undeliveredArr) {
		// Delivery moved the slice to the end of its array: move the
		// batches back to the front instead of allocating a new array,
		// so that a partition whose batches come and go a few at a time
		// allocates nothing. (The copy is of at most maxKeptQueue/2.)
		arr := p.undeliveredArr[:cap(p.undeliveredArr)]
		n := copy(arr, u)
		clear(arr[n:])
		p.undelivered = arr[:n]
	}
	grow := len(p.undelivered) == cap(p.undelivered)
	p.undelivered = append(p.undelivered, b)
	if grow { // a new array
		p.undeliveredArr = nil
		if cap(p.undelivered) <= maxKeptQueue {
			p.undeliveredArr = p.undelivered[:0]
		}
	}
	if !p.listed.Load() {
		p.listed.Store(true)
		p.acc.addActive(p)
	}
}

// newBatchLocked makes an empty batch of p in buf, of at most limit
// bytes, holding reserved bytes of the memory budget (and of the spool's),
// next in p's creation order. p.mu is held.
func (p *Partition) newBatchLocked(buf []byte, limit, reserved int64) *Batch {
	b := &Batch{
		P: p, seq: p.nextSeq, span: seqStride, buf: buf[:batchOverhead], limit: int(limit), entries: getEntries(),
		reserved: reserved, crcValid: true, crcAppend: p.acc.cfg.Codec == compress.None, BaseSeq: -1, ProducerID: -1, ProducerEpoch: -1, LogAppendTime: -1, BaseOffset: -1, Broker: -1,
		Transactional: p.acc.cfg.Transactional, txnGen: p.acc.txnGen.Load(),
	}
	p.nextSeq += seqStride
	if p.acc.cfg.Spool != nil {
		b.SpoolReserved = reserved
	}
	b.Created = time.Now()
	b.Deadline = b.Created.Add(p.acc.cfg.DeliveryTimeout)
	return b
}

// reserve takes need bytes from the pool: at once, or waiting up to
// max.block.ms and until ctx ends.
func (a *Accumulator) reserve(ctx context.Context, need int64, try bool) error {
	if !try {
		a.pace.wait(ctx)
	}
	if a.cfg.Spool != nil {
		return a.reserveSpooled(ctx, need, try)
	}
	if a.pool.TryReserve(need) {
		return nil
	}
	if try {
		return errBufferFull
	}
	start := time.Now()
	bctx, cancel := context.WithTimeout(ctx, a.cfg.MaxBlock)
	defer cancel()
	if err := a.pool.Reserve(bctx, need); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &ExhaustedError{Waited: time.Since(start), Need: need}
	}
	return nil
}

// batchOverhead is the batch header, reserved at the front of the buffer.
const batchOverhead = 61

// sealOpenLocked closes the open batch to appends and queues it. Without
// compression or spool it is ready at once; otherwise it is returned so
// the caller can compress and spool it outside p.mu (finishSeal). p.mu is
// held.
func (p *Partition) sealOpenLocked() *Batch {
	b := p.open
	if b == nil {
		return nil
	}
	p.open = nil
	p.ready = append(p.ready, b)
	p.acc.sealed(b)
	if p.acc.cfg.Codec == 0 && p.acc.cfg.Spool == nil {
		_ = b.encode(nil, 0, nil)
		b.state = stateReady
		return nil
	}
	b.state = stateSealing
	return b
}

// sealInBackground compresses a batch sealOpenLocked returned on a
// goroutine of its own, so that compression uses the cores the producing
// goroutine does not: the caller goes back to appending at once. At most
// GOMAXPROCS batches are compressed at a time; the caller waits for a turn
// beyond that, which bounds the uncompressed batches held up by
// compression. Drain skips a batch until it is ready.
func (p *Partition) sealInBackground(b *Batch) {
	if p.acc.cfg.Codec == 0 {
		p.finishSeal(b) // only spooling to do: a write, not worth a goroutine
		return
	}
	sem := p.acc.compressing
	sem <- struct{}{}
	go func() {
		defer func() { <-sem }()
		p.finishSeal(b)
	}()
}

// finishSeal compresses a batch sealOpenLocked returned, marks it ready
// and wakes the sender.
func (p *Partition) finishSeal(b *Batch) {
	a := p.acc
	if err := b.encode(a.cfg.Compressor, a.cfg.Codec, &a.bufs); err != nil {
		a.log.Warn("compression failed; sending the batch uncompressed", "topic", p.Topic.Name, "partition", p.ID, "err", err)
	}
	p.spoolWrite(b)
	p.mu.Lock()
	if b.abortedSealing {
		p.deliverAbortedLocked(b)
		return
	}
	if b.state == stateSealing {
		b.state = stateReady
	}
	p.mu.Unlock()
	a.cfg.Wake(p)
}

// deliverAbortedLocked delivers a batch that abort failed while it was
// being compressed, now that compression is over. p.mu is held; it is
// released.
func (p *Partition) deliverAbortedLocked(b *Batch) {
	b.state = stateDone
	p.deliverLocked()
}

// DrainResult is what Drain found in a partition.
type DrainResult struct {
	// Batch is the batch to send, or nil.
	Batch *Batch
	// WakeAt is when the partition will next have something to send
	// (a linger or retry backoff ending); zero when it has nothing or is
	// waiting for an event the sender will be woken for.
	WakeAt time.Time
	// Expired lists batches whose delivery timeout passed; the caller fails
	// them (Complete) with a timeout error.
	Expired []*Batch
	// Ambiguous lists batches that an attempt under an earlier producer
	// epoch may have written; the caller fails them with ErrOutcomeUnknown.
	Ambiguous []*Batch
	// Failed lists batches whose bytes could not be read back from the
	// spool; the caller fails them with their LastErr.
	Failed []*Batch
	// Queued reports that p still holds batches waiting to be sent (ready
	// or open) after this drain: the sender must look at p again. When it
	// is false, p has nothing to send until the sender is woken for it.
	Queued bool
}

// ProducerState is the idempotent producer's identity, which Drain uses
// to assign sequence numbers. The zero value (ID -1 after NoProducer) means
// not idempotent.
type ProducerState struct {
	ID    int64
	Epoch int16
}

// NoProducer is the state of a producer that is not idempotent.
var NoProducer = ProducerState{ID: -1, Epoch: -1}

// Drain takes the next batch to send from p, if any is sendable at now: a
// sealed batch whose retry backoff is over, or the open batch once its
// linger has passed (or at once while flushing or when memory is short).
// With maxBytes > 0 a batch larger than that is left for a later request.
// For an idempotent producer (ps.ID >= 0) it assigns the batch's
// sequence numbers the first time the batch is drained.
//
// early lets an open batch go before its linger ends, once it has waited
// at least half of it: the sender sets it when a request is going to the
// partition's broker anyway, so that batches about to be due ride along
// instead of making requests of their own (a topic of many partitions
// then takes a few full requests, not one small request per partition).
// A batch younger than that is left to fill: the partition a sticky
// producer is filling is not cut into small batches.
func (p *Partition) Drain(now time.Time, maxBytes int, ps ProducerState, early bool) DrainResult {
	a := p.acc
	var res DrainResult
	p.mu.Lock()
	p.servicing.Store(true)
	defer p.servicing.Store(false)
	p.lastDrain = now.UnixNano()
	res.Expired = p.expireLocked(now, res.Expired)
	res.Queued = len(p.ready) > 0 || p.open != nil
	if ps.ID >= 0 && p.inFlight > 0 && !p.pipelinedLocked(ps) {
		// Until the broker has acknowledged a batch of this producer id and
		// epoch, one batch at a time: a broker that knows nothing of the
		// producer takes any first sequence, so a later batch overtaking a
		// refused first one (NOT_LEADER_OR_FOLLOWER on a new partition)
		// would leave a hole the first could never fill.
		p.mu.Unlock()
		return res
	}
	if ps.ID >= 0 && p.inFlight >= maxUnanswered && p.nextNeedsSequenceLocked() {
		// No new sequence while maxUnanswered batches are out (see
		// maxUnanswered); an answer or a retry wakes the sender.
		p.mu.Unlock()
		return res
	}
	var b *Batch
	switch {
	case len(p.ready) > 0:
		head := p.ready[0]
		if head.state != stateReady {
			break // being compressed; finishSeal wakes the sender
		}
		if head.RetryAt.After(now) {
			res.WakeAt = head.RetryAt
			break
		}
		if size := max(len(head.Wire), head.wireLen); maxBytes > 0 && size > maxBytes {
			break
		}
		b = head
		p.ready = p.ready[1:]
	case p.open != nil:
		o := p.open
		due := o.Created.Add(a.cfg.Linger)
		if now.Before(due) && a.flushing.Load() == 0 && a.pool.Waiting() == 0 && !o.full() &&
			(!early || now.Before(o.Created.Add(a.cfg.Linger/2))) {
			res.WakeAt = due
			break
		}
		if maxBytes > 0 && a.wireBound(len(o.buf)) > maxBytes {
			break
		}
		p.open = nil
		b = o
		a.sealed(b)
		if a.cfg.Codec == compress.None && a.cfg.Spool == nil {
			// Nothing to compress or spool: the record buffer is the
			// batch, ready without releasing and retaking the mutex
			// (which the producing goroutine may be waiting for).
			_ = b.encode(nil, compress.None, nil)
			b.state = stateReady
		} else {
			b.state = stateSealing
		}
	}
	if b == nil {
		p.mu.Unlock()
		return res
	}
	res.Queued = len(p.ready) > 0 || p.open != nil
	if b.state == stateSealing {
		p.mu.Unlock()
		if err := b.encode(a.cfg.Compressor, a.cfg.Codec, &a.bufs); err != nil {
			a.log.Warn("compression failed; sending the batch uncompressed", "topic", p.Topic.Name, "partition", p.ID, "err", err)
		}
		p.spoolWrite(b)
		p.mu.Lock()
		if b.abortedSealing {
			p.deliverAbortedLocked(b)
			return res
		}
	} else if b.spilled && !p.loadSpilledLocked(b, &res) {
		return res
	}
	if ps.ID >= 0 && b.BaseSeq >= 0 && !b.Recovered && (b.ProducerID != ps.ID || b.ProducerEpoch != ps.Epoch) {
		// Sequenced under an earlier producer epoch and back from flight
		// after the bump: resend under the new one only if no earlier
		// attempt may have written it.
		if b.MaybeWritten {
			b.state = stateInFlight
			p.inFlight++
			wake := a.taken(b)
			p.mu.Unlock()
			if wake {
				a.pace.wake()
			}
			res.Ambiguous = append(res.Ambiguous, b)
			return res
		}
		b.BaseSeq = -1
	}
	b.state = stateInFlight
	p.inFlight++
	if ps.ID >= 0 && b.BaseSeq < 0 {
		p.assignSequenceLocked(b, ps)
	}
	wake := a.taken(b)
	p.mu.Unlock()
	if wake {
		a.pace.wake()
	}
	res.Batch = b
	return res
}

// wireBound is the most bytes a batch of n uncompressed bytes (header
// included) can take on the wire: n, or with a codec the header and the
// codec's bound for the records, as the compressed size is only known
// once the batch is drained and compressed.
func (a *Accumulator) wireBound(n int) int {
	if a.cfg.Codec == compress.None || a.cfg.Compressor == nil {
		return n
	}
	return recordbatch.HeaderSize + a.cfg.Compressor.MaxSize(n-recordbatch.HeaderSize)
}

// assignSequenceLocked gives b the partition's next sequence numbers under
// the producer state ps, restarting at 0 when the producer id or epoch
// changed. p.mu is held.
func (p *Partition) assignSequenceLocked(b *Batch, ps ProducerState) {
	if p.seqPID != ps.ID || p.seqEpoch != ps.Epoch {
		p.seqPID, p.seqEpoch, p.nextSequence = ps.ID, ps.Epoch, 0
	}
	b.ProducerID, b.ProducerEpoch, b.BaseSeq = ps.ID, ps.Epoch, p.nextSequence
	p.nextSequence = int32((int64(p.nextSequence) + int64(len(b.entries))) & 0x7fffffff)
}

// expireLocked removes batches not in flight whose delivery deadline has
// passed and appends them to out. p.mu is held.
func (p *Partition) expireLocked(now time.Time, out []*Batch) []*Batch {
	if !p.mayExpireLocked(now) {
		return out
	}
	keep := p.ready[:0]
	for _, b := range p.ready {
		if b.state == stateReady && !now.Before(b.Deadline) {
			out = append(out, b)
			continue
		}
		keep = append(keep, b)
	}
	clear(p.ready[len(keep):])
	p.ready = keep
	if o := p.open; o != nil && !now.Before(o.Deadline) {
		p.open = nil
		out = append(out, o)
	}
	return out
}

// mayExpireLocked reports whether any batch of p not in flight may be
// past its delivery deadline. Deadlines follow creation order (a batch's
// deadline is its creation plus delivery.timeout.ms, and the ready queue
// and its retries are kept in creation order), so only the oldest ready
// batch and the open batch need a look: a drain costs the same with one
// batch queued or thousands. p.mu is held.
func (p *Partition) mayExpireLocked(now time.Time) bool {
	if len(p.ready) > 0 && !now.Before(p.ready[0].Deadline) {
		return true
	}
	return p.open != nil && !now.Before(p.open.Deadline)
}

// Retry puts a batch the sender got back without success into the ready
// queue, in creation order, to be sent again at retryAt.
func (p *Partition) Retry(b *Batch, retryAt time.Time) {
	p.mu.Lock()
	if b.state != stateInFlight {
		p.mu.Unlock()
		return
	}
	p.inFlight--
	b.state = stateReady
	b.RetryAt = retryAt
	p.ready = insertBySeq(p.ready, b)
	p.mu.Unlock()
	p.acc.cfg.Wake(p)
}

// Complete records b's outcome: its base offset (or -1) and log append
// time (or -1) on success, or err. Outcomes are delivered (the Deliver
// hook, then memory release) in the partition's batch order, by whichever
// goroutine completes the oldest undelivered batch. Completing a batch that
// already has its outcome does nothing.
func (p *Partition) Complete(b *Batch, baseOffset, logAppendTime int64, err error) {
	p.mu.Lock()
	p.servicing.Store(true)
	defer p.servicing.Store(false)
	if b.state == stateDone {
		p.mu.Unlock()
		return
	}
	// An idempotent partition's queued batches may have been held back
	// until this one came home (see Drain); the sink that owns the
	// partition now may not be the one that sent it, so wake it.
	wake := b.state == stateInFlight && b.BaseSeq >= 0 && (len(p.ready) > 0 || p.open != nil)
	if b.state == stateInFlight {
		p.inFlight--
	}
	b.state = stateDone
	b.BaseOffset, b.LogAppendTime, b.Err = baseOffset, logAppendTime, err
	p.deliverLocked()
	if wake {
		p.acc.cfg.Wake(p)
	}
}

// deliverLocked delivers done batches from the front of the partition's
// order. It is entered with p.mu held and returns with it released.
func (p *Partition) deliverLocked() {
	if p.delivering {
		p.mu.Unlock()
		return
	}
	p.delivering = true
	for len(p.undelivered) > 0 && p.undelivered[0].state == stateDone {
		// b stays first in undelivered until its Deliver hook returned,
		// so that a Flush arriving meanwhile waits for its callbacks.
		b := p.undelivered[0]
		p.bufRecords -= int64(b.Records())
		p.bufBytes -= b.bytes
		p.mu.Unlock()
		p.acc.deliver(b)
		p.mu.Lock()
		p.undelivered[0] = nil
		p.undelivered = p.undelivered[1:]
		if len(p.undelivered) == 0 {
			p.undelivered = p.undelivered[:0:0]
		}
		if b.done != nil {
			close(b.done)
			b.done = nil
		}
	}
	p.delivering = false
	p.mu.Unlock()
}

// lastUndelivered returns the done channel of the newest batch not yet
// delivered, making it if needed, or nil when every batch was delivered.
func (p *Partition) lastUndelivered() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.undelivered) == 0 {
		return nil
	}
	b := p.undelivered[len(p.undelivered)-1]
	if b.done == nil {
		b.done = make(chan struct{})
	}
	return b.done
}

// abort fails every batch of p that is not in flight with err, and in-flight
// ones too when inFlight is set (their late responses are then ignored);
// with gen set, only the batches of that transaction generation.
func (p *Partition) abort(err error, inFlight bool, gen *uint32) {
	p.mu.Lock()
	var failed []*Batch
	for _, b := range p.undelivered {
		if gen != nil && b.txnGen != *gen {
			continue
		}
		switch b.state {
		case stateDone:
		case stateInFlight:
			if !inFlight {
				continue
			}
			b.noReuse = true
			p.inFlight--
			failed = append(failed, b)
		case stateSealing:
			// Being compressed outside p.mu: delivering it now would
			// recycle the buffers the compressor is using. Whoever
			// compresses it delivers it, in order, when done.
			b.Err, b.abortedSealing = err, true
		default:
			failed = append(failed, b)
		}
	}
	if gen == nil {
		p.open = nil
		clear(p.ready)
		p.ready = p.ready[:0]
	} else {
		p.dropGenLocked(*gen)
	}
	for _, b := range failed {
		b.state = stateDone
		b.Err = err
	}
	p.deliverLocked()
}

// dropGenLocked takes the batches of transaction generation gen out of
// p's open batch and ready queue, as abort fails them. p.mu is held.
func (p *Partition) dropGenLocked(gen uint32) {
	if p.open != nil && p.open.txnGen == gen {
		p.open = nil
	}
	keep := p.ready[:0]
	for _, b := range p.ready {
		if b.txnGen != gen {
			keep = append(keep, b)
		}
	}
	clear(p.ready[len(keep):])
	p.ready = keep
}

// Buffered reports the records appended to p that have no outcome yet
// (not yet delivered), and their encoded size in bytes.
func (p *Partition) Buffered() (records, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bufRecords, p.bufBytes
}

// Pending reports the batches of p not yet delivered and those in flight.
func (p *Partition) Pending() (undelivered, inFlight int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.undelivered), p.inFlight
}

// QueuedBatches reports how many batches wait to be sent, for the adaptive
// partitioner.
func (p *Partition) QueuedBatches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.ready)
	if p.open != nil {
		n++
	}
	return n
}

// stalled reports whether batches of p have waited longer than d while
// its leader took none of them (partitioner.availability.timeout.ms): the
// sender drains a partition only when its leader is connected and has room
// for another request.
func (p *Partition) stalled(now int64, d time.Duration) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ready) == 0 {
		return false
	}
	since := max(p.ready[0].Created.UnixNano(), p.lastDrain)
	return now-since > int64(d)
}
