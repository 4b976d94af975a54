package main

import (
	"encoding/binary"
	"math/rand/v2"
	"net"

	"github.com/samsa-go/samsa/internal/recordbatch"
)

// build returns the requests floor writes in turn, each as the pieces of
// one frame (size prefix included), and the records one request carries.
// Request i holds the batches of partitions i*perReq+j (j < perReq),
// modulo k.partitions: the list repeats after partitions/gcd(partitions,
// perReq) requests.
func build(k knobs) ([]net.Buffers, int) {
	batches, recs := batchesFor(k)
	cycle := k.partitions / gcd(k.partitions, k.perReq)
	reqs := make([]net.Buffers, cycle)
	for i := range reqs {
		parts := make([]int32, k.perReq)
		for j := range parts {
			parts[j] = int32((i*k.perReq + j) % k.partitions)
		}
		reqs[i] = request(k.version, parts, batches)
		if !k.gather {
			var whole []byte
			for _, b := range reqs[i] {
				whole = append(whole, b...)
			}
			reqs[i] = net.Buffers{whole}
		}
	}
	return reqs, recs * k.perReq
}

// batchesFor returns a batch for each partition and the records each
// announces: one filler batch shared by all, or with k.records a real
// batch of its own for each.
func batchesFor(k knobs) ([][]byte, int) {
	batches := make([][]byte, k.partitions)
	if k.records <= 0 {
		b := filler(k.batch)
		for i := range batches {
			batches[i] = b
		}
		return batches, 10
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range batches {
		batches[i] = recordBatch(rng, k.records, k.size)
	}
	return batches, k.records
}

// filler returns n bytes that the sink takes for a batch of ten records:
// its header fields set, its records filler.
func filler(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	binary.BigEndian.PutUint64(b[0:], 0)                 // base offset
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12)) // batch length
	b[16] = 2                                            // magic
	binary.BigEndian.PutUint32(b[23:], 9)                // last offset delta: ten records
	return b
}

// recordBatch encodes a v2 batch of n records, each with a 16-byte random
// alphanumeric key (as the harness's -keys random) and a value of size
// bytes of text, with its header and CRC.
func recordBatch(rng *rand.Rand, n, size int) []byte {
	const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	key, value := make([]byte, 16), make([]byte, size)
	b := make([]byte, recordbatch.HeaderSize, recordbatch.HeaderSize+n*(size+32))
	const ts = 1722950000000
	for i := range n {
		for j := range key {
			key[j] = alnum[rng.IntN(len(alnum))]
		}
		for j := range value {
			value[j] = byte('a' + rng.IntN(26))
		}
		b = recordbatch.AppendRecord(b, int64(i), int32(i), key, value, nil)
	}
	recordbatch.WriteHeader(b, &recordbatch.BatchHeader{
		PartitionLeaderEpoch: -1, LastOffsetDelta: int32(n - 1), BaseTimestamp: ts, MaxTimestamp: ts + int64(n-1),
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: int32(n),
	})
	return b
}

// request returns a produce request of version ver (acks 1) for topic
// bench carrying batches[p] for each p of parts, as the pieces of its
// frame: framing bytes and batches interleaved, the batches not copied.
func request(ver int16, parts []int32, batches [][]byte) net.Buffers {
	flex := ver >= 9
	be := binary.BigEndian
	f := make([]byte, 4, 64+len(parts)*16) // size prefix, set below
	f = be.AppendUint16(f, 0)              // Produce
	f = be.AppendUint16(f, uint16(ver))
	f = be.AppendUint32(f, 1) // correlation id: the sink echoes it, floor ignores it
	f = be.AppendUint16(f, 5)
	f = append(f, "floor"...)
	if flex {
		f = append(f, 0) // request header tagged fields
	}
	f = appendLen(f, -1, flex, 2) // transactional id: null
	f = be.AppendUint16(f, 1)     // acks
	f = be.AppendUint32(f, 30000) // timeout
	f = appendLen(f, 1, flex, 4)  // topics
	f = appendLen(f, len("bench"), flex, 2)
	f = append(f, "bench"...)
	f = appendLen(f, len(parts), flex, 4)
	var out net.Buffers
	size := 0
	for _, p := range parts {
		f = be.AppendUint32(f, uint32(p))
		f = appendLen(f, len(batches[p]), flex, 4)
		out = append(out, f, batches[p])
		size += len(f) + len(batches[p])
		f = f[len(f):] // the next framing goes on in the rest of the array
		if flex {
			f = append(f, 0) // partition tagged fields
		}
	}
	if flex {
		f = append(f, 0, 0) // topic and request tagged fields
	}
	out = append(out, f)
	size += len(f)
	be.PutUint32(out[0], uint32(size-4))
	return out
}

// appendLen appends a length or count: a compact (uvarint n+1) one in
// flexible versions, else width bytes big-endian; -1 is null.
func appendLen(b []byte, n int, flex bool, width int) []byte {
	if flex {
		return binary.AppendUvarint(b, uint64(n+1))
	}
	if width == 2 {
		return binary.BigEndian.AppendUint16(b, uint16(n))
	}
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
