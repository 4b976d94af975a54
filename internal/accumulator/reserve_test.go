package accumulator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/recordbatch"
)

// heldCaps returns the capacity of the record buffers of h's undelivered
// batches (no compression, no spool: a batch's buffer is its Wire), and of
// the buffer of partition i's open batch.
func heldCaps(h *harness, i int) (held, open int64) {
	for j, p := range h.t.Partitions() {
		p.mu.Lock()
		for _, b := range p.undelivered {
			held += int64(cap(b.buf))
		}
		if j == i && p.open != nil {
			open = int64(cap(p.open.buf))
		}
		p.mu.Unlock()
	}
	return held, open
}

// checkHeld fails unless the memory reserved from h's pool is the capacity
// of the buffers its batches hold, within buffer.memory.
func checkHeld(t *testing.T, h *harness) {
	t.Helper()
	pool := h.acc.Pool()
	held, _ := heldCaps(h, -1)
	if used := pool.Total() - pool.Available(); used != held || used > pool.Total() || pool.Available() < 0 {
		t.Fatalf("%d bytes of buffer.memory=%d reserved (%d available), the batches hold %d", used, pool.Total(), pool.Available(), held)
	}
}

// deliverAll drains every batch of h (flushing) and completes it, and
// returns partition i's records in the order drained.
func deliverAll(t *testing.T, h *harness, i int) []string {
	t.Helper()
	h.acc.flushing.Add(1)
	defer h.acc.flushing.Add(-1)
	var got []string
	for j, p := range h.t.Partitions() {
		for {
			res := p.Drain(time.Now(), 0, NoProducer, false)
			if res.Batch == nil {
				break
			}
			if j == i {
				got = append(got, decode(t, res.Batch)...)
			}
			p.Complete(res.Batch, 0, -1, nil)
		}
	}
	return got
}

// TestBatchesReserveTheBuffersTheyHold: a new batch reserves the buffer it
// starts with, not batch.size, so that buffer.memory of four batch.size
// holds sixteen partitions' open batches of one small record each (before,
// the fifth try-append failed with ErrBufferFull); a batch that grows
// reserves what it adds, and deliveries give it all back.
func TestBatchesReserveTheBuffersTheyHold(t *testing.T) {
	const batch = 16 << 10
	h := newHarness(t, 16, func(c *Config) { c.BatchSize, c.BufferMemory = batch, 4*batch })
	ctx := context.Background()
	for i := range 16 {
		r := &Record{Timestamp: 1, Value: fmt.Appendf(nil, "p%02d", i), CB: i}
		if err := h.acc.Append(ctx, h.part(i), r, true); err != nil {
			t.Fatalf("try-append to partition %d of 16, buffer.memory 4 x batch.size: %v", i, err)
		}
	}
	checkHeld(t, h)
	if used := h.acc.Pool().Total() - h.acc.Pool().Available(); used != 16*minBufClass {
		t.Fatalf("16 batches of one small record reserve %d bytes, want 16 x %d", used, minBufClass)
	}
	h.appendN(t, 0, "g", 100, 100) // about 11 KiB: partition 0's buffer grows to 16 KiB
	checkHeld(t, h)
	if _, open := heldCaps(h, 0); open != batch {
		t.Fatalf("partition 0's grown buffer holds %d bytes, want %d", open, batch)
	}
	if used := h.acc.Pool().Total() - h.acc.Pool().Available(); used != 15*minBufClass+batch {
		t.Fatalf("%d bytes reserved after partition 0's batch grew, want %d", used, 15*minBufClass+batch)
	}
	got := deliverAll(t, h, 0)
	if len(got) != 101 || got[0] != "p00" || got[1] != "g-0" || got[100] != "g-99" {
		t.Fatalf("partition 0 delivered %d records (%q ...), want p00, g-0 ... g-99", len(got), got[:min(len(got), 3)])
	}
	if a, total := h.acc.Pool().Available(), h.acc.Pool().Total(); a != total {
		t.Fatalf("%d of %d bytes available after every delivery", a, total)
	}
}

// TestGrowthWithoutMemorySealsTheBatch: when the pool cannot give what a
// growing buffer adds, the batch counts as full: the record goes to a new
// batch, in order, and reservations never exceed buffer.memory.
func TestGrowthWithoutMemorySealsTheBatch(t *testing.T) {
	h := newHarness(t, 2, func(c *Config) { c.BatchSize, c.BufferMemory = 16<<10, 4<<10 })
	ctx := context.Background()
	if err := h.acc.Append(ctx, h.part(1), &Record{Timestamp: 1, Value: []byte("other")}, true); err != nil {
		t.Fatal(err)
	}
	// Partition 0's batch grows from 1 KiB to 2 KiB (3 KiB reserved in
	// all), then cannot double again: 1 KiB is left, which its next batch
	// takes; that one cannot grow either, and the batch after it cannot
	// be reserved.
	var want []string
	for j := 0; ; j++ {
		v := fmt.Sprintf("r-%d", j)
		err := h.acc.Append(ctx, h.part(0), &Record{Timestamp: 1, Value: append([]byte(v), make([]byte, 96)...)}, true)
		checkHeld(t, h)
		if errors.Is(err, ErrBufferFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, v)
		if j > 100 {
			t.Fatal("100 records of 100 bytes taken within 4 KiB")
		}
	}
	p := h.part(0)
	p.mu.Lock()
	var caps []int
	for _, b := range p.undelivered {
		caps = append(caps, cap(b.buf))
	}
	first := p.undelivered[0]
	sealed := first != p.open && first.state == stateReady
	p.mu.Unlock()
	if !slices.Equal(caps, []int{2048, 1024}) || !sealed {
		t.Fatalf("partition 0 holds batches of %v bytes (first sealed: %v), want a sealed one of 2048, then one of 1024", caps, sealed)
	}
	if h.acc.Pool().Available() != 0 {
		t.Fatalf("%d bytes available, want 0", h.acc.Pool().Available())
	}
	for i := range want {
		want[i] += string(make([]byte, 96))
	}
	if got := deliverAll(t, h, 0); !slices.Equal(got, want) {
		t.Fatalf("partition 0 delivered %d records, want the %d appended, in order", len(got), len(want))
	}
	if a, total := h.acc.Pool().Available(), h.acc.Pool().Total(); a != total {
		t.Fatalf("%d of %d bytes available after every delivery", a, total)
	}
}

// TestCompressedBatchHoldsItsReservation: a compressed batch does not keep
// the output buffer sized for the worst case (one class above a nearly
// full record buffer), which its reservation does not count, but one of
// its compressed bytes' class.
func TestCompressedBatchHoldsItsReservation(t *testing.T) {
	h := newHarness(t, 1, func(c *Config) {
		c.BatchSize, c.Codec = 16<<10, compress.LZ4
		c.Compressor, _ = compress.NewCompressor(compress.LZ4, 0)
	})
	p := h.part(0)
	for full := false; !full; {
		if err := h.acc.Append(context.Background(), p, &Record{Timestamp: 1, Value: []byte("0123456789")}, true); err != nil {
			t.Fatal(err)
		}
		p.mu.Lock()
		full = recordbatch.HeaderSize+h.acc.cfg.Compressor.MaxSize(len(p.open.buf)-recordbatch.HeaderSize) > minBufClass
		if cap(p.open.buf) != minBufClass {
			t.Fatalf("the batch's buffer grew to %d bytes", cap(p.open.buf))
		}
		p.mu.Unlock()
	}
	h.acc.flushing.Add(1)
	for deadline := time.Now().Add(time.Minute); ; {
		res := p.Drain(time.Now(), 0, NoProducer, false)
		if res.Batch == nil && res.Queued && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond) // being compressed in the background
			continue
		}
		b := res.Batch
		if b == nil || b.Codec != compress.LZ4 {
			t.Fatalf("drained %+v, want an lz4 batch", res)
		}
		if cap(b.Wire) > int(b.reserved) || b.reserved != minBufClass {
			t.Fatalf("compressed batch of %d bytes holds a buffer of %d, reserved %d", len(b.Wire), cap(b.Wire), b.reserved)
		}
		p.Complete(b, 0, -1, nil)
		break
	}
	if a, total := h.acc.Pool().Available(), h.acc.Pool().Total(); a != total {
		t.Fatalf("%d of %d bytes available after delivery", a, total)
	}
}
