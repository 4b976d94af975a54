package accumulator

import (
	"fmt"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/recordbatch"
)

// seqStride spaces the creation numbers of batches, leaving room for the
// batches a split makes to sit between their neighbours.
const seqStride = 1 << 20

// Split replaces b, an in-flight batch, with batches that hold the same
// records, callbacks and order, ready to be sent at once, as batches never
// tried: of about half of refused bytes each, where refused is the size of
// a batch of p's topic the broker refused as too large (b's own, or a
// smaller one's, when b is split before it is sent; see NoteRefused). It
// reports false, changing nothing, when b holds a single record or has
// been split too often.
//
// An idempotent batch's parts keep its producer id and epoch and share out
// its sequence numbers in order, as the Java client does: the broker
// refused b without writing it, so it still expects b's base sequence, and
// the batches after b keep theirs.
func (p *Partition) Split(b *Batch, refused int) (bool, error) {
	if len(b.entries) < 2 {
		return false, nil
	}
	if !b.HeaderWritten { // a queued batch never sent: Decode needs its header
		b.WriteHeader()
	}
	_, recs, err := recordbatch.Decode(b.Wire, 1<<31-1)
	if err != nil {
		return false, fmt.Errorf("splitting batch of %s: %w", p, err)
	}
	if len(recs) != len(b.entries) {
		return false, fmt.Errorf("splitting batch of %s: %d records decoded, %d expected", p, len(recs), len(b.entries))
	}
	parts := p.rebuild(b, recs, splitLimit(refused))
	if len(parts) < 2 || b.span/uint64(len(parts)) == 0 {
		b.reserved, parts[0].reserved = parts[0].reserved, 0 // b keeps its records and memory
		b.paced, parts[0].paced = parts[0].paced, 0
		return false, nil
	}
	// The parts take b's place in the creation order, between b's
	// neighbours, each with a share of b's creation numbers so that parts
	// of parts (a part split again) stay in order too.
	share := b.span / uint64(len(parts))
	for i, nb := range parts {
		nb.seq, nb.span = b.seq+uint64(i)*share, share
	}
	if s := p.acc.cfg.Spool; s != nil && b.Spooled != nil {
		for _, nb := range parts {
			nb.WriteHeader()
		}
		s.Split(b, parts)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if b.state != stateInFlight {
		return false, nil
	}
	p.inFlight--
	b.state = stateDone
	// A Flush waiting for b waits for its last part: batches are
	// delivered in order, so that one is delivered after the others (b
	// itself never is).
	parts[len(parts)-1].done = b.done
	p.undelivered = replaceBatch(p.undelivered, b, parts)
	p.undeliveredArr = nil // a new array
	p.bufBytes -= b.bytes  // the parts hold the same records, encoded anew
	for _, nb := range parts {
		p.ready = insertBySeq(p.ready, nb)
		p.bufBytes += nb.bytes
	}
	b.entries = nil // moved to the new batches
	return true, nil
}

// splitLimit is the size of the parts of a batch split after the broker
// refused one of refused bytes.
func splitLimit(refused int) int {
	return max((refused-batchOverhead)/2+batchOverhead, 2*batchOverhead)
}

// rebuild re-encodes the records of b into batches of at most limit bytes.
func (p *Partition) rebuild(b *Batch, recs []recordbatch.Record, limit int) []*Batch {
	a := p.acc
	var out []*Batch
	var cur *Batch
	for i, r := range recs {
		in := Record{
			Timestamp: b.baseTs + r.TimestampDelta, Key: r.Key, Value: r.Value, Headers: r.Headers,
			CB: b.entries[i].CB,
		}
		if cur == nil || cur.tryAppend(&in) < 0 {
			size := max(limit, in.size()+batchOverhead)
			cur = &Batch{
				P: p, buf: make([]byte, batchOverhead, size), limit: size,
				entries: getEntries(), crcValid: true, crcAppend: a.cfg.Codec == compress.None, BaseSeq: -1, ProducerID: b.ProducerID, ProducerEpoch: b.ProducerEpoch,
				BaseOffset: -1, LogAppendTime: -1, Created: b.Created, Deadline: b.Deadline,
				Transactional: b.Transactional, txnGen: b.txnGen, MaybeWritten: b.MaybeWritten, Broker: b.Broker, QueueTime: b.QueueTime,
			}
			if b.BaseSeq >= 0 {
				cur.BaseSeq = seqAdd(b.BaseSeq, int32(i))
			}
			out = append(out, cur)
			cur.tryAppend(&in)
		}
	}
	// The memory reservation stays with the first part; the others hold
	// buffers outside the budget until they are delivered.
	out[0].reserved = b.reserved
	b.reserved = 0
	out[0].paced, b.paced = b.paced, 0
	for _, nb := range out {
		if err := nb.encode(a.cfg.Compressor, a.cfg.Codec, &a.bufs); err != nil {
			a.log.Warn("compression failed; sending the batch uncompressed", "topic", p.Topic.Name, "partition", p.ID, "err", err)
		}
		nb.state = stateReady
		nb.RetryAt = time.Time{}
	}
	return out
}

func replaceBatch(list []*Batch, old *Batch, with []*Batch) []*Batch {
	for i, b := range list {
		if b == old {
			out := make([]*Batch, 0, len(list)+len(with)-1)
			out = append(out, list[:i]...)
			out = append(out, with...)
			return append(out, list[i+1:]...)
		}
	}
	return list
}

func insertBySeq(list []*Batch, b *Batch) []*Batch {
	i := len(list)
	for i > 0 && list[i-1].seq > b.seq {
		i--
	}
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = b
	return list
}
