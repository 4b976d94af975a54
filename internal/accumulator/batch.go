package accumulator

import (
	"sync"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/recordbatch"
)

// Entry is what a batch keeps of each record for its outcome.
type Entry struct {
	// CB is the record's callback, of whatever type the producer uses; the
	// Deliver hook interprets it.
	CB        any
	Timestamp int64 // milliseconds since the epoch
	KeySize   int32 // -1 for a null key
	ValueSize int32 // -1 for a null value
}

// batch states
const (
	stateOpen     uint8 = iota // records are being appended
	stateSealing               // closed to appends, being compressed
	stateReady                 // encoded, waiting to be sent
	stateInFlight              // handed to the sender
	stateDone                  // has its outcome, waiting to be delivered in order
)

// Batch is one record batch of one partition.
type Batch struct {
	// The fields an append reads and writes come first, together: with
	// records spread over many partitions, each append finds its batch
	// out of cache, and these are the cache lines it waits for (a Batch
	// is allocated at a multiple of 64 bytes).
	buf      []byte // header space and uncompressed records
	entries  []Entry
	baseTs   int64
	maxTs    int64
	limit    int   // len(buf) may not exceed this, but for the first record
	bytes    int64 // encoded size of the records appended
	P        *Partition
	seq      uint64 // creation order within the partition
	span     uint64 // the creation numbers [seq, seq+span) are this batch's: a split shares them among its parts
	reserved int64
	paced    int64 // bytes counted by the pacer until the sender takes b, or its delivery
	// The CRC-32C of the records is computed as they are appended, a
	// chunk at a time while the bytes are in cache, not when the batch is
	// sent: crc covers the first crcDone bytes after the header (of buf,
	// or of a compressed Wire, all of it). crcValid is set for batches
	// built by appends; others get their CRC computed whole. Records
	// that will be compressed are not hashed as they come (crcAppend
	// unset): the CRC covers the compressed bytes, taken after
	// compression.
	crcAppend bool
	crcValid  bool
	state     uint8
	crc       uint32
	crcDone   int
	noReuse   bool // buffers may still be referenced by a write in progress
	// abortedSealing: abort failed the batch (Err) while it was being
	// compressed; the compressing goroutine delivers it.
	abortedSealing bool
	// txnGen is the accumulator's transaction generation when the batch
	// was made (SetTxnGen): which transaction its records belong to.
	txnGen uint32

	// Wire is the encoded batch, compressed if configured, once sealed.
	// The sender writes the header (WriteHeader or SetProducerState).
	Wire []byte
	// Codec is the compression the records in Wire use.
	Codec compress.Codec
	// RawSize is the size of the uncompressed records, for metrics.
	RawSize int

	// Created is when the first record was appended; Deadline is Created
	// plus delivery.timeout.ms.
	Created, Deadline time.Time

	// Fields the sender owns while the batch is in flight or queued for a
	// retry.
	Attempts      int
	RetryAt       time.Time
	LastErr       error
	ProducerID    int64
	ProducerEpoch int16
	BaseSeq       int32 // -1 until assigned
	Transactional bool
	HeaderWritten bool
	LeaderEpoch   int32 // the partition leader epoch the batch was last sent under
	// Broker is the broker the batch was last sent to, -1 before the
	// first send.
	Broker int32
	// QueueTime is how long the batch waited from its creation to its
	// first send.
	QueueTime time.Duration
	// MaybeWritten is set once an attempt ended without a definite answer
	// (the connection failed or timed out after the request was written),
	// so the broker may hold the batch.
	MaybeWritten bool

	// Spooled is the spool's handle of the batch once written to it
	// (Config.Spool), nil before; SpoolReserved is the spool budget the
	// batch holds until it is written. Recovered marks a batch restored
	// from the spool that carries the producer state of an earlier
	// session: it is sent as it is, never restamped, until the broker
	// refuses that state.
	Spooled       any
	SpoolReserved int64
	Recovered     bool
	durable       bool // its bytes are durable in the spool
	spilled       bool // Wire was dropped to free memory; Drain reads it back
	wireLen       int  // len(Wire) when spilled
	// While spilled, entries is nil and the batch keeps only its record
	// count and, if any record has one, their callbacks: a spool may hold
	// millions of records, and their timestamps and sizes are in the
	// bytes read back.
	nrec int
	cbs  []any

	// Outcome, set by Complete.
	BaseOffset    int64
	LogAppendTime int64 // -1 unless the topic uses LogAppendTime
	Err           error

	done chan struct{} // closed after delivery, made on demand
}

// Records returns the number of records in the batch.
func (b *Batch) Records() int {
	if b.entries == nil {
		return b.nrec
	}
	return len(b.entries)
}

// TxnGen returns the transaction generation the batch was made in
// (Accumulator.SetTxnGen).
func (b *Batch) TxnGen() uint32 { return b.txnGen }

// Entries returns the batch's per-record entries, in offset order.
func (b *Batch) Entries() []Entry { return b.entries }

// BaseTimestamp returns the first record's timestamp.
func (b *Batch) BaseTimestamp() int64 { return b.baseTs }

// MaxTimestamp returns the largest record timestamp.
func (b *Batch) MaxTimestamp() int64 { return b.maxTs }

// size returns an upper bound of the record's encoded size in any batch:
// its length prefix and deltas are counted at their widest, as the Java
// client counts them.
func (r *Record) size() int {
	return recordbatch.RecordSizeUpperBound(r.Key, r.Value, r.Headers)
}

// tryAppend encodes r into b if it fits and returns the bytes added, or -1.
// The first record always fits: batches are sized for it.
func (b *Batch) tryAppend(r *Record) int {
	n := int32(len(b.entries))
	if n == 0 {
		b.baseTs, b.maxTs = r.Timestamp, r.Timestamp
	}
	delta := r.Timestamp - b.baseTs
	body := recordbatch.RecordBodySize(delta, n, r.Key, r.Value, r.Headers)
	size := recordbatch.SizeWithPrefix(body)
	if n > 0 && len(b.buf)+size > b.limit {
		return -1
	}
	if len(b.buf)+size > cap(b.buf) && b.P != nil && !b.grow(len(b.buf)+size) && n > 0 {
		return -1 // no memory for a larger buffer: b is full
	}
	if b.crcAppend && size >= crcMinRecord {
		b.appendHashed(r, body, delta, n)
	} else {
		b.buf = recordbatch.AppendRecordBody(b.buf, body, delta, n, r.Key, r.Value, r.Headers)
	}
	b.maxTs = max(b.maxTs, r.Timestamp)
	b.bytes += int64(size)
	ks, vs := int32(len(r.Key)), int32(len(r.Value))
	if r.Key == nil {
		ks = -1
	}
	if r.Value == nil {
		vs = -1
	}
	b.entries = append(b.entries, Entry{CB: r.CB, Timestamp: r.Timestamp, KeySize: ks, ValueSize: vs})
	return size
}

// appendHashed appends r, whose encoded body is body bytes, with the
// records' CRC taken as far as its value: the bytes before it not hashed
// yet, then the value as it is copied, read once (AppendRecordBodyCRC).
// Where the CPU does not fold (AppendRecordBodyCRC hashes nothing), the
// bytes appended are hashed once crcChunk of them wait, while they are
// still in the core's cache, not when the batch is sent.
func (b *Batch) appendHashed(r *Record, body int, delta int64, n int32) {
	var done int
	b.buf, done, b.crc = recordbatch.AppendRecordBodyCRC(b.buf, recordbatch.HeaderSize+b.crcDone, b.crc, body, delta, n, r.Key, r.Value, r.Headers)
	if len(b.buf)-done >= crcChunk {
		b.crc = recordbatch.UpdateCRC(b.crc, b.buf[done:])
		done = len(b.buf)
	}
	b.crcDone = done - recordbatch.HeaderSize
}

// grow moves b's records to a larger buffer (started at the size of the
// partition's batches so far) with room for need bytes: twice the
// capacity, at most b.limit, at least need. The capacity it adds to what
// b holds reserved (at most b.limit in all) is reserved without waiting,
// under the partition's mutex like the append; when the pool cannot give
// it, grow reports false and b keeps its buffer. The first record of a
// batch never needs it: the first buffer is sized for it.
func (b *Batch) grow(need int) bool {
	a := b.P.acc
	want := max(need, min(2*cap(b.buf), b.limit))
	if extra := min(int64(a.bufs.capFor(want)), int64(b.limit)) - b.reserved; extra > 0 {
		if !a.pool.TryReserve(extra) {
			return false
		}
		b.reserved += extra
	}
	b.buf = a.bufs.grow(b.buf, want)
	return true
}

// crcMinRecord is the smallest record whose CRC is taken as it is
// appended, its value hashed as it is copied (appendHashed): small
// records are hashed in one pass when the batch is sent, off the
// producing goroutine, which for them is the busier one (measured on W1,
// 100-byte records).
const crcMinRecord = 512

// crcChunk is how many appended bytes may wait unhashed in a batch of
// large records: few enough to be still in the core's cache, enough that
// the call costs nothing per record. Folding leaves less than a record's
// tail and the next one's prefix unhashed, so it matters only where the
// CPU does not fold.
const crcChunk = 8 << 10

// full reports whether b has no room for even a minimal record.
func (b *Batch) full() bool { return b.limit-len(b.buf) < 8 }

// encode produces Wire from the records: compressed into a new buffer, or
// the record buffer itself. On a compression failure the batch goes out
// uncompressed, which every broker accepts.
func (b *Batch) encode(c *compress.Compressor, codec compress.Codec, bufs *bufPool) error {
	b.RawSize = len(b.buf) - recordbatch.HeaderSize
	if codec == compress.None {
		b.Wire, b.Codec = b.buf, compress.None
		return nil
	}
	// Room for the output however poorly the records compress, so that
	// Compress never grows (copies) it; with batch.size records this is a
	// pooled buffer.
	out := bufs.get(recordbatch.HeaderSize + c.MaxSize(b.RawSize))
	out = out[:recordbatch.HeaderSize]
	out, err := c.Compress(out, b.buf[recordbatch.HeaderSize:])
	if err != nil {
		bufs.put(out)
		b.Wire, b.Codec = b.buf, compress.None
		return err
	}
	if bufs.capFor(len(out)) < cap(out) {
		// The batch now holds the compressed bytes, in a buffer of their
		// class rather than one sized for the worst case: within what it
		// reserved for its records unless compression made them larger.
		tight := append(bufs.get(len(out)), out...)
		bufs.put(out)
		out = tight
	}
	bufs.put(b.buf)
	b.buf = nil
	b.Wire, b.Codec = out, codec
	if b.crcValid { // compressed bytes just written: still in cache
		b.crc = recordbatch.UpdateCRC(0, out[recordbatch.HeaderSize:])
		b.crcDone = len(out) - recordbatch.HeaderSize
	}
	return nil
}

// WriteHeader writes the batch header for the producer state in b's
// fields and computes the CRC; with the header already written it only
// rewrites the producer state (a resend under a new epoch).
func (b *Batch) WriteHeader() {
	if b.HeaderWritten {
		recordbatch.SetProducerState(b.Wire, b.ProducerID, b.ProducerEpoch, b.BaseSeq, b.Transactional)
		return
	}
	attrs := int16(b.Codec)
	if b.Transactional {
		attrs |= recordbatch.AttrTransactional
	}
	h := recordbatch.BatchHeader{
		PartitionLeaderEpoch: -1,
		Attributes:           attrs,
		LastOffsetDelta:      int32(len(b.entries) - 1),
		BaseTimestamp:        b.baseTs,
		MaxTimestamp:         b.maxTs,
		ProducerID:           b.ProducerID,
		ProducerEpoch:        b.ProducerEpoch,
		BaseSequence:         b.BaseSeq,
		NumRecords:           int32(len(b.entries)),
	}
	if b.crcValid && b.crcDone > 0 {
		// The records' CRC, finished with the bytes appended since the
		// last chunk. (With nothing hashed yet, WriteHeader's one pass
		// over header and records is cheaper than combining two CRCs.)
		crc := recordbatch.UpdateCRC(b.crc, b.Wire[recordbatch.HeaderSize+b.crcDone:])
		recordbatch.WriteHeaderCRC(b.Wire, &h, crc)
	} else {
		recordbatch.WriteHeader(b.Wire, &h)
	}
	b.HeaderWritten = true
}

// bufPool recycles batch buffers: record buffers and the compressed
// batches made from them. Capacities come in classes, 1 KiB doubling up
// to the largest, size (set in New: the larger of batch.size and a full
// batch compressed), so that a partition whose batches stay small takes
// small buffers (a producer writing to thousands of partitions does not
// hold batch.size for each), and any buffer of a class can be reused as
// another of that class. Buffers of other capacities are left to the
// garbage collector.
type bufPool struct {
	size    int // the largest class
	classes []int
	pools   []sync.Pool
}

// bufBoxes recycles the *[]byte boxes that carry buffers through the
// class pools: a sync.Pool takes a pointer, and boxing each put buffer
// anew would allocate once per batch.
var bufBoxes sync.Pool

// minBufClass is the smallest buffer class.
const minBufClass = 1 << 10

func (p *bufPool) init(size int) {
	p.size = size
	p.classes = p.classes[:0]
	for c := minBufClass; c < size; c *= 2 {
		p.classes = append(p.classes, c)
	}
	p.classes = append(p.classes, size)
	p.pools = make([]sync.Pool, len(p.classes))
}

// get returns an empty buffer of capacity at least n.
func (p *bufPool) get(n int) []byte {
	for i, c := range p.classes {
		if n <= c {
			if b, ok := p.pools[i].Get().(*[]byte); ok {
				buf := (*b)[:0]
				*b = nil
				bufBoxes.Put(b) // the box carries the next put
				return buf
			}
			return make([]byte, 0, c)
		}
	}
	return make([]byte, 0, n)
}

func (p *bufPool) put(b []byte) {
	for i, c := range p.classes {
		if cap(b) == c {
			box, _ := bufBoxes.Get().(*[]byte)
			if box == nil {
				box = new([]byte)
			}
			*box = b[:0]
			p.pools[i].Put(box)
			return
		}
	}
}

// capFor returns the capacity of the buffer get(n) returns: n's class,
// or n above the largest.
func (p *bufPool) capFor(n int) int {
	for _, c := range p.classes {
		if n <= c {
			return c
		}
	}
	return n
}

// grow returns buf, with its content, in a buffer of capacity
// capFor(n). buf goes back to the pool.
func (p *bufPool) grow(buf []byte, n int) []byte {
	nb := p.get(n)
	nb = append(nb, buf...)
	p.put(buf)
	return nb
}

// entryPool recycles per-batch entry slices, each carried in a box from
// entryBoxes: boxing a slice anew at each put would allocate once per
// batch.
var (
	entryPool  = sync.Pool{New: func() any { s := make([]Entry, 0, 16); return &s }}
	entryBoxes sync.Pool
)

func getEntries() []Entry {
	box := entryPool.Get().(*[]Entry)
	e := (*box)[:0]
	*box = nil
	entryBoxes.Put(box)
	return e
}

func putEntries(e []Entry) {
	if cap(e) > 1<<16 {
		return
	}
	clear(e)
	box, _ := entryBoxes.Get().(*[]Entry)
	if box == nil {
		box = new([]Entry)
	}
	*box = e[:0]
	entryPool.Put(box)
}
