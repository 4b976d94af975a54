package accumulator

import (
	"errors"
	"time"
)

// Idempotent producer sequence bookkeeping (KIP-98, KIP-360). Sequence
// numbers count records per partition under one producer id and epoch;
// the broker accepts a batch only if its base sequence follows the last
// one it wrote. Lock order as everywhere: Partition.mu alone.

// maxUnanswered is the most batches of an idempotent partition out at
// once (in flight, or failed and waiting for a response that will not
// come, as on a connection whose requests are being failed one by one
// while the sender already uses a new one). The broker remembers the last
// five batches of each producer per partition to recognise a batch resent
// after a lost response; a sixth would push the oldest out of that
// memory, and the oldest, resent, would get OUT_OF_ORDER_SEQUENCE_NUMBER
// on every attempt until its delivery timeout. Batches that hold their
// sequence already (retries) go regardless: they are among the five.
const maxUnanswered = 5

// nextNeedsSequenceLocked reports whether the batch Drain would take next
// gets new sequence numbers. p.mu is held.
func (p *Partition) nextNeedsSequenceLocked() bool {
	if len(p.ready) > 0 {
		return p.ready[0].BaseSeq < 0
	}
	return p.open != nil
}

// Acked records that b was written, advancing the partition's last
// acknowledged sequence.
func (p *Partition) Acked(b *Batch) {
	if b.BaseSeq < 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if b.Recovered {
		p.recPID, p.recEpoch, p.recAcked = b.ProducerID, b.ProducerEpoch, true
		return
	}
	if b.ProducerID != p.seqPID || b.ProducerEpoch != p.seqEpoch {
		return
	}
	end := seqAdd(b.BaseSeq, int32(len(b.entries)-1))
	if p.lastAcked < 0 || seqAfter(end, p.lastAcked) {
		p.lastAcked = end
	}
}

// pipelinedLocked reports whether the next batch may be sent while
// others of p are in flight: the broker has acknowledged a batch of p
// under the producer state the next one carries (the current one, or a
// restored batch's). p.mu is held.
func (p *Partition) pipelinedLocked(ps ProducerState) bool {
	if len(p.ready) > 0 && p.ready[0].Recovered {
		h := p.ready[0]
		return p.recAcked && p.recPID == h.ProducerID && p.recEpoch == h.ProducerEpoch
	}
	return p.lastAcked >= 0 && p.seqPID == ps.ID && p.seqEpoch == ps.Epoch
}

// NextExpected reports whether b is the batch the broker expects next:
// the first after the last acknowledged one.
func (p *Partition) NextExpected(b *Batch) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b.ProducerID != p.seqPID || b.ProducerEpoch != p.seqEpoch {
		return false
	}
	if p.lastAcked < 0 {
		return b.BaseSeq == 0
	}
	return b.BaseSeq == seqAdd(p.lastAcked, 1)
}

// RetryBehind is Retry for a batch the broker refused only because an
// earlier batch of p is not written yet (OUT_OF_ORDER_SEQUENCE_NUMBER for a
// batch that is not the next expected one). When an earlier batch waits in
// p's queue (the parts of a batch just split, say), b goes as soon as its
// turn comes, without a backoff: Drain takes batches in order, so it cannot
// overtake them. Otherwise it waits until retryAt, as Retry.
func (p *Partition) RetryBehind(b *Batch, retryAt time.Time) {
	p.mu.Lock()
	if len(p.ready) > 0 && p.ready[0].seq < b.seq {
		retryAt = time.Time{}
	}
	p.mu.Unlock()
	p.Retry(b, retryAt)
}

// ErrOutcomeUnknown is the outcome of a batch that an earlier attempt may
// have written, when the producer had to move to a new epoch before the
// broker confirmed it: sending it again could write it twice, so it fails
// instead.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// ResetSequences starts every partition's sequences afresh under the
// producer state ps, after an epoch bump. Batches not in flight that were
// sent before get new sequence numbers when next drained, unless an
// earlier attempt may have written them: those are failed through fail,
// which must Complete them. Batches still in flight are handled by Drain
// when they come back.
func (a *Accumulator) ResetSequences(ps ProducerState, fail func(*Batch)) {
	for _, t := range a.Topics() {
		for _, p := range t.Partitions() {
			for _, b := range p.resetSequences(ps) {
				fail(b)
			}
		}
	}
}

func (p *Partition) resetSequences(ps ProducerState) []*Batch {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seqPID, p.seqEpoch, p.nextSequence, p.lastAcked = ps.ID, ps.Epoch, 0, -1
	var ambiguous []*Batch
	keep := p.ready[:0]
	for _, b := range p.ready {
		if b.Recovered {
			keep = append(keep, b) // sequenced under an earlier session's producer id, not ours
			continue
		}
		if b.BaseSeq >= 0 && b.MaybeWritten {
			ambiguous = append(ambiguous, b)
			continue
		}
		b.BaseSeq = -1
		keep = append(keep, b)
	}
	clear(p.ready[len(keep):])
	p.ready = keep
	return ambiguous
}

// seqAdd adds to a sequence number, wrapping at MaxInt32 as Kafka does.
func seqAdd(s, n int32) int32 { return int32((int64(s) + int64(n)) & 0x7fffffff) }

// seqAfter reports whether a comes after b, allowing for wrap-around.
func seqAfter(a, b int32) bool {
	d := (int64(a) - int64(b)) & 0x7fffffff
	return d != 0 && d < 1<<30
}
