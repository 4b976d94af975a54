package accumulator

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestSplitKeepsSequencesAndOrder: an idempotent batch split (and one of
// its parts split again) leaves parts that carry its producer id, epoch
// and sequence numbers in order, as batches never tried, with the batches
// behind it keeping theirs; a later batch refused only for coming before
// them goes right behind them without its backoff; everything drains in
// record order, and the memory comes back once it is delivered.
func TestSplitKeepsSequencesAndOrder(t *testing.T) {
	h := newHarness(t, 1, nil) // batch.size 1024
	p := h.part(0)
	ps := ProducerState{ID: 7, Epoch: 3}
	now := time.Now().Add(2 * time.Hour)
	// A first batch acknowledged, so that several may be in flight.
	h.appendN(t, 0, "w", 1, 10)
	w := p.Drain(now, 0, ps, false).Batch
	p.Acked(w)
	p.Complete(w, 0, -1, nil)
	h.appendN(t, 0, "r", 12, 200) // 4 records a batch
	var sent []*Batch
	for {
		b := p.Drain(now, 0, ps, false).Batch
		if b == nil {
			break
		}
		sent = append(sent, b)
	}
	if len(sent) != 3 || sent[0].BaseSeq != 1 || sent[1].BaseSeq != 5 || sent[2].BaseSeq != 9 {
		t.Fatalf("%d batches drained, base sequences %d, %d", len(sent), sent[1].BaseSeq, sent[2].BaseSeq)
	}
	// The broker refuses the first batch and, seeing sequence 5 before 1,
	// the second; then the third, too large as well.
	sent[0].WriteHeader()
	if ok, err := p.Split(sent[0], len(sent[0].Wire)); !ok || err != nil {
		t.Fatalf("Split: %v %v", ok, err)
	}
	p.RetryBehind(sent[1], now.Add(time.Hour))
	sent[2].WriteHeader()
	if ok, err := p.Split(sent[2], len(sent[2].Wire)); !ok || err != nil {
		t.Fatalf("Split: %v %v", ok, err)
	}
	// A part of the first batch is refused too and split again.
	first := p.Drain(now, 0, ps, false).Batch
	first.WriteHeader()
	if ok, err := p.Split(first, len(first.Wire)); !ok || err != nil || first.Records() != 0 {
		t.Fatalf("Split of a part: %v %v", ok, err)
	}

	var values []string
	next := int32(1)
	var parts []*Batch
	for {
		res := p.Drain(now, 0, ps, false)
		if res.Batch == nil {
			if !res.WakeAt.IsZero() {
				t.Fatalf("a batch waits until %v; the one refused for coming early should go behind the parts at once", res.WakeAt)
			}
			break
		}
		b := res.Batch
		if b.ProducerID != ps.ID || b.ProducerEpoch != ps.Epoch || b.BaseSeq != next || b.Attempts != 0 && b != sent[1] {
			t.Fatalf("batch with producer %d/%d, base sequence %d (want %d), attempts %d", b.ProducerID, b.ProducerEpoch, b.BaseSeq, next, b.Attempts)
		}
		next += int32(b.Records())
		values = append(values, decode(t, b)...)
		parts = append(parts, b)
	}
	want := make([]string, 12)
	for i := range want {
		want[i] = fmt.Sprint("r-", i)
	}
	if !slices.Equal(values, want) {
		t.Fatalf("records drained in the order %v", values)
	}
	for i, b := range parts {
		p.Complete(b, int64(i*10), -1, nil)
	}
	if a := h.acc.Pool().Available(); a != h.acc.Pool().Total() {
		t.Fatalf("%d of %d bytes available after everything was delivered", a, h.acc.Pool().Total())
	}
}
