package accumulator

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/recordbatch"
)

// TestEncodeIncompressibleBatchFitsPooledBuffer fills a batch.size batch
// with random bytes, which no codec shrinks, and checks that compressing
// it lands in a pooled buffer: the codec's output, stored blocks and
// framing included, fits without growing (which copies it into a new
// buffer that the pool then refuses).
func TestEncodeIncompressibleBatchFitsPooledBuffer(t *testing.T) {
	const batchSize = 64 << 10
	rng := rand.New(rand.NewPCG(7, 8))
	for _, codec := range []compress.Codec{compress.Gzip, compress.Snappy, compress.LZ4, compress.Zstd} {
		t.Run(codec.String(), func(t *testing.T) {
			c, err := compress.NewCompressor(codec, 0)
			if err != nil {
				t.Fatal(err)
			}
			a := New(Config{BatchSize: batchSize, BufferMemory: 1 << 20, Codec: codec, Compressor: c})
			// encode compresses whatever follows the header; a batch filled
			// to its limit with random bytes is the worst case.
			fill := func() *Batch {
				b := &Batch{buf: a.bufs.get(batchSize)[:batchSize], limit: batchSize}
				for i := batchOverhead; i < len(b.buf); i++ {
					b.buf[i] = byte(rng.Uint32())
				}
				return b
			}
			encode := func() {
				b := fill()
				if err := b.encode(c, codec, &a.bufs); err != nil {
					t.Fatal(err)
				}
				if b.Codec != codec {
					t.Fatalf("batch went out as %v, want %v", b.Codec, codec)
				}
				if got := cap(b.Wire); got != a.bufs.size {
					t.Fatalf("%d raw bytes compressed to %d in a buffer of capacity %d, want a pooled one (capacity %d)",
						b.RawSize, len(b.Wire)-recordbatch.HeaderSize, got, a.bufs.size)
				}
				if len(b.Wire)-recordbatch.HeaderSize <= b.RawSize*9/10 {
					t.Fatalf("random records compressed from %d to %d bytes; the test needs incompressible data", b.RawSize, len(b.Wire))
				}
				a.bufs.put(b.Wire)
			}
			for range 3 {
				encode()
			}
		})
	}
}

// TestIncrementalCRCMatchesDecode: batches whose records' CRC was taken
// in chunks as they were appended (records smaller and larger than a
// chunk, uncompressed and compressed), and resent under a new producer
// state, decode with a valid CRC (checked by hash/crc32, not by the
// folding UpdateCRC) and give back every record.
func TestIncrementalCRCMatchesDecode(t *testing.T) {
	for _, codec := range []compress.Codec{compress.None, compress.Zstd} {
		for _, size := range []int{100, 1024, crcChunk - 7, 10240, 3*crcChunk + 1} {
			h := newHarness(t, 1, func(c *Config) {
				c.BatchSize = 8 * crcChunk
				if codec != compress.None {
					c.Codec = codec
					c.Compressor, _ = compress.NewCompressor(codec, 0)
				}
			})
			n := max(3, 6*crcChunk/size)
			h.appendN(t, 0, "v", n, size)
			var got int
			for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
				res := h.part(0).Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false)
				b := res.Batch
				if b == nil && res.Queued {
					time.Sleep(time.Millisecond) // being compressed in the background
					continue
				}
				if b == nil {
					break
				}
				b.WriteHeader()
				for _, ps := range []ProducerState{{ID: -1, Epoch: -1}, {ID: 9, Epoch: 2}} {
					b.ProducerID, b.ProducerEpoch, b.BaseSeq = ps.ID, ps.Epoch, int32(got)
					b.WriteHeader() // the second time: SetProducerState
					_, recs, err := recordbatch.Decode(b.Wire, 1<<30)
					if err != nil {
						t.Fatalf("%v, %d-byte records: %v", codec, size, err)
					}
					if len(recs) != b.Records() {
						t.Fatalf("%v: %d records decoded, %d appended", codec, len(recs), b.Records())
					}
					for k, r := range recs {
						if want := fmt.Sprintf("v-%d", got+k); len(r.Value) != size || !bytes.HasPrefix(r.Value, []byte(want+".")) {
							t.Fatalf("%v: record %d is %.20q... (%d bytes), want %q... (%d bytes)", codec, got+k, r.Value, len(r.Value), want, size)
						}
					}
				}
				got += b.Records()
				h.part(0).Complete(b, 0, -1, nil)
			}
			if got != n {
				t.Fatalf("%v, %d-byte records: %d records sent, %d appended", codec, size, got, n)
			}
		}
	}
}

// TestHashedAppendMixedSizes: a batch whose records alternate between
// sizes hashed at append (copied and hashed in one pass) and sizes hashed
// at send, with random bytes, decodes with a valid CRC (hash/crc32's) and
// gives back every value byte for byte.
func TestHashedAppendMixedSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	h := newHarness(t, 1, func(c *Config) { c.BatchSize = 1 << 20 })
	var want [][]byte
	for j, size := range []int{100, 600, 10, 3000, 300, 9000, 511, 512, 0, 70000, 1, 2049} {
		v := make([]byte, size)
		for i := range v {
			v[i] = byte(rng.Uint32())
		}
		want = append(want, v)
		r := &Record{Timestamp: 1000 + int64(j), Value: v}
		if err := h.acc.Append(context.Background(), h.part(0), r, false); err != nil {
			t.Fatal(err)
		}
		clear(v[:min(len(v), 8)]) // the caller may reuse its value: the batch holds a copy
	}
	res := h.part(0).Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false)
	if res.Batch == nil {
		t.Fatal("no batch drained")
	}
	res.Batch.WriteHeader()
	_, recs, err := recordbatch.Decode(res.Batch.Wire, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records decoded, %d appended", len(recs), len(want))
	}
	for i, r := range recs {
		w := want[i]
		if len(r.Value) != len(w) || !bytes.Equal(r.Value[min(len(w), 8):], w[min(len(w), 8):]) {
			t.Fatalf("record %d: %d bytes, want %d, or content differs", i, len(r.Value), len(w))
		}
	}
}
