package samsa

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestCompressedBatchesReadBackInOrder produces enough keyed records per
// partition to fill many small batches, so that appends seal them and they
// are compressed on background goroutines, possibly finishing out of
// order. Every record must come back from the broker (which decompresses
// and checks each batch) at the offset its callback reported, with its key
// and value, and callbacks must run in offset order per partition.
func TestCompressedBatchesReadBackInOrder(t *testing.T) {
	for _, codec := range []Compression{CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			topic := "compressed-" + codec.String()
			fake := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
			addrs := fake.ListenAddrs()
			p := testProducer(t, addrs, func(cfg *Config) {
				cfg.Compression = codec
				cfg.BatchSize = 4 << 10 // about 20 records a batch
				cfg.Linger = 50 * time.Millisecond
			})
			const n = 3000
			values := make([][]byte, n)
			var mu sync.Mutex
			lastOffset := map[int32]int64{}
			at := map[string]int{} // partition/offset -> record index
			var wg sync.WaitGroup
			ctx := context.Background()
			for i := range n {
				values[i] = append(fmt.Appendf(nil, "record %06d ", i), benchValue(150+i%50)...)
				wg.Add(1)
				p.Produce(ctx, Record{Topic: topic, Key: fmt.Appendf(nil, "k%d", i%7), Value: values[i]}, func(md RecordMetadata, err error) {
					defer wg.Done()
					if err != nil {
						t.Errorf("record %d: %v", i, err)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					if last, ok := lastOffset[md.Partition]; ok && md.Offset <= last {
						t.Errorf("partition %d: callback for offset %d after offset %d", md.Partition, md.Offset, last)
					}
					lastOffset[md.Partition] = md.Offset
					at[fmt.Sprintf("%d/%d", md.Partition, md.Offset)] = i
				})
			}
			if err := p.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			if len(at) != n {
				t.Fatalf("%d of %d records acknowledged at distinct offsets", len(at), n)
			}
			for _, r := range consumeAll(t, addrs, topic, n) {
				i, ok := at[fmt.Sprintf("%d/%d", r.Partition, r.Offset)]
				if !ok {
					t.Fatalf("record at %d/%d was not acknowledged there", r.Partition, r.Offset)
				}
				if want := fmt.Sprintf("k%d", i%7); string(r.Key) != want || !bytes.Equal(r.Value, values[i]) {
					t.Fatalf("record at %d/%d: key %q value %d bytes, sent record %d (key %q, %d bytes)",
						r.Partition, r.Offset, r.Key, len(r.Value), i, want, len(values[i]))
				}
			}
		})
	}
}
