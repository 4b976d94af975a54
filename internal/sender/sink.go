package sender

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/samsa-go/samsa/internal/wire"
)

// sink sends the batches of the partitions one broker leads.
type sink struct {
	s  *Sender
	id int32

	wake chan struct{} // capacity 1: a pending wake-up

	mu lockorder.Mutex[lockorder.Sink]
	// parts holds the partitions woken since collect last looked at them:
	// those that may have a batch to send, not every partition the
	// broker leads.
	parts map[*accumulator.Partition]struct{}
	// lingering holds partitions whose new open batch began its linger
	// since collect last looked (WakeAt), lingerAt the earliest of their
	// due times (unix ns): collect moves them into the idle set without
	// draining them. sleepUntil is when the sink goroutine's timer fires
	// while it waits (unix ns; 0 while it works or waits without a
	// timer): a WakeAt due no earlier than that needs no wake-up.
	lingering  map[*accumulator.Partition]struct{}
	lingerAt   int64
	sleepUntil int64
	// spareParts and spareLingering are the sets parts and lingering
	// were before collect last took them, emptied, for the next swap
	// (takeWoken). The sink goroutine's own.
	spareParts, spareLingering map[*accumulator.Partition]struct{}

	// inflight counts requests sent and not yet fully handled (their
	// batches completed or re-queued): the sink's cap and Busy use it.
	// awaiting counts those whose responses have not arrived: the
	// requests-in-flight metric, which must read 0 once records complete.
	inflight atomic.Int32
	awaiting atomic.Int32
	throttle atomic.Int64 // unix nanos until which the broker asked us to wait (KIP-219)
	waiting  atomic.Bool  // a goroutine waits for the producer state on our behalf

	// Used by the sink goroutine only.
	enc     produceEncoder
	scratch []*accumulator.Partition // the set taken by collect
	keep    []*accumulator.Partition // to put back into the set
	later   []*accumulator.Partition // open batches not due yet
	// idle holds the partitions whose open batch was not due when collect
	// last looked (nor were they woken since), and idleAt the earliest
	// time one of them may be: collect looks at them again only then, or
	// to let their batches ride along in a request, not at every wake
	// (records spread over many partitions wake the sink for every new
	// batch).
	idle    map[*accumulator.Partition]struct{}
	idleAt  time.Time
	byTopic map[*accumulator.Topic]int
	topics  []reqTopic  // group's result, reused
	tallies []sentTally // group's counts of each topic's batches, reused
	// collect's result, reused: send copies it into its request.
	collected []*accumulator.Batch
}

func newSink(s *Sender, id int32) *sink {
	return &sink{
		s: s, id: id,
		wake:           make(chan struct{}, 1),
		parts:          make(map[*accumulator.Partition]struct{}),
		lingering:      make(map[*accumulator.Partition]struct{}),
		spareParts:     make(map[*accumulator.Partition]struct{}),
		spareLingering: make(map[*accumulator.Partition]struct{}),
		idle:           make(map[*accumulator.Partition]struct{}),
		byTopic:        make(map[*accumulator.Topic]int),
	}
}

// add makes p one of the sink's partitions and wakes the sink.
func (k *sink) add(p *accumulator.Partition) {
	k.mu.Lock()
	k.parts[p] = struct{}{}
	k.mu.Unlock()
	k.signal()
}

// addLinger notes that p has a new open batch due at due (unix ns) and
// wakes the sink only if its timer would fire later than that.
func (k *sink) addLinger(p *accumulator.Partition, due int64) {
	k.mu.Lock()
	k.lingering[p] = struct{}{}
	if k.lingerAt == 0 || due < k.lingerAt {
		k.lingerAt = due
	}
	asleep := k.sleepUntil
	k.mu.Unlock()
	if asleep == 0 || asleep > due {
		k.signal()
	}
}

func (k *sink) signal() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

func (k *sink) run() {
	defer k.s.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-k.wake:
		case <-timer.C:
		case <-k.s.ctx.Done():
			return
		}
		next := k.step()
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		var until int64
		if !next.IsZero() {
			timer.Reset(max(time.Until(next), 0))
			until = next.UnixNano()
		}
		k.mu.Lock()
		k.sleepUntil = until
		k.mu.Unlock()
	}
}

// step sends requests while there are sendable batches and free in-flight
// slots, and returns when it should run again (zero: when woken).
func (k *sink) step() time.Time {
	for {
		if k.s.ctx.Err() != nil {
			return time.Time{}
		}
		if int(k.inflight.Load()) >= k.s.cfg.MaxInFlight {
			return time.Time{} // a response wakes us
		}
		if until := k.throttle.Load(); until > time.Now().UnixNano() {
			return time.Unix(0, until)
		}
		conn, err := k.conn()
		if err != nil {
			return time.Now().Add(k.s.cfg.RetryBackoff.Base)
		}
		wakeAt, sent, wait := k.sendOnce(conn)
		if wait != nil {
			go k.waitProducer(wait)
			return time.Time{}
		}
		if !sent {
			return wakeAt
		}
	}
}

// sendOnce drains and sends one request. The producer state is read, the
// batches drained and the request registered in flight while busy is
// held, so that an epoch bump sees either no request or this one.
func (k *sink) sendOnce(conn *wire.Conn) (wakeAt time.Time, sent bool, wait ProducerIDs) {
	k.s.busy.Add(1)
	defer k.s.busy.Add(-1)
	ps := accumulator.NoProducer
	if ids := k.s.cfg.Producer; ids != nil {
		var ok bool
		if ps, ok = ids.Current(); !ok {
			return time.Time{}, false, ids
		}
	}
	batches, wakeAt := k.collect(time.Now(), ps)
	if len(batches) == 0 {
		return wakeAt, false, nil
	}
	k.send(conn, batches)
	clear(batches)
	return time.Time{}, true, nil
}

func (k *sink) waitProducer(ids ProducerIDs) {
	if !k.waiting.CompareAndSwap(false, true) {
		return
	}
	defer k.waiting.Store(false)
	select {
	case <-ids.Ready():
		k.signal()
	case <-k.s.ctx.Done():
	}
}

// conn returns the broker's produce connection, dialing if needed. On
// failure the broker's partitions are likely to move: metadata is
// refreshed.
func (k *sink) conn() (*wire.Conn, error) {
	b := k.s.cl.Broker(k.id)
	if b == nil {
		k.s.cl.RequestRefresh()
		k.rehomeAll()
		return nil, cluster.ErrBrokerGone
	}
	c, err := b.Conn(k.s.ctx, cluster.ProduceConn)
	if err != nil {
		k.s.log.Debug("no produce connection", "broker", k.id, "err", err)
		k.s.cl.RequestRefresh()
		return nil, err
	}
	return c, nil
}

// rehomeAll hands every partition to whichever sink now leads it.
func (k *sink) rehomeAll() {
	k.mu.Lock()
	parts := make([]*accumulator.Partition, 0, len(k.parts))
	for p := range k.parts {
		if p.Leader.Load() != k.id {
			parts = append(parts, p)
			delete(k.parts, p)
		}
	}
	for p := range k.lingering {
		if p.Leader.Load() != k.id {
			parts = append(parts, p)
			delete(k.lingering, p)
		}
	}
	k.mu.Unlock()
	for p := range k.idle { // the sink goroutine's own
		if p.Leader.Load() != k.id {
			parts = append(parts, p)
			delete(k.idle, p)
		}
	}
	for _, p := range parts {
		k.s.Wake(p)
	}
}

// collect drains at most one batch per partition, up to max.request.size
// in total, and returns them with the earliest time another may be ready.
//
// It looks only at the partitions woken since they last had nothing to
// send (the sink's set), never at every partition the broker leads: the
// set is taken whole, and a partition goes back into it only while it
// still has batches queued, so a producer's wake during collect is never
// lost. A partition whose open batch is not due yet goes to the idle set
// instead, looked at again when the earliest of them may be due (or at
// once while flushing or while appends wait for memory). A first pass
// takes what is due (sealed batches, batches past their linger); when it
// found any, a second pass over the idle partitions lets open batches
// that have waited half their linger ride along in the same request.
func (k *sink) collect(now time.Time, ps accumulator.ProducerState) ([]*accumulator.Batch, time.Time) {
	lingering, parts, lingerAt := k.takeWoken()
	for p := range lingering { // not due before lingerAt: not drained now
		k.idle[p] = struct{}{}
	}
	clear(lingering)
	if lingerAt != 0 {
		if at := time.Unix(0, lingerAt); k.idleAt.IsZero() || at.Before(k.idleAt) {
			k.idleAt = at
		}
	}
	k.scratch = k.scratch[:0]
	for p := range parts {
		k.scratch = append(k.scratch, p)
		delete(k.idle, p) // looked at now
	}
	clear(parts)
	acc := k.s.acc
	if !k.idleAt.IsZero() && !now.Before(k.idleAt) || acc.Flushing() || acc.Pool().Waiting() > 0 {
		for p := range k.idle {
			k.scratch = append(k.scratch, p)
		}
		clear(k.idle)
		k.idleAt = time.Time{}
	}
	c := collection{room: k.s.cfg.MaxRequestSize - requestOverhead, batches: k.collected[:0]}
	k.keep = k.keep[:0]
	k.later = k.later[:0]
	for _, p := range k.scratch {
		k.drainOne(&c, p, now, ps, false)
	}
	if len(c.batches) > 0 && c.room > 0 {
		// Every open batch not due is a candidate to ride along: those
		// just looked at and the idle ones.
		k.scratch = append(k.scratch[:0], k.later...)
		for p := range k.idle {
			k.scratch = append(k.scratch, p)
		}
		clear(k.idle)
		k.idleAt = time.Time{}
		k.later = k.later[:0]
		for _, p := range k.scratch {
			k.drainOne(&c, p, now, ps, true)
		}
	}
	for _, p := range k.later {
		k.idle[p] = struct{}{}
	}
	if len(k.later) > 0 && (k.idleAt.IsZero() || c.wakeAt.Before(k.idleAt)) {
		k.idleAt = c.wakeAt
	}
	clear(k.scratch)
	k.requeue(k.keep, c.moved)
	k.collected = c.batches
	wakeAt := c.wakeAt
	if !k.idleAt.IsZero() && (wakeAt.IsZero() || k.idleAt.Before(wakeAt)) {
		wakeAt = k.idleAt
	}
	return c.batches, wakeAt
}

// takeWoken takes the partitions woken (parts) and those that began a
// linger (lingering, with the earliest due time) since the last call, and
// gives the producers the spare sets, emptied by the previous call, to
// fill: under k.mu only the sets are swapped. Moving a thousand
// partitions into the idle set under the mutex kept producers opening
// batches waiting for it, parked and resumed on another core. The sets
// returned are the spares of the next call, emptied by collect.
func (k *sink) takeWoken() (lingering, parts map[*accumulator.Partition]struct{}, lingerAt int64) {
	k.mu.Lock()
	k.sleepUntil = 0
	lingering, parts, lingerAt = k.lingering, k.parts, k.lingerAt
	k.lingering, k.parts, k.lingerAt = k.spareLingering, k.spareParts, 0
	k.mu.Unlock()
	k.spareLingering, k.spareParts = lingering, parts
	return lingering, parts, lingerAt
}

// collection is what one collect gathered.
type collection struct {
	batches []*accumulator.Batch
	wakeAt  time.Time
	room    int
	moved   []*accumulator.Partition
}

// drainOne drains p into c and notes whether p must be looked at again:
// in k.later when it waits for its linger or a retry backoff (a
// candidate for the second pass, then idle), in k.keep when it has other
// batches queued.
func (k *sink) drainOne(c *collection, p *accumulator.Partition, now time.Time, ps accumulator.ProducerState, early bool) {
	if p.Leader.Load() != k.id {
		c.moved = append(c.moved, p)
		return
	}
	if ids := k.s.cfg.Producer; ids != nil && !ids.Sendable(p) {
		k.keep = append(k.keep, p)
		return // waiting to be added to the transaction; we are woken then
	}
	limit := c.room
	switch {
	case len(c.batches) == 0:
		limit = 0 // the first batch always goes, whatever its size
	case limit <= 0:
		// The request is full (to Drain a limit of 0 is no limit): p is
		// looked at again for the next one.
		k.keep = append(k.keep, p)
		return
	}
	res := p.Drain(now, limit, ps, early)
	for _, b := range res.Expired {
		k.s.expire(b)
	}
	for _, b := range res.Ambiguous {
		k.s.FailUnknownOutcome(b)
	}
	for _, b := range res.Failed {
		k.s.fail(b, b.LastErr)
	}
	switch b := res.Batch; {
	case b != nil && k.s.splitEarly(b, now):
		// Its parts are queued; this partition is drained again at once.
		c.wakeAt = now
		k.keep = append(k.keep, p)
		return
	case b != nil:
		c.batches = append(c.batches, b)
		c.room -= len(b.Wire) + partitionOverhead
	case !res.WakeAt.IsZero():
		if c.wakeAt.IsZero() || res.WakeAt.Before(c.wakeAt) {
			c.wakeAt = res.WakeAt
		}
		k.later = append(k.later, p)
		return
	}
	if res.Queued {
		k.keep = append(k.keep, p)
	}
}

// Rough framing overheads, to keep requests under max.request.size.
const (
	requestOverhead   = 64
	partitionOverhead = 16
)

// requeue puts back into the sink's set the partitions that still have
// batches queued and re-routes partitions whose leader moved.
func (k *sink) requeue(keep, moved []*accumulator.Partition) {
	if len(keep) > 0 {
		k.mu.Lock()
		for _, p := range keep {
			k.parts[p] = struct{}{}
		}
		k.mu.Unlock()
	}
	for _, p := range moved {
		k.s.Wake(p)
	}
}
