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
