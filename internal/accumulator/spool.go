package accumulator

import (
	"context"
	"time"

	"github.com/samsa-go/samsa/internal/recordbatch"
)

// Spool is a durable log that every batch is written to before it can be
// sent (Config.Spool; the producer's spool.dir). With a spool, batches
// are sealed even while no sink drains them (SealLingering), a batch
// whose bytes are durable may give its memory back (MarkDurable, and
// SpillDurable when memory runs short) and is read back when drained,
// and batches found in the spool at startup are put at the front of
// their partitions (Restore).
type Spool interface {
	// Reserve takes n bytes of the spool's budget for a batch about to be
	// created, waiting while the spool is full until ctx ends; with try it
	// fails at once instead.
	Reserve(ctx context.Context, n int64, try bool) error
	// Release returns a reservation no batch will use.
	Release(n int64)
	// Write writes b, sealed and encoded, header written without a
	// producer id, to the log. It is called once per batch, on the
	// goroutine that sealed it, with no lock held, before b can be
	// drained; b.SpoolReserved is the reservation it replaces.
	Write(b *Batch)
	// Split records that parts, encoded, replace orig, before the parts
	// can be drained.
	Split(orig *Batch, parts []*Batch)
	// Load reads back the bytes of a batch whose memory was given back,
	// into buf if it is large enough.
	Load(b *Batch, buf []byte) ([]byte, error)
}

// spillAfter is how long buffer memory must stay exhausted before
// batches durable in the spool give theirs back: acknowledgements free
// memory within milliseconds when the cluster keeps up, and a batch read
// back from the spool costs a read and a decode that waiting spares.
const spillAfter = 50 * time.Millisecond

// reserveSpooled reserves need bytes of the spool, then of buffer
// memory, for a new batch, within max.block.ms in all; with try it waits
// for neither. While memory stays exhausted (the cluster is slow or
// down), batches durable in the spool give theirs back.
func (a *Accumulator) reserveSpooled(ctx context.Context, need int64, try bool) error {
	s := a.cfg.Spool
	spoolErr := s.Reserve(ctx, need, true)
	if spoolErr == nil && a.tryReserveSpilling(need) {
		return nil
	}
	if try {
		if spoolErr != nil {
			return spoolErr
		}
		s.Release(need)
		return errBufferFull
	}
	start := time.Now()
	bctx, cancel := context.WithTimeout(ctx, a.cfg.MaxBlock)
	defer cancel()
	if spoolErr != nil {
		if err := s.Reserve(bctx, need, false); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
	}
	for {
		wctx, wcancel := context.WithTimeout(bctx, spillAfter)
		err := a.pool.Reserve(wctx, need)
		wcancel()
		if err == nil {
			a.memFullSince.Store(0)
			return nil
		}
		if bctx.Err() != nil {
			s.Release(need)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &ExhaustedError{Waited: time.Since(start), Need: need}
		}
		if a.tryReserveSpilling(need) {
			return nil
		}
	}
}

// tryReserveSpilling takes need bytes of buffer memory if they are free,
// first making durable batches give theirs back if memory has been
// exhausted for spillAfter.
func (a *Accumulator) tryReserveSpilling(need int64) bool {
	if a.pool.TryReserve(need) {
		a.memFullSince.Store(0)
		return true
	}
	now := time.Now().UnixNano()
	since := a.memFullSince.Load()
	if since == 0 {
		a.memFullSince.CompareAndSwap(0, now)
		return false
	}
	if now-since < int64(spillAfter) {
		return false
	}
	a.SpillDurable()
	if a.pool.TryReserve(need) {
		a.memFullSince.Store(0)
		return true
	}
	return false
}

// unreserve returns a new batch's reservations when the batch is not
// made after all.
func (a *Accumulator) unreserve(need int64) {
	a.pool.Release(need)
	if a.cfg.Spool != nil {
		a.cfg.Spool.Release(need)
	}
}

// spoolWrite writes an encoded batch to the spool, its header first
// written without a producer id (the sender stamps the id, epoch and
// sequence when it sends the batch, byte for byte as a recovery resends
// it). The batch is sealing: nobody else touches it.
func (p *Partition) spoolWrite(b *Batch) {
	s := p.acc.cfg.Spool
	if s == nil {
		return
	}
	b.WriteHeader()
	s.Write(b)
}

// loadSpilledLocked reads back the bytes of b, a spilled batch Drain
// took, releasing p.mu during the read. It reports whether b may be
// sent; if not, p.mu is released: b was aborted meanwhile (and is now
// delivered), or could not be read (it is in res.Failed, in flight, for
// the caller to fail).
func (p *Partition) loadSpilledLocked(b *Batch, res *DrainResult) bool {
	b.state = stateSealing
	p.mu.Unlock()
	wire, err := p.acc.cfg.Spool.Load(b, p.acc.bufs.get(b.wireLen))
	if err == nil {
		if b.baseTs == 0 && len(wire) >= recordbatch.HeaderSize {
			if h, herr := recordbatch.ParseHeader(wire); herr == nil {
				b.baseTs, b.maxTs = h.BaseTimestamp, h.MaxTimestamp // a restored batch
			}
		}
		b.expandEntries(wire)
	}
	p.mu.Lock()
	if err == nil {
		b.Wire, b.buf, b.spilled, b.crcValid = wire, nil, false, false
	}
	if b.abortedSealing {
		p.deliverAbortedLocked(b)
		return false
	}
	if err != nil {
		b.state = stateInFlight
		p.inFlight++
		b.LastErr = err
		res.Failed = append(res.Failed, b)
		p.mu.Unlock()
		return false
	}
	return true
}

// MarkDurable records that b's bytes are durable in the spool (ok), or
// that they cannot be: a durable batch may give its memory back while it
// waits to be sent (SpillDurable). notify, if not nil, is run on b's
// entries unless b already has its outcome (its entries may be recycled
// once it is delivered); it runs under p.mu and must only signal, never
// block or call out.
func (p *Partition) MarkDurable(b *Batch, ok bool, notify func([]Entry)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if notify != nil && b.state != stateDone {
		notify(b.entries)
	}
	b.durable = b.durable || ok
}

// SpillDurable makes the batches waiting to be sent whose bytes are
// durable in the spool give their memory back (they are read back when
// drained), all but the next of each partition, which goes out first.
func (a *Accumulator) SpillDurable() {
	for _, t := range a.Topics() {
		for _, p := range t.Partitions() {
			p.mu.Lock()
			for i, b := range p.ready {
				if i > 0 && b.durable {
					p.spillLocked(b)
				}
			}
			p.mu.Unlock()
		}
	}
}

// spillLocked drops b's bytes and releases its memory, if b is a ready
// batch whose bytes nothing else references. p.mu is held.
func (p *Partition) spillLocked(b *Batch) {
	if b.state != stateReady || b.spilled || b.Wire == nil || b.noReuse {
		return
	}
	a := p.acc
	b.wireLen = len(b.Wire)
	a.pool.Release(b.reserved)
	b.reserved = 0
	if b.buf != nil {
		a.bufs.put(b.buf)
	}
	if b.buf == nil || &b.Wire[0] != &b.buf[0] {
		a.bufs.put(b.Wire)
	}
	b.buf, b.Wire, b.spilled = nil, nil, true
	b.compactEntries()
}

// compactEntries keeps of b's entries only their count and callbacks
// (none when no record has one), for as long as b is spilled.
func (b *Batch) compactEntries() {
	if b.entries == nil {
		return
	}
	var cbs []any
	for i := range b.entries {
		if cb := b.entries[i].CB; cb != nil {
			if cbs == nil {
				cbs = make([]any, len(b.entries))
			}
			cbs[i] = cb
		}
	}
	b.nrec, b.cbs = len(b.entries), cbs
	putEntries(b.entries)
	b.entries = nil
}

// expandEntries rebuilds the entries compactEntries dropped: callbacks
// from cbs, timestamps and sizes from wire, the batch's bytes (zero when
// wire is nil or does not decode: a batch that failed before it was read
// back).
func (b *Batch) expandEntries(wire []byte) {
	e := getEntries()
	var recs []recordbatch.Record
	if wire != nil {
		if _, r, err := recordbatch.Decode(wire, 1<<31-1); err == nil && len(r) == b.nrec {
			recs = r
		}
	}
	for i := range b.nrec {
		en := Entry{KeySize: -1, ValueSize: -1}
		if b.cbs != nil {
			en.CB = b.cbs[i]
		}
		if recs != nil {
			en.Timestamp = b.baseTs + recs[i].TimestampDelta
			en.KeySize, en.ValueSize = sizeOrNull(recs[i].Key), sizeOrNull(recs[i].Value)
		}
		e = append(e, en)
	}
	b.entries, b.cbs, b.nrec = e, nil, 0
}

func sizeOrNull(b []byte) int32 {
	if b == nil {
		return -1
	}
	return int32(len(b))
}

// RestoredBatch is a batch read back from the spool at startup, to be
// sent again before anything produced now.
type RestoredBatch struct {
	Records int
	Size    int // bytes of the encoded batch
	// ProducerID, ProducerEpoch and BaseSeq are the producer state the
	// batch was last sent under, or -1s. With a producer id, the batch is
	// resent as it was, so that the broker deduplicates it (Batch.Recovered).
	ProducerID    int64
	ProducerEpoch int16
	BaseSeq       int32
	// Sent reports that an earlier attempt may have written the batch.
	Sent bool
	// Spooled is the spool's handle (Batch.Spooled).
	Spooled any
}

// Restore queues rb on partition of topic, to be sent before anything
// appended to the partition: at once if the partition exists (it must
// not have taken appends yet), or when metadata first makes it. The
// batch's bytes stay in the spool until it is drained.
func (a *Accumulator) Restore(topic string, partition int32, rb RestoredBatch) {
	a.topicsMu.Lock()
	defer a.topicsMu.Unlock()
	if t := (*a.topics.Load())[topic]; t != nil {
		if parts := t.Partitions(); int(partition) < len(parts) {
			parts[partition].restore(rb)
			return
		}
	}
	if a.restoring == nil {
		a.restoring = make(map[string]map[int32][]RestoredBatch)
	}
	m := a.restoring[topic]
	if m == nil {
		m = make(map[int32][]RestoredBatch)
		a.restoring[topic] = m
	}
	m[partition] = append(m[partition], rb)
}

// restoreLocked queues the batches waiting for p, a partition being made
// and not yet visible to appends. a.topicsMu is held.
func (a *Accumulator) restoreLocked(p *Partition) {
	m := a.restoring[p.Topic.Name]
	for _, rb := range m[p.ID] {
		p.restore(rb)
	}
	delete(m, p.ID)
}

// Unrestored counts the restored batches still waiting for their
// partition to appear in metadata.
func (a *Accumulator) Unrestored() int {
	a.topicsMu.Lock()
	defer a.topicsMu.Unlock()
	n := 0
	for _, m := range a.restoring {
		for _, bs := range m {
			n += len(bs)
		}
	}
	return n
}

func (p *Partition) restore(rb RestoredBatch) {
	b := &Batch{
		P: p, nrec: rb.Records, state: stateReady, spilled: true, durable: true,
		wireLen: rb.Size, bytes: int64(rb.Size), HeaderWritten: true, span: seqStride,
		ProducerID: rb.ProducerID, ProducerEpoch: rb.ProducerEpoch, BaseSeq: rb.BaseSeq,
		Recovered: rb.ProducerID >= 0, MaybeWritten: rb.Sent, Spooled: rb.Spooled,
		LogAppendTime: -1, BaseOffset: -1, Broker: -1, Transactional: p.acc.cfg.Transactional,
	}
	b.Created = time.Now()
	b.Deadline = b.Created.Add(p.acc.cfg.DeliveryTimeout)
	p.mu.Lock()
	b.seq = p.nextSeq
	p.nextSeq += seqStride
	p.ready = append(p.ready, b)
	p.addUndeliveredLocked(b)
	p.bufRecords += int64(rb.Records)
	p.bufBytes += b.bytes
	p.mu.Unlock()
	p.acc.batchesCreated.Add(1)
}

// Order returns b's place in its partition's creation order: batches of
// a partition are sent in increasing Order.
func (b *Batch) Order() uint64 { return b.seq }

// SealLingering seals every open batch older than after (all of them
// with all), so that it is written to the spool even when no sink drains
// its partition (no leader, or the cluster is down). It returns once the
// batches are written, compression included.
func (a *Accumulator) SealLingering(now time.Time, after time.Duration, all bool) {
	for _, t := range a.Topics() {
		for _, p := range t.Partitions() {
			p.mu.Lock()
			var sealed *Batch
			if o := p.open; o != nil && (all || !now.Before(o.Created.Add(after))) {
				sealed = p.sealOpenLocked()
			}
			p.mu.Unlock()
			if sealed != nil {
				p.finishSeal(sealed)
			}
		}
	}
	if all {
		// Wait for batches being compressed in the background.
		for range cap(a.compressing) {
			a.compressing <- struct{}{}
		}
		for range cap(a.compressing) {
			<-a.compressing
		}
	}
}
