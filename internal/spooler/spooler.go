// Package spooler connects the producer's accumulator and sender to its
// durable spool (package spool): it writes every sealed batch to the log
// before the batch can be sent, records each send attempt's producer
// state before the request goes out, marks batches done when they have
// their outcome, seals lingering batches that no sink drains (so that a
// record is spooled within linger.ms even while the cluster is down), and
// puts the batches an earlier session left at the front of their
// partitions.
//
// Lock order: the spool's Log.mu is a leaf, taken under no other lock
// and calling out under none; the accumulator's partition mutexes are
// never held while the spooler runs.
package spooler

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/spool"
)

// Config configures a Spooler.
type Config struct {
	Dir      string
	Fsync    spool.FsyncPolicy
	Interval time.Duration // group commit period
	MaxBytes int64
	Linger   time.Duration // linger.ms: batches are sealed for the spool after it
	Logger   *slog.Logger
	// Spooled is called once per batch written by this session, on the
	// batch's entries while it has no outcome yet: with nil once its
	// records are durable, or with the error that kept them from the
	// spool (the batch is then sent from memory only). It runs under the
	// partition's mutex and must only signal (complete futures' spooled
	// state), never block or call user code.
	Spooled func(entries []accumulator.Entry, err error)
	// Expiration is how long a broker keeps an idle producer's state
	// (producer.id.expiration.ms): a batch sent longer ago than this
	// before the restart may be written twice by its resend.
	Expiration time.Duration
}

// Spooler is the producer's side of a spool directory.
type Spooler struct {
	cfg    Config
	log    *spool.Log
	logger *slog.Logger
	rec    *spool.Recovery
	acc    *accumulator.Accumulator

	mu       lockorder.Mutex[lockorder.Leaf]
	restored []*Recovered // what Start put back, for the report

	stop chan struct{}
	done chan struct{}
}

// handle is the spooler's state of one batch (Batch.Spooled).
type handle struct {
	id  uint64
	ref spool.Ref
	// gen and seq order the batch in its partition across sessions.
	gen uint32
	seq uint64
	// The producer state of the last Sequenced entry written.
	pid      int64
	epoch    int16
	baseSeq  int32
	recorded bool
	rec      *Recovered // non-nil for a batch (or a part of one) found at startup
}

// Recovered describes a batch found in the spool at startup.
type Recovered struct {
	Topic     string
	Partition int32
	Records   int
	// MaybeWritten: an attempt before the restart may have written the
	// batch. PID, Epoch and BaseSeq are that attempt's producer state
	// (-1s when unknown or not idempotent).
	MaybeWritten bool
	PID          int64
	Epoch        int16
	BaseSeq      int32
	// Duplicate: the batch may be in Kafka twice: an attempt before the
	// restart may have written it, and it was resent in a way the broker
	// cannot match with that attempt (another producer id or sequence, or
	// after the broker may have forgotten the producer).
	Duplicate bool
}

// Open opens the spool directory and recovers what it holds; Start then
// puts the batches back.
func Open(cfg Config) (*Spooler, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l, rec, err := spool.Open(cfg.Dir, spool.Options{Fsync: cfg.Fsync, Interval: cfg.Interval, MaxBytes: cfg.MaxBytes, Logger: logger})
	if err != nil {
		return nil, err
	}
	return &Spooler{cfg: cfg, log: l, logger: logger, rec: rec, stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// Recovery returns what Open found.
func (s *Spooler) Recovery() *spool.Recovery { return s.rec }

// Start hands the recovered batches to acc, each at the front of its
// partition in the original order, and starts sealing lingering batches.
// idempotent says whether this producer stamps batches with a producer
// id: if not, recovered batches lose theirs. It returns the topics that
// got batches, whose metadata the producer must ask for.
func (s *Spooler) Start(acc *accumulator.Accumulator, idempotent bool) []string {
	s.acc = acc
	var topics []string
	// After an operating system restart, entries written since the last
	// sync may be gone: unless every send was synced before it went out
	// (FsyncAlways), any batch may have been sent without a trace.
	unknownSends := s.rec.Restarted && s.rec.LastFsync != spool.FsyncAlways
	for _, rb := range s.rec.Batches {
		r := &Recovered{Topic: rb.Topic, Partition: rb.Partition, Records: int(rb.Records), Duplicate: rb.Duplicate,
			MaybeWritten: rb.Sent || unknownSends, PID: rb.ProducerID, Epoch: rb.ProducerEpoch, BaseSeq: rb.BaseSequence}
		h := &handle{id: rb.ID, ref: rb.Ref, gen: rb.Gen, seq: rb.Seq, rec: r, pid: -1, epoch: -1, baseSeq: -1}
		restored := accumulator.RestoredBatch{Records: int(rb.Records), Size: rb.Ref.Size(), Sent: r.MaybeWritten,
			ProducerID: -1, ProducerEpoch: -1, BaseSeq: -1, Spooled: h}
		if rb.Sent && rb.ProducerID >= 0 && idempotent {
			// Resend as it was sent: same producer id, epoch and
			// sequence, so that the broker deduplicates it.
			restored.ProducerID, restored.ProducerEpoch, restored.BaseSeq = rb.ProducerID, rb.ProducerEpoch, rb.BaseSequence
			h.pid, h.epoch, h.baseSeq, h.recorded = rb.ProducerID, rb.ProducerEpoch, rb.BaseSequence, true
			if s.cfg.Expiration > 0 && time.Since(rb.SentAt) > s.cfg.Expiration {
				r.Duplicate = true // the broker may have forgotten the producer, and with it the sequences
			}
		}
		if len(topics) == 0 || topics[len(topics)-1] != rb.Topic {
			topics = append(topics, rb.Topic)
		}
		s.restored = append(s.restored, r)
		acc.Restore(rb.Topic, rb.Partition, restored)
	}
	go s.sealer()
	return topics
}

// Restored returns the batches Start put back.
func (s *Spooler) Restored() []*Recovered { return s.restored }

// SealDelay is how long a batch no sink takes (its partition has no
// leader, or the cluster is down) stays open before the spool's sealer
// seals and writes it, if linger.ms is shorter: long enough that batches
// spooled during an outage are not tiny (each costs about 600 bytes of
// memory until it is sent), short enough that their records are spooled
// soon. Sinks still seal at linger.ms the batches they send.
const SealDelay = 100 * time.Millisecond

// sealer seals the batches no sink took within SealDelay (or
// linger.ms), so that their records reach the spool.
func (s *Spooler) sealer() {
	defer close(s.done)
	after := max(s.cfg.Linger, SealDelay)
	t := time.NewTicker(after / 4)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.acc.SealLingering(now, after, false)
		}
	}
}

// SealAll seals every open batch and waits until they are written: at
// Close, so that what Kafka does not take in time stays in the spool.
func (s *Spooler) SealAll() { s.acc.SealLingering(time.Now(), 0, true) }

// Close stops the sealer and closes the log; batches without an outcome
// stay in it for the next session. Call it once the sender has stopped.
func (s *Spooler) Close() error {
	if s.acc != nil {
		close(s.stop)
		<-s.done
	}
	return s.log.Close()
}

func handleOf(b *accumulator.Batch) *handle {
	h, _ := b.Spooled.(*handle)
	return h
}

// RecoveredOf returns what the spool knew of b at startup, or nil for a
// batch of this session.
func RecoveredOf(b *accumulator.Batch) *Recovered {
	if h := handleOf(b); h != nil {
		return h.rec
	}
	return nil
}

// Reserve takes n bytes of spool.max.bytes for a new batch.
func (s *Spooler) Reserve(ctx context.Context, n int64, try bool) error {
	return s.log.Reserve(ctx, n, try)
}

// Release returns a reservation.
func (s *Spooler) Release(n int64) { s.log.Release(n) }

// Write writes a sealed batch to the log (accumulator.Spool).
func (s *Spooler) Write(b *accumulator.Batch) {
	reserved := b.SpoolReserved
	b.SpoolReserved = 0
	e := &spool.BatchEntry{Topic: b.P.Topic.Name, Partition: b.P.ID, Gen: s.log.Gen(), Seq: b.Order(),
		Records: int32(b.Records()), Wire: b.Wire}
	ref, err := s.log.AppendBatch(e, reserved, func(err error) { s.durable(b, err, true) })
	if err != nil {
		s.log.Release(reserved)
		s.logger.Error("cannot write a batch to the spool; sending it from memory only",
			"topic", b.P.Topic.Name, "partition", b.P.ID, "records", b.Records(), "err", err)
		s.durable(b, err, true)
		return
	}
	b.Spooled = &handle{id: e.ID, ref: ref, gen: e.Gen, seq: e.Seq, pid: -1, epoch: -1, baseSeq: -1}
}

// durable runs once b's entry is durable (err nil) or cannot be.
func (s *Spooler) durable(b *accumulator.Batch, err error, report bool) {
	var notify func([]accumulator.Entry)
	if report && s.cfg.Spooled != nil {
		notify = func(e []accumulator.Entry) { s.cfg.Spooled(e, err) }
	}
	b.P.MarkDurable(b, err == nil, notify)
}

// Split records that parts replace orig (accumulator.Spool): one entry,
// so that a crash keeps either the original or every part. The parts
// inherit the original's place in the creation order and what recovery
// knew of it.
func (s *Spooler) Split(orig *accumulator.Batch, parts []*accumulator.Batch) {
	h := handleOf(orig)
	entries := make([]*spool.BatchEntry, len(parts))
	for i, nb := range parts {
		entries[i] = &spool.BatchEntry{Topic: nb.P.Topic.Name, Partition: nb.P.ID, Gen: h.gen,
			Seq: h.seq + (nb.Order() - orig.Order()), Records: int32(nb.Records()), Wire: nb.Wire}
	}
	refs, err := s.log.AppendSplit(h.id, entries, func(err error) {
		for _, nb := range parts {
			s.durable(nb, err, false) // their records were reported spooled with the original
		}
	})
	if err != nil {
		s.logger.Error("cannot record a split batch in the spool: after a crash the original would be resent whole",
			"topic", orig.P.Topic.Name, "partition", orig.P.ID, "err", err)
		return
	}
	for i, nb := range parts {
		ph := &handle{id: entries[i].ID, ref: refs[i], gen: entries[i].Gen, seq: entries[i].Seq, pid: -1, epoch: -1, baseSeq: -1}
		if h.rec != nil {
			r := *h.rec
			r.Records = nb.Records()
			ph.rec = &r
			s.mu.Lock()
			s.restored = append(s.restored, ph.rec)
			s.mu.Unlock()
		}
		nb.Spooled = ph
	}
	if h.rec != nil {
		s.mu.Lock()
		h.rec.Records = 0 // its records are counted with the parts now
		s.mu.Unlock()
	}
}

// Load reads a spilled batch's bytes back (accumulator.Spool).
func (s *Spooler) Load(b *accumulator.Batch, buf []byte) ([]byte, error) {
	h := handleOf(b)
	if h == nil {
		return nil, fmt.Errorf("spool: batch of %s has no spool entry", b.P)
	}
	return s.log.Read(h.ref, buf)
}

// Read returns the bytes of a spooled batch, for the recovery report of
// a batch that failed before it was read back.
func (s *Spooler) Read(b *accumulator.Batch) ([]byte, error) { return s.Load(b, nil) }

// Sending records b's producer state before it is sent (sender.Spool),
// unless the last entry for b recorded the same. A batch found at
// startup that may have been written before and now goes out under
// another producer state is counted as a possible duplicate.
func (s *Spooler) Sending(b *accumulator.Batch) error {
	h := handleOf(b)
	if h == nil {
		return nil // not in the spool: its write failed
	}
	if h.recorded && h.pid == b.ProducerID && h.epoch == b.ProducerEpoch && h.baseSeq == b.BaseSeq {
		return nil
	}
	dup := false
	if r := h.rec; r != nil {
		s.mu.Lock()
		if r.MaybeWritten && !(r.PID >= 0 && b.ProducerID == r.PID && b.ProducerEpoch == r.Epoch && b.BaseSeq == r.BaseSeq) {
			r.Duplicate = true
		}
		dup = r.Duplicate
		s.mu.Unlock()
	}
	if err := s.log.AppendSequenced(h.id, b.ProducerID, b.ProducerEpoch, b.BaseSeq, dup); err != nil {
		if s.log.Failed() != nil {
			// The spool can record nothing any more (a sync failed): the
			// records in memory still go out, and the directory is marked
			// so that the next producer counts every batch as possibly sent.
			return nil
		}
		return err
	}
	h.pid, h.epoch, h.baseSeq, h.recorded = b.ProducerID, b.ProducerEpoch, b.BaseSeq, true
	return nil
}

// Sync waits until the Sending entries written so far are durable, when
// the fsync policy requires that before a send (spool.fsync=always).
func (s *Spooler) Sync() error {
	if err := s.log.SyncWritten(); err != nil && s.log.Failed() == nil {
		return err
	}
	return nil
}

// Delivered tells the spool that b has its outcome. A final outcome
// (acknowledged, or failed for good) ends the batch in the spool; a
// batch cut off by Close is not final and stays for the next session.
func (s *Spooler) Delivered(b *accumulator.Batch, final bool) {
	h := handleOf(b)
	if h == nil || !final {
		return
	}
	if err := s.log.AppendDone(h.id); err != nil {
		s.logger.Warn("cannot record a batch's outcome in the spool; after a crash it would be sent again",
			"topic", b.P.Topic.Name, "partition", b.P.ID, "err", err)
	}
}

// Duplicate reports whether a recovered batch may be in Kafka twice.
func (s *Spooler) Duplicate(r *Recovered) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return r.Duplicate
}

// Used returns the bytes the spool holds or has promised.
func (s *Spooler) Used() int64 { return s.log.Used() }

// Dir returns the spool directory.
func (s *Spooler) Dir() string { return s.cfg.Dir }
