package sender

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/cluster"
)

// Config configures a Sender.
type Config struct {
	Acks            int16 // 0, 1 or -1
	RequestTimeout  time.Duration
	MaxRequestSize  int
	MaxInFlight     int
	Retries         int
	RetryBackoff    cluster.Backoff
	DeliveryTimeout time.Duration
	Logger          *slog.Logger
	// Producer supplies the idempotent producer's id and epoch; nil for a
	// producer that is not idempotent.
	Producer ProducerIDs
	// TransactionalID is sent in produce requests of a transactional
	// producer.
	TransactionalID *string
	// Spool, when set, records every send attempt in the producer's
	// durable spool before the batch goes out.
	Spool Spool
}

// Spool is what the sender needs of the producer's spool.
type Spool interface {
	// Sending records that b is about to be sent with its current
	// producer id, epoch and base sequence; it returns an error when that
	// cannot be recorded, and the batch is then retried instead of sent.
	Sending(b *accumulator.Batch) error
	// Sync waits until what Sending recorded is durable, if the spool
	// needs that before a send; on error the batches are retried.
	Sync() error
}

// ProducerIDs gives sinks the producer id and epoch to stamp batches with.
type ProducerIDs interface {
	// Current returns the state to use, or ok false while there is none
	// yet (sinks wait; Ready is closed when there is).
	Current() (ps accumulator.ProducerState, ok bool)
	// Ready returns a channel closed once Current would return ok.
	Ready() <-chan struct{}
	// HandleError is told of a produce error of an idempotent batch that
	// the sender cannot resolve by retrying alone (sequence and epoch
	// errors, KIP-360). It returns what to do with the batch.
	HandleError(b *accumulator.Batch, code int16) Verdict
	// RequestBump asks for a new producer epoch, with sequences reset:
	// the partition's sequence has a hole the broker cannot get past.
	RequestBump(reason string)
	// Sendable reports whether p's batches may be sent now (a
	// transactional producer first adds p to the transaction).
	Sendable(p *accumulator.Partition) bool
	// Aborting reports that the transaction is being aborted: batches that
	// come back with errors fail instead of being retried.
	Aborting() bool
	// MaxProduceVersion caps the Produce version (transactions v1 must
	// not use v12, whose brokers add partitions implicitly).
	MaxProduceVersion() int16
}

// Verdict is what to do with a batch after an idempotence error.
type Verdict int

const (
	// VerdictFail fails the batch with its error.
	VerdictFail Verdict = iota
	// VerdictRetry retries the batch (its producer state may have been
	// reset).
	VerdictRetry
	// VerdictWaitTurn retries the batch once the earlier batches of its
	// partition, which the broker has not written yet, are: it failed only
	// because it came before them.
	VerdictWaitTurn
)

// Sender runs the sinks.
type Sender struct {
	cfg Config
	log *slog.Logger
	acc *accumulator.Accumulator
	cl  *cluster.Cluster

	mu      lockorder.Mutex[lockorder.Sender]
	sinks   map[int32]*sink
	orphans map[*accumulator.Partition]struct{} // have data, no known leader
	closed  bool

	Stats Stats

	// busy counts sinks between reading the producer state and registering
	// their request as in flight, so that an epoch bump can wait for a
	// moment when no batch is on its way under the old epoch.
	busy atomic.Int32

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a Sender for acc's batches, sending to cl's brokers. Call
// Start once the accumulator's Wake hook points at Wake.
func New(cfg Config, acc *accumulator.Accumulator, cl *cluster.Cluster) *Sender {
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 5
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sender{
		cfg: cfg, log: log, acc: acc, cl: cl,
		sinks:   make(map[int32]*sink),
		orphans: make(map[*accumulator.Partition]struct{}),
		ctx:     ctx, cancel: cancel,
	}
	s.Stats.init()
	return s
}

// Start starts housekeeping.
func (s *Sender) Start() {
	s.wg.Add(1)
	go s.housekeeping()
}

// Wake routes a partition that may have something to send to the sink of
// its leader, or keeps it aside until metadata names one.
func (s *Sender) Wake(p *accumulator.Partition) {
	leader := p.Leader.Load()
	if leader < 0 {
		s.mu.Lock()
		s.orphans[p] = struct{}{}
		s.mu.Unlock()
		s.cl.RequestRefresh()
		return
	}
	k := s.sink(leader)
	if k == nil {
		return // closed
	}
	k.add(p)
}

// WakeAt tells p's sink that p has a new open batch, due at due: the
// sink looks at p by then, and is woken now only if it would otherwise
// sleep past due (accumulator.Config.WakeAt).
func (s *Sender) WakeAt(p *accumulator.Partition, due time.Time) {
	leader := p.Leader.Load()
	if leader < 0 {
		s.Wake(p)
		return
	}
	k := s.sink(leader)
	if k == nil {
		return // closed
	}
	k.addLinger(p, due.UnixNano())
}

// WakeAll wakes every sink, as Flush needs.
func (s *Sender) WakeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.sinks {
		k.signal()
	}
}

// sink returns the sink of broker id, starting it if needed.
func (s *Sender) sink(id int32) *sink {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	k := s.sinks[id]
	if k == nil {
		k = newSink(s, id)
		s.sinks[id] = k
		s.wg.Add(1)
		go k.run()
	}
	return k
}

// OnMetadata applies a metadata snapshot to every topic in the
// accumulator, then routes partitions that were waiting for a leader.
func (s *Sender) OnMetadata(snap *cluster.Snapshot) {
	for name, t := range s.acc.Topics() {
		if mt := snap.Topics[name]; mt != nil {
			s.ApplyTopic(t, mt, snap)
		}
	}
	s.mu.Lock()
	orphans := s.orphans
	s.orphans = make(map[*accumulator.Partition]struct{})
	s.mu.Unlock()
	for p := range orphans {
		s.Wake(p)
	}
}

// ApplyTopic sets a topic's partition count, leaders and available
// partitions from metadata. Partitions whose leader changed and that hold
// batches are routed to their new leader's sink.
func (s *Sender) ApplyTopic(t *accumulator.Topic, mt *cluster.Topic, snap *cluster.Snapshot) {
	if mt.ErrCode != 0 || len(mt.Partitions) == 0 {
		return
	}
	available := make([]int32, 0, len(mt.Partitions))
	for _, mp := range mt.Partitions {
		if _, ok := snap.Brokers[mp.Leader]; ok && mp.Leader >= 0 {
			available = append(available, mp.ID)
		}
	}
	t.SetPartitions(len(mt.Partitions), available)
	parts := t.Partitions()
	for _, mp := range mt.Partitions {
		p := parts[mp.ID]
		if mp.LeaderEpoch < p.LeaderEpoch.Load() {
			continue // a leader hint (KIP-951) was newer than this metadata
		}
		p.LeaderEpoch.Store(mp.LeaderEpoch)
		if old := p.Leader.Swap(mp.Leader); old != mp.Leader {
			if u, _ := p.Pending(); u > 0 {
				s.Wake(p)
			}
		}
	}
}

// setLeader applies a leader hint from a produce response (KIP-951) if it
// is newer than what metadata said.
func (s *Sender) setLeader(p *accumulator.Partition, leader, epoch int32) bool {
	if leader < 0 || epoch <= p.LeaderEpoch.Load() || s.cl.Broker(leader) == nil {
		return false
	}
	p.LeaderEpoch.Store(epoch)
	p.Leader.Store(leader)
	return true
}

// housekeeping fails batches past their delivery timeout in partitions
// no sink drains, and retires sinks of brokers that left.
func (s *Sender) housekeeping() {
	defer s.wg.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-tick.C:
			s.acc.Expire(now, s.expire)
		}
	}
}

// Busy counts requests in flight or being handled, plus sinks about to
// send one.
func (s *Sender) Busy() int {
	return int(s.busy.Load()) + s.sumSinks(func(k *sink) int32 { return k.inflight.Load() })
}

// expire fails a batch whose delivery timeout passed.
func (s *Sender) expire(b *accumulator.Batch) {
	last := b.LastErr
	if last == nil {
		last = errNeverSent
	}
	s.fail(b, &TimeoutError{Timeout: s.cfg.DeliveryTimeout, Attempts: b.Attempts, Last: last})
}

// fail completes a batch with err and counts it. A batch that held
// sequence numbers leaves a hole in its partition's sequence, which only a
// new producer epoch gets past.
func (s *Sender) fail(b *accumulator.Batch, err error) {
	s.Stats.recordErrors(b, err)
	if b.BaseSeq >= 0 && !b.Recovered && s.cfg.Producer != nil && !errors.Is(err, ErrClosed) {
		s.cfg.Producer.RequestBump("a sequenced batch failed: " + err.Error())
	}
	b.P.Complete(b, -1, -1, err)
}

// Close stops the sinks and housekeeping. Batches still in the
// accumulator are the caller's to abort; requests in flight are failed
// when their connections close.
func (s *Sender) Close() {
	s.mu.Lock()
	s.closed = true
	sinks := s.sinks
	s.mu.Unlock()
	s.cancel()
	for _, k := range sinks {
		k.signal()
	}
	s.wg.Wait()
}

// InFlightRequests counts produce requests awaiting responses.
func (s *Sender) InFlightRequests() int {
	return s.sumSinks(func(k *sink) int32 { return k.awaiting.Load() })
}

// sumSinks adds up count over the sinks.
func (s *Sender) sumSinks(count func(*sink) int32) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, k := range s.sinks {
		n += int(count(k))
	}
	return n
}

// errNeverSent is the Last error of a batch that timed out before any
// attempt. It is not a BrokerError: no broker said anything, and the
// batch was certainly not written.
var errNeverSent = errors.New("no produce request was sent: no leader or no connection to it")

// retryAt returns when a batch that failed for the n-th time may go again.
func (s *Sender) retryAt(n int) time.Time {
	return time.Now().Add(s.cfg.RetryBackoff.Delay(n))
}

// FailUnknownOutcome fails a batch an earlier attempt may have written,
// which a producer epoch bump keeps from being resent.
func (s *Sender) FailUnknownOutcome(b *accumulator.Batch) {
	s.Stats.recordErrors(b, accumulator.ErrOutcomeUnknown)
	b.P.Complete(b, -1, -1, &UnknownOutcomeError{Last: b.LastErr})
}
