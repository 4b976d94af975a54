package accumulator

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/recordbatch"
)

// Config configures an Accumulator.
type Config struct {
	BatchSize       int           // batch.size, including the batch header
	Linger          time.Duration // linger.ms
	BufferMemory    int64         // buffer.memory
	DeliveryTimeout time.Duration // delivery.timeout.ms
	Codec           compress.Codec
	Compressor      *compress.Compressor // for Codec; nil with compress.None
	Adaptive        bool                 // adaptive sticky partitioning
	// AvailabilityTimeout (partitioner.availability.timeout.ms): with
	// Adaptive, sticky partitioning skips partitions whose leader has taken
	// none of their batches for this long. 0 disables it.
	AvailabilityTimeout time.Duration
	MaxBlock            time.Duration // max.block.ms: longest wait for memory
	// Pace is how many bytes of sealed batches may wait for the sender
	// before an append that opens a batch waits for it to take some,
	// while deliveries are happening (see pacer); 0 disables pacing.
	Pace          int64
	Transactional bool // batches carry the transactional flag
	Logger        *slog.Logger
	// Spool, when set, is the durable log every batch is written to
	// before it can be sent.
	Spool Spool

	// Wake is called (without locks) when partition p may have become
	// sendable: a new batch started (its linger began), a batch sealed, or
	// a retry was queued. It must not block.
	Wake func(p *Partition)
	// WakeAt, if set, is called instead of Wake when all that changed is
	// that a new open batch of p began its linger: p has nothing to send
	// before due unless it is woken again (the batch fills, a Flush).
	// Called without locks; it must not block.
	WakeAt func(p *Partition, due time.Time)
	// Deliver runs the outcome of every record of b (b.Err, or success
	// with b.BaseOffset), in order. It is called once per batch, in each
	// partition's batch order, with no lock held.
	Deliver func(b *Batch)
}

// Accumulator holds the batches of every partition the producer writes to.
type Accumulator struct {
	cfg  Config
	log  *slog.Logger
	pool *Pool
	bufs bufPool
	pace pacer

	topicsMu  lockorder.Mutex[lockorder.Topics]
	restoring map[string]map[int32][]RestoredBatch // under topicsMu: batches for partitions not made yet
	// memFullSince is when a spooled append last found buffer memory
	// exhausted (unix ns; 0 while it is not): see spillAfter.
	memFullSince atomic.Int64
	topics       atomic.Pointer[map[string]*Topic] // copy on write
	lastTopic    atomic.Pointer[Topic]             // the topic Topic found last

	flushing       atomic.Int32
	batchesCreated atomic.Int64
	closed         atomic.Bool
	gate           atomic.Pointer[gateErr] // when set, appends fail with its error
	txnGen         atomic.Uint32           // stamped on new batches (SetTxnGen)
	compressing    chan struct{}           // a token per batch being compressed in the background
	lanes          int                     // sticky lanes per topic: GOMAXPROCS+1, at most maxLanes

	// active lists the partitions that have had batches since the
	// expiry walk last found them empty (Partition.listed): the walks
	// that look for batches (expiry every 100 ms, Flush, Buffered) visit
	// these, not every partition of every topic, so that idle partitions
	// cost nothing per tick. A partition may be listed twice for a while.
	activeMu lockorder.Mutex[lockorder.Leaf]
	active   []*Partition // under activeMu
	walk     []*Partition // Expire's copy of active; used by the housekeeping goroutine only

	deliverers deliverers // goroutines running the Deliver hook now
}

type gateErr struct{ err error }

// New returns an empty accumulator.
func New(cfg Config) *Accumulator {
	a := &Accumulator{cfg: cfg, pool: NewPool(cfg.BufferMemory), log: cfg.Logger,
		compressing: make(chan struct{}, runtime.GOMAXPROCS(0)), lanes: min(maxLanes, runtime.GOMAXPROCS(0)+1)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.pace.limit, a.pace.stall = cfg.Pace, stallAfter
	size := max(cfg.BatchSize, 1024)
	if cfg.Compressor != nil && cfg.Codec != compress.None {
		// A full batch compressed into a pooled buffer, even one that
		// does not compress.
		size = max(size, recordbatch.HeaderSize+cfg.Compressor.MaxSize(size))
	}
	a.bufs.init(size)
	m := map[string]*Topic{}
	a.topics.Store(&m)
	return a
}

// Pool returns the accumulator's memory budget.
func (a *Accumulator) Pool() *Pool { return a.pool }

// BatchesCreated counts the batches made so far.
func (a *Accumulator) BatchesCreated() int64 { return a.batchesCreated.Load() }

// Topic returns the topic named name, or nil if it has not been added.
// The topic found last is checked first: producers mostly write to one
// topic, and comparing a name is cheaper than hashing it.
func (a *Accumulator) Topic(name string) *Topic {
	if t := a.lastTopic.Load(); t != nil && t.Name == name {
		return t
	}
	t := (*a.topics.Load())[name]
	if t != nil {
		a.lastTopic.Store(t)
	}
	return t
}

// AddTopic returns the topic named name, adding it (with no partitions) if
// it is new.
func (a *Accumulator) AddTopic(name string) *Topic {
	if t := a.Topic(name); t != nil {
		return t
	}
	a.topicsMu.Lock()
	defer a.topicsMu.Unlock()
	old := *a.topics.Load()
	if t := old[name]; t != nil {
		return t
	}
	t := &Topic{Name: name, acc: a}
	next := make(map[string]*Topic, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[name] = t
	a.topics.Store(&next)
	return t
}

// Topics returns every topic.
func (a *Accumulator) Topics() map[string]*Topic { return *a.topics.Load() }

// errBufferFull is returned by the non-blocking appends.
var errBufferFull = errors.New("buffer full")

// ErrNoWaitInDeliver is returned by an append made inside the Deliver hook
// (a record's callback) that would have to wait for memory: the goroutine
// delivering outcomes is the one that frees memory, so it must not wait
// for it.
var ErrNoWaitInDeliver = errors.New("an append inside a delivery callback cannot wait for buffer memory")

// ErrBufferFull is returned by a non-blocking append when the record needs
// a new batch and no memory is free.
var ErrBufferFull = errBufferFull

// ErrClosed is returned by appends after Close.
var ErrClosed = errors.New("accumulator closed")

// ExhaustedError is returned by an append that waited max.block.ms for
// memory in vain.
type ExhaustedError struct {
	Waited time.Duration
	Need   int64
}

func (e *ExhaustedError) Error() string {
	return "no buffer memory free within max.block.ms"
}

// Close makes every later append fail with ErrClosed. When it returns, no
// append is in progress: each either finished before or will fail.
func (a *Accumulator) Close() {
	a.closed.Store(true)
	a.gate.Store(&gateErr{ErrClosed})
	a.Barrier()
}

// SetGate makes appends fail with err, or lets them through again with
// nil (a transactional producer closes the gate between transactions).
// Call Barrier to wait out appends already past the gate. After Close the
// gate stays closed.
func (a *Accumulator) SetGate(err error) {
	if a.closed.Load() {
		return
	}
	if err == nil {
		a.gate.Store(nil)
	} else {
		a.gate.Store(&gateErr{err})
	}
}

// gateError returns the gate's error, or nil when appends may proceed.
// Appends call it with the partition's mutex held.
func (a *Accumulator) gateError() error {
	if g := a.gate.Load(); g != nil {
		return g.err
	}
	return nil
}

// SetTxnGen sets the transaction generation stamped on the batches made
// from now on (Batch.TxnGen). A transactional producer sets it, with the
// gate closed, between two transactions: a batch then holds records of one
// transaction only.
func (a *Accumulator) SetTxnGen(gen uint32) { a.txnGen.Store(gen) }

// Barrier returns once no append that passed the gate before the call is
// still in progress: appends check the gate and append under the
// partition's mutex, which Barrier takes in turn.
func (a *Accumulator) Barrier() {
	for _, t := range a.Topics() {
		for _, p := range t.Partitions() {
			p.mu.Lock()
			p.mu.Unlock() //nolint:staticcheck // empty critical section: a barrier
		}
	}
}

// Record is one record to append. Key, Value and Headers are copied into
// the batch before Append returns.
type Record struct {
	Timestamp int64 // milliseconds
	Key       []byte
	Value     []byte
	Headers   []recordbatch.Header
	CB        any
}

// MaxRecordSize is the most bytes a batch holding only this record can
// take: the batch header and the record's upper bound
// (recordbatch.RecordSizeUpperBound). It equals the size the Java producer
// checks against max.request.size and buffer.memory, to the byte.
func MaxRecordSize(key, value []byte, headers []recordbatch.Header) int {
	r := Record{Key: key, Value: value, Headers: headers}
	return r.size() + batchOverhead
}

// Append adds r to partition p, blocking while a new batch must wait for
// memory, until ctx ends. try makes it fail with ErrBufferFull instead of
// blocking.
func (a *Accumulator) Append(ctx context.Context, p *Partition, r *Record, try bool) error {
	for {
		p.mu.Lock()
		if err := a.gateError(); err != nil {
			p.mu.Unlock()
			return err
		}
		if p.appendOpen(r) >= 0 {
			p.mu.Unlock()
			return nil
		}
		n, err := p.appendNewLocked(ctx, r, try, nil)
		if err != nil || n >= 0 {
			return err
		}
	}
}

// AppendSticky adds a record without a key or explicit partition to t's
// sticky partition, switching partitions after batch.size bytes or a full
// batch. It returns the partition used.
//
// The topic has a few sticky lanes, each its own sticky choice (KIP-794)
// on a partition of its own: a record goes to the first lane whose
// partition's mutex is free (lockLane). A lone producing goroutine thus
// always uses lane 0, as with a single sticky partition, and concurrent
// goroutines append to different partitions at once instead of waiting
// for one mutex. Each goroutine's records keep their order in every
// partition: a partition has one open batch, appended to under its mutex.
//
// The choice is retired under the partition's mutex (so that no record
// lands there after it) and the next partition is chosen after the mutex
// is released: choosing reads other partitions' queues and stall state,
// and no partition lock is ever taken while another is held.
func (a *Accumulator) AppendSticky(ctx context.Context, t *Topic, r *Record, try bool) (*Partition, error) {
	for {
		s, err := t.lockLane(ctx)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, errNoPartitions
		}
		p := s.part
		if err := a.gateError(); err != nil {
			p.mu.Unlock()
			return nil, err
		}
		if s.lane.Load() != s {
			p.mu.Unlock()
			continue
		}
		var sealed *Batch
		// A choice takes at least one record (batch.size 0 fits none),
		// or the lane would retire every partition in turn, forever.
		if !s.retired.Load() && s.produced.Load() < max(int64(a.cfg.BatchSize), 1) {
			if n := p.appendOpen(r); n >= 0 {
				s.produced.Add(int64(n))
				p.mu.Unlock()
				return p, nil
			}
			if p.open == nil {
				n, err := p.appendNewLocked(ctx, r, try, s.current)
				if err != nil {
					return nil, err
				}
				if n >= 0 {
					s.produced.Add(int64(n))
					return p, nil
				}
				continue
			}
			// The open batch has no room for this record: it goes out now.
			sealed = p.sealOpenLocked()
		} else if p.open != nil && p.open.full() {
			// batch.size bytes went to p: a full batch goes out now, one
			// with room is left to its linger.
			sealed = p.sealOpenLocked()
		}
		s.retired.Store(true)
		p.mu.Unlock()
		t.switchSticky(s)
		if sealed != nil {
			p.sealInBackground(sealed)
		} else {
			a.cfg.Wake(p)
		}
	}
}

var errNoPartitions = errors.New("topic has no partitions")

// deliver hands b's outcome to the producer and frees b's resources.
func (a *Accumulator) deliver(b *Batch) {
	if b.entries == nil && b.nrec > 0 {
		b.expandEntries(b.Wire) // a spilled batch failed before it was read back
	}
	a.pace.delivering.Add(1)
	slot := a.deliverers.enter()
	a.cfg.Deliver(b)
	a.deliverers.leave(slot)
	a.pace.delivering.Add(-1)
	a.delivered(b)
	a.pool.Release(b.reserved)
	if b.SpoolReserved > 0 {
		a.cfg.Spool.Release(b.SpoolReserved) // never written
		b.SpoolReserved = 0
	}
	if !b.noReuse {
		if b.buf != nil {
			a.bufs.put(b.buf)
		}
		if b.Wire != nil && (b.buf == nil || &b.Wire[0] != &b.buf[0]) {
			a.bufs.put(b.Wire)
		}
		if b.entries != nil {
			putEntries(b.entries)
		}
	}
	b.buf, b.Wire, b.entries = nil, nil, nil
}

// Flush makes every batch sendable at once and waits until every batch
// that existed when Flush was called has been delivered, or ctx ends.
// wake is called for every partition with batches, to reach the sender.
func (a *Accumulator) Flush(ctx context.Context) error {
	a.flushing.Add(1)
	defer a.flushing.Add(-1)
	var waits []chan struct{}
	for _, p := range a.distinctActive() {
		if done := p.lastUndelivered(); done != nil {
			waits = append(waits, done)
			a.cfg.Wake(p)
		}
	}
	for _, done := range waits {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Flushing reports whether a Flush is in progress.
func (a *Accumulator) Flushing() bool { return a.flushing.Load() > 0 }

// Abort fails every undelivered batch with err: those in flight too when
// inFlight is set.
func (a *Accumulator) Abort(err error, inFlight bool) {
	for _, t := range a.Topics() {
		for _, p := range t.Partitions() {
			p.abort(err, inFlight, nil)
		}
	}
}

// AbortTxn fails the undelivered batches of transaction generation gen
// that are not in flight with err, leaving those of any other generation
// alone: a failure decided in one transaction and carried out late must
// not reach the records of the next.
func (a *Accumulator) AbortTxn(err error, gen uint32) {
	for _, t := range a.Topics() {
		for _, p := range t.Partitions() {
			p.abort(err, false, &gen)
		}
	}
}

// Expire fails batches past their delivery deadline that are not in
// flight, calling fail for each (which must Complete it). The sender calls
// it for partitions it does not drain, such as those without a leader,
// from one goroutine. It visits only the listed partitions (active), and
// unlists those it finds without batches.
func (a *Accumulator) Expire(now time.Time, fail func(*Batch)) {
	a.walk = a.ActivePartitions(a.walk[:0])
	emptied := 0
	for _, p := range a.walk {
		p.mu.Lock()
		expired := p.expireLocked(now, nil)
		if len(p.undelivered) == 0 && p.listed.Load() {
			p.listed.Store(false)
			emptied++
		}
		p.mu.Unlock()
		for _, b := range expired {
			fail(b)
		}
	}
	clear(a.walk)
	if emptied > 0 {
		a.pruneActive()
	}
}

// addActive lists p as a partition with batches. p.mu is held.
func (a *Accumulator) addActive(p *Partition) {
	a.activeMu.Lock()
	a.active = append(a.active, p)
	a.activeMu.Unlock()
}

// pruneActive drops the partitions no longer listed from active. One
// listed again meanwhile stays (perhaps twice, until it is next found
// empty): a partition with batches is always in the list.
func (a *Accumulator) pruneActive() {
	a.activeMu.Lock()
	keep := a.active[:0]
	for _, p := range a.active {
		if p.listed.Load() {
			keep = append(keep, p)
		}
	}
	clear(a.active[len(keep):])
	a.active = keep
	if cap(a.active) > 64 && len(a.active) < cap(a.active)/4 {
		a.active = append([]*Partition(nil), a.active...) // a past burst's array is not kept
	}
	a.activeMu.Unlock()
}

// ActivePartitions appends to dst every partition that may have batches
// not yet delivered: each partition that has some is among them.
func (a *Accumulator) ActivePartitions(dst []*Partition) []*Partition {
	a.activeMu.Lock()
	defer a.activeMu.Unlock()
	return append(dst, a.active...)
}

// Undelivered counts batches not yet delivered across all partitions.
func (a *Accumulator) Undelivered() int {
	n := 0
	for _, p := range a.distinctActive() {
		u, _ := p.Pending()
		n += u
	}
	return n
}

// Buffered sums Partition.Buffered over every partition.
func (a *Accumulator) Buffered() (records, bytes int64) {
	for _, p := range a.distinctActive() {
		r, b := p.Buffered()
		records += r
		bytes += b
	}
	return records, bytes
}

// distinctActive returns the listed partitions, each once.
func (a *Accumulator) distinctActive() []*Partition {
	parts := a.ActivePartitions(nil)
	seen := make(map[*Partition]struct{}, len(parts))
	out := parts[:0]
	for _, p := range parts {
		if _, dup := seen[p]; !dup {
			seen[p] = struct{}{}
			out = append(out, p)
		}
	}
	return out
}
