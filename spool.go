package samsa

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"errors"
	"fmt"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/config"
	"github.com/samsa-go/samsa/internal/recordbatch"
	"github.com/samsa-go/samsa/internal/sender"
	"github.com/samsa-go/samsa/internal/spool"
	"github.com/samsa-go/samsa/internal/spooler"
)

// SpoolConfig configures the producer's spool: a durable local log on
// disk that keeps every record until Kafka acknowledges it, so that a
// crash of the process, or an outage of the cluster longer than the
// process lives, loses none. The zero value (no Dir) has no spool.
//
// With a spool, every batch is written to the spool's append-only log
// when it is sealed (when full, or after linger.ms, or after 100 ms when
// no broker can take it), before it is sent. A record is spooled once its
// batch is durable there under Fsync; Future.WaitSpooled reports that
// moment, and the record's callback or Future still reports Kafka's
// acknowledgement later. A batch leaves the spool when it has its
// outcome. Records still without one when Close gives up stay in the
// spool (their outcome is ErrLeftInSpool), and a producer opened on the
// same directory later sends them first, in their original order per
// partition, before anything produced to it. Only one producer may own
// a directory at a time.
//
// With idempotence, a batch that was already sent before the restart is
// sent again byte for byte with its original producer id, epoch and
// sequence numbers, so that Kafka keeps it once (see docs/spool.md for
// exactly when that holds); where it cannot, the record is counted and
// reported as a possible duplicate (RecoveredRecord.MaybeDuplicate,
// SpoolRecovery.PossibleDuplicates).
//
// The spool is bounded by MaxBytes: a Produce that needs room waits, as
// for buffer.memory, up to max.block.ms and then fails with a
// *SpoolError matching ErrBufferExhausted; TryProduce fails at once with
// ErrWouldBlock. buffer.memory still bounds the records in memory:
// batches durable in the spool give their memory back when it runs short
// and are read back when they are sent. With a spool, DeliveryTimeout
// may be 0: records then wait for Kafka as long as it takes.
//
// A record is placed in a partition before it is spooled, so a record to
// a topic whose metadata the producer has never had waits for it up to
// max.block.ms, as without a spool: a producer started while the cluster
// is unreachable spools nothing for topics it does not know yet (the
// records an earlier producer spooled are kept, and sent once the
// cluster is back).
//
// A transactional producer cannot have a spool: a transaction's records
// must commit or abort together, within the session that began it.
type SpoolConfig struct {
	// Dir is the spool directory (spool.dir); it is created if missing.
	Dir string
	// MaxBytes bounds the spool's size on disk (spool.max.bytes). Default
	// (0) 1 GiB; at least twice max.request.size.
	MaxBytes int64
	// Fsync says when the spool's writes are made durable (spool.fsync).
	Fsync SpoolFsync
	// FsyncInterval is SpoolFsyncInterval's period (spool.fsync.interval.ms).
	// Default (0) 10ms.
	FsyncInterval time.Duration
	// OnRecovered, when set, is called once for every record a producer
	// found in the spool at startup and sent again, with its outcome. It
	// runs on a producer goroutine, as callbacks do.
	OnRecovered func(RecoveredRecord)
	// OnRecovery, when set, is called once per producer whose spool held
	// records without an outcome, or damage: when every record found has
	// its outcome, or at Close.
	OnRecovery func(SpoolRecovery)
}

// SpoolFsync is when the spool's writes are made durable (spool.fsync).
type SpoolFsync int8

const (
	// SpoolFsyncInterval (spool.fsync=interval), the default, is group
	// commit: one fdatasync at most every FsyncInterval covers every batch
	// written meanwhile. A record is spooled within linger.ms (100 ms
	// while no broker can take it) + FsyncInterval; an operating system
	// crash loses at most the records not yet spooled.
	SpoolFsyncInterval = SpoolFsync(config.SpoolFsyncInterval)
	// SpoolFsyncAlways (spool.fsync=always) syncs after every batch
	// written (batches written during a sync share the next one), and a
	// batch is sent only once its send is recorded durably, which makes
	// exactly-once across an operating system crash hold as well.
	SpoolFsyncAlways = SpoolFsync(config.SpoolFsyncAlways)
	// SpoolFsyncOS (spool.fsync=os) never syncs: a record is spooled once
	// written to the operating system. It survives a crash of the process,
	// not of the machine.
	SpoolFsyncOS = SpoolFsync(config.SpoolFsyncOS)
)

// String returns the policy as spool.fsync spells it: interval, always
// or os.
func (f SpoolFsync) String() string { return config.SpoolFsync(f).String() }

// Spool defaults.
const (
	defaultSpoolMaxBytes      = 1 << 30
	defaultSpoolFsyncInterval = 10 * time.Millisecond
	// producerIDExpiration is Kafka's default producer.id.expiration.ms:
	// a broker forgets a producer's sequence numbers on a partition it
	// has not written to for this long.
	producerIDExpiration = 24 * time.Hour
	// unlimitedDelivery stands for DeliveryTimeout 0 with a spool.
	unlimitedDelivery = 100 * 365 * 24 * time.Hour
)

// RecoveredRecord is a record found in the spool at startup and sent
// again, with its outcome.
type RecoveredRecord struct {
	// Record is the record as it was produced (Partition is the partition
	// it was placed in).
	Record   Record
	Metadata RecordMetadata
	Err      error
	// MaybeDuplicate reports that the record may now be in Kafka twice:
	// an attempt before the restart may have written it, and it was sent
	// again in a way Kafka could not deduplicate (the producer was not
	// idempotent, or the broker refused or may have forgotten the
	// original producer id and sequence).
	MaybeDuplicate bool
}

// SpoolRecovery reports what a producer found in its spool directory
// when it started, and what became of it.
type SpoolRecovery struct {
	Dir string
	// Unclean reports that the previous producer did not close the spool
	// (it crashed or was killed).
	Unclean bool
	// Records and Batches count what was found without an outcome and sent
	// again, before anything produced to this producer.
	Records, Batches int
	// Acked and Failed count the records that got Kafka's acknowledgement
	// or an error; Unsent those still waiting when the producer closed
	// (they stay in the spool).
	Acked, Failed, Unsent int
	// PossibleDuplicates counts the acknowledged records that may be in
	// Kafka twice (RecoveredRecord.MaybeDuplicate); the others were
	// written exactly once. Deduplicated counts those among the others
	// that an attempt before the restart may already have written: they
	// were resent with their original producer id and sequence numbers,
	// so that Kafka kept one copy.
	PossibleDuplicates, Deduplicated int
	// Damage lists stretches of the spool that could not be read: the
	// records in them are lost. Damage is reported once.
	Damage []SpoolDamage
	// LostBatches counts batches known to be among the damage (later
	// entries of the spool name them).
	LostBatches int
}

// SpoolDamage is a stretch of a spool file that could not be read.
type SpoolDamage struct {
	Path           string
	Offset, Length int64
	// Entries is how many spool entries were lost (batches among them
	// lost their records).
	Entries int
	Reason  string
}

// Spool errors.
var (
	// ErrSpool: the spool cannot take or keep records; see SpoolError.
	ErrSpool = errors.New("samsa: spool failed")
	// ErrLeftInSpool: Close gave up on the record before Kafka
	// acknowledged it, and it stays in the spool: the next producer
	// opened on the directory sends it. It also matches
	// ErrProducerClosed.
	ErrLeftInSpool = errors.New("samsa: producer closed before Kafka acknowledged the record; it stays in the spool, and the next producer opened on the directory sends it")
)

// leftInSpool is the outcome of a spooled record Close cut off.
type leftInSpool struct{}

func (leftInSpool) Error() string { return ErrLeftInSpool.Error() }

func (leftInSpool) Is(target error) bool {
	return target == ErrLeftInSpool || target == ErrProducerClosed
}

var errLeftInSpool error = leftInSpool{}

// SpoolError reports a spool that could not take or keep a record: its
// directory could not be used (owned by another producer, permissions),
// its disk refused a write, a read or a sync, or it stayed full
// (spool.max.bytes) for max.block.ms.
type SpoolError struct {
	Dir string // the spool directory
	// Op is what failed: "open", "lock", "write", "read", "sync", ..., or
	// "reserve" when a record found no room in the spool in time.
	Op string
	// Path is the file or directory the system refused, if it did.
	Path string
	// Err is the system's error (errors.Is works on it: syscall.ENOSPC,
	// fs.ErrPermission), nil when the spool was merely full.
	Err error
	// For "reserve": how long the record waited, for how many bytes of
	// MaxBytes.
	Waited   time.Duration
	Need     int64
	MaxBytes int64
}

func (e *SpoolError) Error() string {
	switch {
	case e.Op == "reserve" && e.Err == nil:
		return fmt.Sprintf("samsa: spool %s is full: waited %v for %d bytes of spool.max.bytes=%d; Kafka is slower than the producer, or unreachable",
			e.Dir, e.Waited, e.Need, e.MaxBytes)
	case e.Op == "reserve":
		return fmt.Sprintf("samsa: spool %s refuses writes (waited %v): %v", e.Dir, e.Waited, e.Err)
	case e.Path == "":
		return fmt.Sprintf("samsa: spool %s: %s: %v", e.Dir, e.Op, e.Err)
	}
	return fmt.Sprintf("samsa: spool %s: %s %s: %v", e.Dir, e.Op, e.Path, e.Err)
}

// Is matches ErrSpool, and ErrBufferExhausted when the spool had no room
// in time (Op "reserve").
func (e *SpoolError) Is(target error) bool {
	return target == ErrSpool || e.Op == "reserve" && target == ErrBufferExhausted
}

// Unwrap returns the system's error.
func (e *SpoolError) Unwrap() error { return e.Err }

// errSpoolFull is TryProduce's error when the spool has no room.
var errSpoolFull = fmt.Errorf("%w: no room in the spool (spool.max.bytes) for the record", ErrWouldBlock)

// spoolError maps an error of the spool to the producer's.
func spoolError(dir string, err error) error {
	var (
		se *spool.Error
		fe *spool.FullError
		le *spool.LockedError
	)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, spool.ErrWouldBlock):
		return errSpoolFull
	case errors.As(err, &fe):
		out := &SpoolError{Dir: dir, Op: "reserve", Waited: fe.Waited, Need: fe.Need, MaxBytes: fe.MaxBytes}
		if fe.Cause != nil {
			out.Err = spoolError(dir, fe.Cause)
		}
		return out
	case errors.As(err, &se):
		return &SpoolError{Dir: dir, Op: se.Op, Path: se.Path, Err: se.Err}
	case errors.As(err, &le):
		return &SpoolError{Dir: dir, Op: "lock", Err: le}
	}
	return &SpoolError{Dir: dir, Op: "spool", Err: err}
}

// isSpoolError reports whether an append failed because of the spool.
func isSpoolError(err error) bool {
	var (
		se *spool.Error
		fe *spool.FullError
	)
	return errors.Is(err, spool.ErrWouldBlock) || errors.As(err, &fe) || errors.As(err, &se) || errors.Is(err, spool.ErrClosed)
}

// openSpool opens the spool directory, before the accumulator exists.
func (p *Producer) openSpool() error {
	sc := &p.cfg.Spool
	if sc.MaxBytes == 0 {
		sc.MaxBytes = defaultSpoolMaxBytes
	}
	if sc.FsyncInterval == 0 {
		sc.FsyncInterval = defaultSpoolFsyncInterval
	}
	fsync := map[SpoolFsync]spool.FsyncPolicy{SpoolFsyncInterval: spool.FsyncInterval,
		SpoolFsyncAlways: spool.FsyncAlways, SpoolFsyncOS: spool.FsyncNever}[sc.Fsync]
	s, err := spooler.Open(spooler.Config{
		Dir: sc.Dir, Fsync: fsync, Interval: sc.FsyncInterval, MaxBytes: sc.MaxBytes,
		Linger: p.cfg.Linger, Logger: p.log, Spooled: p.spooled, Expiration: producerIDExpiration,
	})
	if err != nil {
		return spoolError(sc.Dir, err)
	}
	p.spool = s
	return nil
}

// startSpool puts what the spool held back into the accumulator and
// starts the report.
func (p *Producer) startSpool() {
	rec := p.spool.Recovery()
	r := &SpoolRecovery{Dir: p.cfg.Spool.Dir, Unclean: rec.Unclean, Batches: len(rec.Batches), LostBatches: len(rec.Lost)}
	for _, b := range rec.Batches {
		r.Records += int(b.Records)
	}
	for _, d := range rec.Damage {
		r.Damage = append(r.Damage, SpoolDamage{Path: d.Path, Offset: d.Offset, Length: d.Length, Entries: int(d.Entries), Reason: d.Reason})
	}
	if r.Records > 0 || len(r.Damage) > 0 {
		p.log.Info("spool: resending what an earlier producer left", "dir", r.Dir, "records", r.Records,
			"batches", r.Batches, "unclean", r.Unclean, "damaged_ranges", len(r.Damage), "lost_batches", r.LostBatches)
		p.recovery.mu.Lock()
		p.recovery.report = r // before any restored batch can be delivered
		p.recovery.mu.Unlock()
	}
	topics := p.spool.Start(p.acc, p.ids != nil)
	for _, t := range topics {
		p.acc.AddTopic(t)
		p.cl.Use(t)
	}
	if len(topics) > 0 {
		p.cl.RequestRefresh()
	}
	if r.Records == 0 {
		p.recovery.finish(p.cfg.Spool.OnRecovery)
	}
}

// spooled completes the spooled state of a batch's futures (the
// spooler's Spooled hook).
func (p *Producer) spooled(entries []accumulator.Entry, err error) {
	if err != nil {
		err = spoolError(p.cfg.Spool.Dir, err)
	}
	for i := range entries {
		cb := entries[i].CB
		if s, ok := cb.(*ackSlot); ok {
			cb = s.cb
		}
		if f, ok := cb.(*Future); ok {
			f.spooled(err)
		}
	}
}

// spoolDelivered ends b in the spool once it has its outcome, and
// reports the outcome of a batch found in the spool at startup. The
// report comes first: once the spool has ended the batch, a crash would
// leave nothing to report it from, and a batch written twice would go
// unreported; a crash between the two reports it again next time.
func (p *Producer) spoolDelivered(b *accumulator.Batch, err error) {
	final := !errors.Is(b.Err, sender.ErrClosed)
	r := spooler.RecoveredOf(b)
	if r == nil {
		p.spool.Delivered(b, final)
		return
	}
	dup := err == nil && p.spool.Duplicate(r)
	if final && p.cfg.Spool.OnRecovered != nil {
		p.reportRecovered(b, err, dup)
	}
	p.spool.Delivered(b, final)
	p.recovery.delivered(b.Records(), final, err, dup, r.MaybeWritten, p.cfg.Spool.OnRecovery)
}

// reportRecovered calls OnRecovered for every record of b.
func (p *Producer) reportRecovered(b *accumulator.Batch, err error, dup bool) {
	wire := b.Wire
	if wire == nil {
		var rerr error
		if wire, rerr = p.spool.Read(b); rerr != nil {
			p.log.Error("spool: cannot read back a recovered batch to report its records", "err", rerr)
			return
		}
	}
	h, recs, derr := recordbatch.Decode(wire, 1<<31-1)
	if derr != nil {
		p.log.Error("spool: cannot decode a recovered batch to report its records", "err", derr)
		return
	}
	for i, rec := range recs {
		rr := RecoveredRecord{
			Record: Record{Topic: b.P.Topic.Name, Partition: PartitionOf(b.P.ID), Key: rec.Key, Value: rec.Value,
				Timestamp: time.UnixMilli(h.BaseTimestamp + rec.TimestampDelta)},
			Metadata:       RecordMetadata{Topic: b.P.Topic.Name, Partition: b.P.ID, Offset: -1, LeaderEpoch: b.LeaderEpoch},
			Err:            err,
			MaybeDuplicate: dup,
		}
		for _, hd := range rec.Headers {
			rr.Record.Headers = append(rr.Record.Headers, Header{Key: hd.Key, Value: hd.Value})
		}
		rr.Metadata.Timestamp = rr.Record.Timestamp
		rr.Metadata.SerializedKeySize, rr.Metadata.SerializedValueSize = sizeOf(rec.Key), sizeOf(rec.Value)
		if err == nil && b.BaseOffset >= 0 {
			rr.Metadata.Offset = b.BaseOffset + int64(i)
		}
		p.cfg.Spool.OnRecovered(rr)
	}
}

// recoveryState counts the outcomes of the records found at startup.
type recoveryState struct {
	mu     lockorder.Mutex[lockorder.Leaf] // a leaf: guards report and done
	report *SpoolRecovery
	done   bool
}

// delivered counts the outcome of n records and reports once all have
// one.
func (r *recoveryState) delivered(n int, final bool, err error, dup, maybeWritten bool, fn func(SpoolRecovery)) {
	r.mu.Lock()
	rep := r.report
	switch {
	case rep == nil:
	case !final:
		rep.Unsent += n
	case err != nil:
		rep.Failed += n
	default:
		rep.Acked += n
		if dup {
			rep.PossibleDuplicates += n
		} else if maybeWritten {
			rep.Deduplicated += n
		}
	}
	complete := rep != nil && rep.Acked+rep.Failed+rep.Unsent >= rep.Records
	r.mu.Unlock()
	if complete {
		r.finish(fn)
	}
}

// finish calls fn with the report, once, if there is one.
func (r *recoveryState) finish(fn func(SpoolRecovery)) {
	r.mu.Lock()
	rep, done := r.report, r.done
	r.done = true
	r.mu.Unlock()
	if rep == nil || done || fn == nil {
		return
	}
	fn(*rep)
}

// closeRecovery counts the records still waiting (restored batches whose
// partition never appeared) as unsent and reports, at Close.
func (p *Producer) closeRecovery() {
	r := &p.recovery
	r.mu.Lock()
	if rep := r.report; rep != nil && !r.done {
		rep.Unsent = rep.Records - rep.Acked - rep.Failed
	}
	r.mu.Unlock()
	r.finish(p.cfg.Spool.OnRecovery)
}
