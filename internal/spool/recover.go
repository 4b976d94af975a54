package spool

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Recovery is what Open found in a spool directory.
type Recovery struct {
	// Batches are the batches no session finished: written and never
	// marked done. They are sorted by topic, partition and creation
	// order, the order to send them in.
	Batches []RecoveredBatch
	// Damage lists stretches of the log that could not be read and were
	// not reported by an earlier session.
	Damage []Damage
	// Lost lists batches that later entries name but whose own entry was
	// lost to damage: their records are gone.
	Lost []uint64
	// Unclean reports that the last session did not close the spool (it
	// crashed or was killed); Restarted that the operating system has
	// restarted since (or that this cannot be known), so that writes not
	// yet synced may be missing. LastFsync is the last session's policy:
	// after a restart, only FsyncAlways guarantees that every batch sent
	// has its Sequenced entry.
	Unclean, Restarted bool
	LastFsync          FsyncPolicy
	// TornBytes is the size of the incomplete write the last session
	// left at the end of the log, dropped silently.
	TornBytes int64
}

// RecoveredBatch is a batch found in the spool without an outcome.
type RecoveredBatch struct {
	ID        uint64
	Topic     string
	Partition int32
	Gen       uint32
	Seq       uint64
	Records   int32
	// Ref locates the batch's bytes for Log.Read.
	Ref Ref
	// Sent reports that an attempt to send the batch began (a Sequenced
	// entry): the broker may hold it. ProducerID, ProducerEpoch and
	// BaseSequence are the producer state of the last attempt (-1 when
	// the producer was not idempotent), SentAt its time.
	Sent          bool
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	SentAt        time.Time
	// Duplicate: a Sequenced entry said the batch may already be in Kafka
	// twice (it was resent under another producer state).
	Duplicate bool
}

// Damage is a stretch of a segment file that could not be read.
type Damage struct {
	Path           string
	Offset, Length int64
	// Entries is how many log entries were lost, from the gap in their
	// sequence numbers; batches among them lost their records.
	Entries uint64
	Reason  string
}

func (d Damage) String() string {
	return fmt.Sprintf("%s: bytes %d..%d: %s; %d log entries lost", d.Path, d.Offset, d.Offset+d.Length, d.Reason, d.Entries)
}

func (d Damage) key(seg uint64) damageKey {
	return damageKey{segment: seg, offset: d.Offset, length: d.Length}
}

// recoverer applies the entries of every segment, oldest first.
type recoverer struct {
	live    map[uint64]*liveBatch
	lastLSN uint64 // LSN of the last entry applied
	maxLSN  uint64
	maxID   uint64
	firstID uint64 // first batch id seen in a surviving segment, 0 if none
	maxGen  uint32
	headers int
	last    header // the latest session's header
	closed  bool   // the log's last entry is a Close
	pending *damageRec
	damage  []damageRec
	lost    []uint64
}

// damageRec is a damaged range and the segment it is in.
type damageRec struct {
	Damage
	seg uint64
	// tail: unreadable bytes after the last entry of a segment that is
	// not the newest, harmless (the rest of a preallocation) unless the
	// next entry's sequence number shows that entries were lost.
	tail bool
}

// liveBatch is a batch without a Done entry, as recovery and the writer
// track it.
type liveBatch struct {
	RecoveredBatch
	seg *segment
}

func newRecoverer() *recoverer {
	return &recoverer{live: make(map[uint64]*liveBatch)}
}

// segment applies one segment's scan. last says it is the newest
// segment, whose unreadable tail is a torn write rather than damage.
func (r *recoverer) segment(seg *segment, res scanResult, size int64, last bool) {
	if r.lastLSN == 0 && seg.first > 0 {
		r.lastLSN = seg.first - 1 // entries before the oldest segment were deleted with theirs
	}
	badAt := 0
	for _, f := range res.frames {
		for badAt < len(res.bad) && res.bad[badAt].off < f.off {
			b := res.bad[badAt]
			r.setPending(&damageRec{seg: seg.first, Damage: Damage{Path: seg.path, Offset: b.off, Length: b.end - b.off,
				Reason: "unreadable bytes (checksum mismatch or torn write)"}})
			badAt++
		}
		r.frame(seg, f)
	}
	if res.end < size && !last {
		r.setPending(&damageRec{seg: seg.first, tail: true, Damage: Damage{Path: seg.path, Offset: res.end, Length: size - res.end,
			Reason: "unreadable bytes at the end of a segment that is not the newest"}})
	}
}

func (r *recoverer) setPending(d *damageRec) {
	r.flushPending()
	r.pending = d
}

// flushPending records the pending damage, unless it is a segment's
// tail that lost no entry.
func (r *recoverer) flushPending() {
	if p := r.pending; p != nil && (!p.tail || p.Entries > 0) {
		r.damage = append(r.damage, *p)
	}
	r.pending = nil
}

// gap accounts for entries missing before f, whose LSN should follow
// the last one applied.
func (r *recoverer) gap(seg *segment, f scanned) {
	if missing := f.info.lsn - r.lastLSN - 1; missing > 0 {
		if r.pending == nil {
			r.pending = &damageRec{seg: seg.first, Damage: Damage{Path: seg.path, Offset: f.off,
				Reason: "log entries missing before this offset (a segment file was removed, or its end was lost)"}}
		}
		r.pending.Entries += missing
	}
	r.flushPending()
}

// addDamage records damage to one intact but unusable entry.
func (r *recoverer) addDamage(seg *segment, f scanned, entries uint64, reason string) {
	r.flushPending()
	r.damage = append(r.damage, damageRec{seg: seg.first, Damage: Damage{Path: seg.path, Offset: f.off,
		Length: f.info.size(), Entries: entries, Reason: reason}})
}

// frame applies one intact frame.
func (r *recoverer) frame(seg *segment, f scanned) {
	if f.info.lsn <= r.lastLSN {
		r.addDamage(seg, f, 0, fmt.Sprintf("entry %d out of order after entry %d; ignored", f.info.lsn, r.lastLSN))
		return
	}
	r.gap(seg, f)
	r.lastLSN = f.info.lsn
	r.maxLSN = max(r.maxLSN, f.info.lsn)
	if err := r.apply(seg, f); err != nil {
		r.addDamage(seg, f, 1, fmt.Sprintf("%s entry %d does not decode: %v", f.info.typ, f.info.lsn, err))
	}
}

func (r *recoverer) apply(seg *segment, f scanned) error {
	d := &dec{b: f.payload}
	r.closed = f.info.typ == typeClose
	switch f.info.typ {
	case typeHeader:
		h := decodeHeader(d)
		if d.err != nil {
			return d.err
		}
		r.headers++
		r.last = h
		r.maxGen = max(r.maxGen, h.gen)
	case typeBatch:
		b := decodeBatch(d)
		if d.err != nil {
			return d.err
		}
		wireOff := f.off + frameHeader + int64(batchMetaSize(b.Topic))
		r.addBatch(seg, &b, Ref{seg: seg, frameOff: f.off, frameLen: f.info.size(), wireOff: wireOff, wireLen: int64(len(b.Wire))})
	case typeSequenced:
		s := decodeSequenced(d)
		if d.err != nil {
			return d.err
		}
		r.maxID = max(r.maxID, s.id)
		if lb := r.live[s.id]; lb != nil {
			lb.Sent, lb.ProducerID, lb.ProducerEpoch, lb.BaseSequence = true, s.pid, s.epoch, s.baseSeq
			lb.SentAt = time.UnixMilli(s.unixMill)
			lb.Duplicate = lb.Duplicate || s.duplicate
		} else {
			r.missing(s.id)
		}
	case typeDone:
		id := d.u64("batch id")
		if d.err != nil {
			return d.err
		}
		r.finished(id)
	case typeSplit:
		return r.split(seg, f, d)
	case typeClose, typeNop:
	default:
		return fmt.Errorf("unknown entry type %d", f.info.typ)
	}
	if d.err == nil && len(d.b) > 0 {
		return fmt.Errorf("%d bytes after the payload", len(d.b))
	}
	return d.err
}

func (r *recoverer) addBatch(seg *segment, b *BatchEntry, ref Ref) {
	r.maxID = max(r.maxID, b.ID)
	if r.firstID == 0 || b.ID < r.firstID {
		r.firstID = b.ID
	}
	r.maxGen = max(r.maxGen, b.Gen)
	if old := r.live[b.ID]; old != nil {
		old.seg.live-- // a duplicate id: the later entry wins
	}
	r.live[b.ID] = &liveBatch{seg: seg, RecoveredBatch: RecoveredBatch{
		ID: b.ID, Topic: b.Topic, Partition: b.Partition, Gen: b.Gen, Seq: b.Seq, Records: b.Records,
		Ref: ref, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1,
	}}
	seg.live++
}

// split applies a Split entry: the original batch is replaced by parts,
// each a batch payload with a length prefix.
func (r *recoverer) split(seg *segment, f scanned, d *dec) error {
	orig := d.u64("original batch id")
	n := int(d.u16("part count"))
	type part struct {
		b   BatchEntry
		off int64
	}
	parts := make([]part, 0, min(n, 64))
	for i := 0; i < n && d.err == nil; i++ {
		size := int(d.u32("part length"))
		off := f.off + frameHeader + int64(len(f.payload)-len(d.b))
		pd := &dec{b: d.bytes(size, "part")}
		if d.err != nil {
			break
		}
		b := decodeBatch(pd)
		if pd.err != nil {
			return fmt.Errorf("part %d: %w", i, pd.err)
		}
		parts = append(parts, part{b: b, off: off + int64(batchMetaSize(b.Topic))})
	}
	if d.err != nil {
		return d.err
	}
	if len(d.b) > 0 || n == 0 {
		return fmt.Errorf("split of batch %d: %d parts, %d bytes left over", orig, n, len(d.b))
	}
	r.finished(orig)
	for i := range parts {
		p := &parts[i]
		r.addBatch(seg, &p.b, Ref{seg: seg, frameOff: f.off, frameLen: f.info.size(), wireOff: p.off, wireLen: int64(len(p.b.Wire))})
	}
	return nil
}

// finished ends batch id: it is done, or replaced by a split.
func (r *recoverer) finished(id uint64) {
	r.maxID = max(r.maxID, id)
	if lb := r.live[id]; lb != nil {
		delete(r.live, id)
		lb.seg.live--
	} else {
		r.missing(id)
	}
}

// missing notes an entry naming a batch that is not live: normal when
// the batch's segment was deleted (every batch in it was done), a loss
// when its entry was in a surviving segment.
func (r *recoverer) missing(id uint64) {
	if r.firstID != 0 && id >= r.firstID && !slices.Contains(r.lost, id) {
		r.lost = append(r.lost, id)
	}
}

// finish returns the live batches in sending order, the damage not
// reported before, and every damage still in the log.
func (r *recoverer) finish() ([]RecoveredBatch, []Damage, []damageKey) {
	r.flushPending()
	out := make([]RecoveredBatch, 0, len(r.live))
	for _, lb := range r.live {
		out = append(out, lb.RecoveredBatch)
	}
	slices.SortFunc(out, func(a, b RecoveredBatch) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition),
			cmp.Compare(a.Gen, b.Gen), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.ID, b.ID))
	})
	var fresh []Damage
	keys := make([]damageKey, 0, len(r.damage))
	for _, d := range r.damage {
		k := d.key(d.seg)
		keys = append(keys, k)
		if !slices.Contains(r.last.known, k) {
			fresh = append(fresh, d.Damage)
		}
	}
	return out, fresh, keys
}
