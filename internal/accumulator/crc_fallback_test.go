package accumulator

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/recordbatch"
)

// TestAppendedBatchCRCFoldingOnAndOff: records of values around the CRC
// fold's thresholds (0 to 64 KiB), random bytes at random alignments,
// with random keys and headers, appended through Append with folding off
// (what a CPU without AVX-512, or another architecture, runs) and on
// (where this CPU has it), drain as batches whose CRC field is
// hash/crc32's CRC-32C of the bytes Kafka covers (attributes to the end),
// before and after a resend under a new producer state, and which read
// back record for record. The callers scribble over their values after
// each append: the batch holds copies. In large batches and in 16 KiB
// ones, which grow and split the records among many batches.
func TestAppendedBatchCRCFoldingOnAndOff(t *testing.T) {
	for _, fold := range []bool{false, true} {
		for _, batchSize := range []int{1 << 20, 16 << 10} {
			t.Run(fmt.Sprintf("fold=%v/batch=%d", fold, batchSize), func(t *testing.T) {
				defer recordbatch.SetFolding(recordbatch.SetFolding(fold))
				if fold && !recordbatch.SetFolding(true) {
					t.Skip("this CPU does not fold")
				}
				h := newHarness(t, 1, func(c *Config) { c.BatchSize, c.BufferMemory = batchSize, 32<<20 })
				rng := rand.New(rand.NewPCG(41, uint64(batchSize)))
				for round := range 4 {
					want := appendRandomRecords(t, h, rng, round)
					checkDrained(t, h, want, fold)
				}
			})
		}
	}
}

// crcSizes are the value sizes the test appends, besides random ones.
var crcSizes = []int{0, 1, 63, 64, 65, 511, 512, 513, 1023, 1024, 4095, 8191, 8192, 10240, 65536}

// appendRandomRecords appends a record of each size in crcSizes, a null
// value and two of random sizes, in random order, and returns copies of
// what was appended.
func appendRandomRecords(t *testing.T, h *harness, rng *rand.Rand, round int) []Record {
	t.Helper()
	random := func(n int) []byte {
		outer := make([]byte, n+64)
		b := outer[rng.IntN(64):][:n]
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	sizes := append(append([]int(nil), crcSizes...), -1, rng.IntN(3000), rng.IntN(70000))
	rng.Shuffle(len(sizes), func(i, j int) { sizes[i], sizes[j] = sizes[j], sizes[i] })
	var want []Record
	for j, size := range sizes {
		r := Record{Timestamp: int64(1000*round + j)}
		if size >= 0 {
			r.Value = random(size)
		}
		if k := rng.IntN(3); k > 0 {
			r.Key = random(rng.IntN(50) * (k - 1))
		}
		for range rng.IntN(3) {
			hd := recordbatch.Header{Key: fmt.Sprintf("h%d", rng.IntN(100))}
			if rng.IntN(3) > 0 {
				hd.Value = random(rng.IntN(600))
			}
			r.Headers = append(r.Headers, hd)
		}
		w := r
		w.Key, w.Value = bytes.Clone(r.Key), bytes.Clone(r.Value)
		w.Headers = append([]recordbatch.Header(nil), r.Headers...)
		for i := range w.Headers {
			w.Headers[i].Value = bytes.Clone(r.Headers[i].Value)
		}
		want = append(want, w)
		if err := h.acc.Append(context.Background(), h.part(0), &r, false); err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{r.Key, r.Value} {
			for i := range b {
				b[i] ^= 0xff
			}
		}
		for i := range r.Headers {
			for k := range r.Headers[i].Value {
				r.Headers[i].Value[k] ^= 0xff
			}
		}
	}
	return want
}

// checkDrained drains every batch of partition 0 and checks each against
// the next of want: the CRC (hash/crc32), before and after a resend, and
// the records. A batch holding a value of 512 bytes or more must have
// been hashed as it was appended with folding on, and without it once its
// large values come to crcChunk bytes; a batch of small records never.
func checkDrained(t *testing.T, h *harness, want []Record, fold bool) {
	t.Helper()
	table := crc32.MakeTable(crc32.Castagnoli)
	got := 0
	for got < len(want) {
		res := h.part(0).Drain(time.Now().Add(2*time.Hour), 0, NoProducer, false)
		b := res.Batch
		if b == nil {
			t.Fatalf("%d of %d records drained", got, len(want))
		}
		recs := want[got : got+b.Records()]
		long, largeBytes := false, 0
		for _, r := range recs {
			if len(r.Value) >= 512 {
				long, largeBytes = true, largeBytes+len(r.Value)
			}
		}
		// Without folding the bytes are hashed a chunk at a time: a batch
		// whose large values come to a chunk or more was hashed.
		mustHash := long && (fold || largeBytes >= crcChunk)
		if hashed := b.crcDone > 0; hashed && !long || !hashed && mustHash {
			t.Fatalf("folding %v, values of 512 bytes or more %d bytes: %d bytes hashed at append", fold, largeBytes, b.crcDone)
		}
		b.WriteHeader()
		for _, ps := range []ProducerState{{ID: -1, Epoch: -1}, {ID: 77, Epoch: 3}} {
			b.ProducerID, b.ProducerEpoch, b.BaseSeq = ps.ID, ps.Epoch, int32(got)
			b.WriteHeader() // the second time: SetProducerState
			if c, w := binary.BigEndian.Uint32(b.Wire[17:]), crc32.Checksum(b.Wire[21:], table); c != w {
				t.Fatalf("batch of %d records, %d bytes: CRC field %08x, hash/crc32 %08x", b.Records(), len(b.Wire), c, w)
			}
			_, dec, err := recordbatch.Decode(b.Wire, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			if len(dec) != len(recs) {
				t.Fatalf("%d records decoded, %d in the batch", len(dec), len(recs))
			}
			for i, r := range dec {
				if msg := diffRecord(r, recs[i], b.BaseTimestamp()); msg != "" {
					t.Fatalf("record %d of the batch: %s", i, msg)
				}
			}
		}
		got += b.Records()
		h.part(0).Complete(b, 0, -1, nil)
	}
}

// diffRecord describes how a decoded record differs from the one
// appended, telling null from empty; "" if it does not.
func diffRecord(r recordbatch.Record, w Record, baseTs int64) string {
	same := func(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }
	switch {
	case baseTs+r.TimestampDelta != w.Timestamp:
		return fmt.Sprintf("timestamp %d, want %d", baseTs+r.TimestampDelta, w.Timestamp)
	case !same(r.Key, w.Key):
		return fmt.Sprintf("key of %d bytes differs from the %d appended", len(r.Key), len(w.Key))
	case !same(r.Value, w.Value):
		return fmt.Sprintf("value of %d bytes differs from the %d appended", len(r.Value), len(w.Value))
	case len(r.Headers) != len(w.Headers):
		return fmt.Sprintf("%d headers, want %d", len(r.Headers), len(w.Headers))
	}
	for i, hd := range r.Headers {
		if hd.Key != w.Headers[i].Key || !same(hd.Value, w.Headers[i].Value) {
			return fmt.Sprintf("header %d differs", i)
		}
	}
	return ""
}
