package accumulator

import (
	"context"
	"testing"
)

// TestLaneHintsOnlyAmongAppends: a lane's mutex held by the sender
// (draining or completing its partition) sends an append to the next lane
// but leaves the topic uncontended, so a lone producing goroutine keeps
// starting at lane 0; held by another append, it marks the topic
// contended (appends then start at their processor's lane), until the
// next sticky switch.
func TestLaneHintsOnlyAmongAppends(t *testing.T) {
	h := newHarness(t, 3, func(c *Config) { c.BatchSize = 64 << 10 })
	h.acc.lanes = 3
	ctx := context.Background()
	appendOne := func() *Partition {
		t.Helper()
		p, err := h.acc.AppendSticky(ctx, h.t, &Record{Timestamp: 1, Value: make([]byte, 10)}, false)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	lane0 := appendOne()
	if got := appendOne(); got != lane0 {
		t.Fatalf("a lone append went to partition %d, then %d", lane0.ID, got.ID)
	}

	release := holdElsewhere(lane0, true) // as Drain holds it
	if got := appendOne(); got == lane0 {
		t.Fatal("an append went to a lane whose mutex was held")
	}
	release()
	if h.t.contended.Load() {
		t.Fatal("the sender holding a lane's mutex marked the topic contended")
	}
	if got := appendOne(); got != lane0 {
		t.Fatalf("with the sender gone the append went to partition %d, not lane 0's %d", got.ID, lane0.ID)
	}

	release = holdElsewhere(lane0, false) // as another append holds it
	appendOne()
	release()
	if !h.t.contended.Load() {
		t.Fatal("another append holding a lane's mutex did not mark the topic contended")
	}
	h.t.switchSticky(h.t.lanes[0].Load())
	if h.t.contended.Load() {
		t.Fatal("a sticky switch left the topic contended")
	}
}

// holdElsewhere locks p's mutex on another goroutine (servicing: as the
// sender does) and returns the function that unlocks it.
func holdElsewhere(p *Partition, servicing bool) func() {
	locked, unlock, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		p.mu.Lock()
		p.servicing.Store(servicing)
		close(locked)
		<-unlock
		p.servicing.Store(false)
		p.mu.Unlock()
		close(done)
	}()
	<-locked
	return func() { close(unlock); <-done }
}
