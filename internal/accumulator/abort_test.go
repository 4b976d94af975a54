package accumulator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
)

// TestAbortWhileCompressing aborts a partition while a sealed batch is
// being compressed in the background. The batch must be delivered once,
// with the abort error, only after compression has finished with its
// buffers: delivering it at once recycled the record buffer under the
// compressor, which then returned it to the pool a second time (the race
// detector reports the overlap).
func TestAbortWhileCompressing(t *testing.T) {
	errAborted := errors.New("aborted for the test")
	value := make([]byte, 2000)
	for i := range value {
		value[i] = byte('a' + i*7%23)
	}
	for round := range 50 {
		var mu sync.Mutex
		delivered := map[*Batch]int{}
		var wrong []string
		cfg := Config{
			BatchSize: 16 << 10, Linger: time.Hour, BufferMemory: 8 << 20,
			DeliveryTimeout: time.Hour, MaxBlock: time.Minute, Codec: compress.Zstd,
			Wake: func(*Partition) {},
			Deliver: func(b *Batch) {
				mu.Lock()
				defer mu.Unlock()
				delivered[b]++
				if !errors.Is(b.Err, errAborted) {
					wrong = append(wrong, fmt.Sprintf("batch of %d records delivered with %v", b.Records(), b.Err))
				}
			},
		}
		c, err := compress.NewCompressor(compress.Zstd, 0)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Compressor = c
		a := New(cfg)
		tp := a.AddTopic("t")
		tp.SetPartitions(1, []int32{0})
		p := tp.Partitions()[0]
		ctx := context.Background()
		for a.BatchesCreated() < 2 { // the second batch seals the first
			r := Record{Timestamp: 1, Value: value}
			if err := a.Append(ctx, p, &r, false); err != nil {
				t.Fatal(err)
			}
		}
		a.Abort(errAborted, true)
		fctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = a.Flush(fctx)
		cancel()
		if err != nil {
			t.Fatalf("round %d: flush after abort: %v", round, err)
		}
		mu.Lock()
		if len(delivered) != 2 {
			t.Fatalf("round %d: %d batches delivered, want 2", round, len(delivered))
		}
		for _, n := range delivered {
			if n != 1 {
				t.Fatalf("round %d: batch delivered %d times", round, n)
			}
		}
		if len(wrong) > 0 {
			t.Fatalf("round %d: %v", round, wrong)
		}
		mu.Unlock()
	}
}

// TestAbortTxnFailsOnlyItsGeneration: AbortTxn fails the batches made
// under one transaction generation (a sealed one here) and leaves the
// open batch of the next generation, which later appends still fill.
func TestAbortTxnFailsOnlyItsGeneration(t *testing.T) {
	errOld := errors.New("failure of the old transaction")
	var delivered []string
	a := New(Config{
		BatchSize: 16 << 10, Linger: time.Hour, BufferMemory: 8 << 20, DeliveryTimeout: time.Hour, MaxBlock: time.Minute,
		Transactional: true, Wake: func(*Partition) {},
		Deliver: func(b *Batch) {
			for _, e := range b.Entries() {
				delivered = append(delivered, fmt.Sprintf("%s/gen%d/%v", e.CB, b.TxnGen(), b.Err))
			}
		},
	})
	defer a.Close()
	tp := a.AddTopic("t")
	tp.SetPartitions(1, []int32{0})
	p := tp.Partitions()[0]
	ctx := context.Background()
	value := make([]byte, 10<<10) // two do not fit one batch
	appendRec := func(name string) {
		t.Helper()
		if err := a.Append(ctx, p, &Record{Timestamp: 1, Value: value, CB: name}, false); err != nil {
			t.Fatal(err)
		}
	}
	appendRec("old")
	a.SetTxnGen(1)
	appendRec("new") // seals the old generation's batch and opens one of gen 1
	a.AbortTxn(errOld, 0)
	if want := []string{"old/gen0/" + errOld.Error()}; fmt.Sprint(delivered) != fmt.Sprint(want) {
		t.Fatalf("delivered %q, want %q", delivered, want)
	}
	appendRec("new2") // into the new generation's batches, not a dropped one
	if n, _ := p.Buffered(); n != 2 {
		t.Fatalf("%d records buffered, want the new generation's 2", n)
	}
	a.AbortTxn(errOld, 1)
	if n, _ := p.Buffered(); n != 0 || len(delivered) != 3 || delivered[1] != "new/gen1/"+errOld.Error() || delivered[2] != "new2/gen1/"+errOld.Error() {
		t.Fatalf("after aborting gen 1: %d buffered, delivered %q", n, delivered)
	}
}
