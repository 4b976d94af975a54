package accumulator

import (
	"testing"
	"time"
)

// TestAtMostFiveUnansweredSequencedBatches: an idempotent partition never
// has more than maxUnanswered batches with sequence numbers out at once.
// The broker remembers the last five batches of a producer per partition,
// so that a batch resent after a lost response is recognised as written;
// a sixth would push the first out of that memory, and the first, resent,
// would then come back OUT_OF_ORDER_SEQUENCE_NUMBER on every attempt.
// That happened when a connection died with five requests in flight: its
// requests fail one by one, and the sink sent new batches on a new
// connection while the old one's last batches still counted as in flight.
func TestAtMostFiveUnansweredSequencedBatches(t *testing.T) {
	h := newHarness(t, 1, nil)
	p := h.part(0)
	ps := ProducerState{ID: 7, Epoch: 0}
	h.appendN(t, 0, "r", 120, 100) // about 13 batches of 1024 bytes
	later := time.Now().Add(2 * time.Hour)
	first := p.Drain(later, 0, ps, false).Batch
	p.Acked(first)
	p.Complete(first, 0, -1, nil)
	var out []*Batch
	for {
		b := p.Drain(later, 0, ps, false).Batch
		if b == nil {
			break
		}
		out = append(out, b)
		if len(out) > 20 {
			break
		}
	}
	if len(out) != maxUnanswered {
		t.Fatalf("%d sequenced batches out at once, want %d", len(out), maxUnanswered)
	}
	if res := p.Drain(later, 0, ps, false); res.Batch != nil || !res.Queued {
		t.Fatalf("drain at the limit: batch %v, queued %v; want none, and the partition kept queued", res.Batch != nil, res.Queued)
	}
	// A batch that failed goes again: it holds its sequence already.
	p.Retry(out[0], time.Time{})
	if b := p.Drain(later, 0, ps, false).Batch; b != out[0] {
		t.Fatal("a retried batch was not resent at the limit")
	}
	if b := p.Drain(later, 0, ps, false).Batch; b != nil {
		t.Fatalf("a new batch (sequence %d) went out at the limit", b.BaseSeq)
	}
	// Its answer frees a place for the next new one.
	p.Acked(out[0])
	p.Complete(out[0], 10, -1, nil)
	next := p.Drain(later, 0, ps, false).Batch
	if next == nil {
		t.Fatal("no new batch after one was answered")
	}
	if want := out[len(out)-1].BaseSeq + int32(out[len(out)-1].Records()); next.BaseSeq != want {
		t.Fatalf("the next batch has sequence %d, want %d", next.BaseSeq, want)
	}
	// Without idempotence there is no such limit (the sender's requests
	// in flight bound it).
	h2 := newHarness(t, 1, nil)
	h2.appendN(t, 0, "r", 120, 100)
	n := 0
	for h2.part(0).Drain(later, 0, NoProducer, false).Batch != nil {
		n++
	}
	if n <= maxUnanswered {
		t.Fatalf("without a producer id only %d batches drained", n)
	}
}
