package sender

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestOpenBatchRidesAlong: an open batch that has waited more than half
// its linger goes out in the request that carries another partition's
// full batch, although nothing woke the sink for its partition since it
// was last found not due (it waits in the sink's idle set, which the
// sink no longer looks through at every wake). Its linger (4 s) is far
// from over when the request goes.
func TestOpenBatchRidesAlong(t *testing.T) {
	h := newHarness(t, harnessOpts{acks: -1, linger: 4 * time.Second, batchSize: 1024})
	recorded := h.recordRequests()
	h.appendTo(0, "lone")
	time.Sleep(2200 * time.Millisecond) // past half the linger
	var full []string
	for i := range 12 { // 12 x 100 bytes: the first batch fills and is sealed
		full = append(full, fmt.Sprintf("full-%02d-%s", i, strings.Repeat(".", 92)))
	}
	h.appendTo(1, full...)
	for deadline := time.Now().Add(10 * time.Second); len(recorded()) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no produce request within 10 s")
		}
	}
	// The rest of partition 1 (its new open batch) need not wait for its
	// linger now.
	if err := h.acc.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for v, err := range h.wait() {
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
	var first []int32
	for _, b := range recorded()[0] {
		first = append(first, b.part)
	}
	slices.Sort(first)
	if !slices.Equal(first, []int32{0, 1}) {
		t.Fatalf("the first request carried partitions %v; want 0 (riding along) and 1 (full)", first)
	}
}

// TestLingerBeganWhileSinkSleeps: a partition whose batch begins its
// linger while the sink sleeps on an earlier timer is not woken for (its
// due time is later than the timer), yet its batch goes out: the sink
// takes it up when the timer fires and waits for its due time.
func TestLingerBeganWhileSinkSleeps(t *testing.T) {
	h := newHarness(t, harnessOpts{acks: -1, linger: 300 * time.Millisecond})
	h.appendTo(0, "first")
	time.Sleep(50 * time.Millisecond) // the sink now sleeps until the first batch is due
	h.appendTo(1, "second")
	for v, err := range h.wait() {
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
}

// TestAddLingerWakesOnlyWhenNeeded checks the rule WakeAt relies on: a
// sink asleep until T is woken for a batch due before T, not for one due
// at or after T, and always when it sleeps without a timer.
func TestAddLingerWakesOnlyWhenNeeded(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.appendTo(0, "x")
	h.wait()
	p := h.acc.Topic("t").Partitions()[0]
	k := newSink(h.s, 99) // not running: its wake channel shows the signals
	woken := func() bool {
		select {
		case <-k.wake:
			return true
		default:
			return false
		}
	}
	for _, c := range []struct {
		sleepUntil, due int64
		want            bool
	}{
		{0, 100, true},   // no timer: only a wake-up brings the sink
		{200, 100, true}, // due before the timer fires
		{100, 100, false},
		{100, 200, false},
	} {
		k.mu.Lock()
		k.sleepUntil = c.sleepUntil
		k.mu.Unlock()
		k.addLinger(p, c.due)
		if got := woken(); got != c.want {
			t.Errorf("asleep until %d, batch due %d: woken %v, want %v", c.sleepUntil, c.due, got, c.want)
		}
		if _, ok := k.lingering[p]; !ok {
			t.Errorf("asleep until %d, batch due %d: the partition is not noted", c.sleepUntil, c.due)
		}
	}
}
