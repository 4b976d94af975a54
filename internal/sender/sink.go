package sender

import (
	"sync"
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

	mu    sync.Mutex
	parts map[*accumulator.Partition]struct{}

	inflight atomic.Int32
	throttle atomic.Int64 // unix nanos until which the broker asked us to wait (KIP-219)
	waiting  atomic.Bool  // a goroutine waits for the producer state on our behalf

	// Used by the sink goroutine only.
	enc     produceEncoder
	scratch []*accumulator.Partition
	byTopic map[*accumulator.Topic]int
}

func newSink(s *Sender, id int32) *sink {
	return &sink{
		s: s, id: id,
		wake:    make(chan struct{}, 1),
		parts:   make(map[*accumulator.Partition]struct{}),
		byTopic: make(map[*accumulator.Topic]int),
	}
}

// add makes p one of the sink's partitions and wakes the sink.
func (k *sink) add(p *accumulator.Partition) {
	k.mu.Lock()
	k.parts[p] = struct{}{}
	k.mu.Unlock()
	k.signal()
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
		if !next.IsZero() {
			timer.Reset(max(time.Until(next), 0))
		}
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
	k.mu.Unlock()
	for _, p := range parts {
		k.s.Wake(p)
	}
}

// collect drains at most one batch per partition, up to max.request.size
// in total, and returns them with the earliest time another may be ready.
func (k *sink) collect(now time.Time, ps accumulator.ProducerState) ([]*accumulator.Batch, time.Time) {
	k.mu.Lock()
	k.scratch = k.scratch[:0]
	for p := range k.parts {
		k.scratch = append(k.scratch, p)
	}
	k.mu.Unlock()
	var (
		batches []*accumulator.Batch
		wakeAt  time.Time
		idle    []*accumulator.Partition
		moved   []*accumulator.Partition
		room    = k.s.cfg.MaxRequestSize - requestOverhead
	)
	for _, p := range k.scratch {
		if p.Leader.Load() != k.id {
			moved = append(moved, p)
			continue
		}
		if ids := k.s.cfg.Producer; ids != nil && !ids.Sendable(p) {
			continue // waiting to be added to the transaction; we are woken then
		}
		limit := room
		if len(batches) == 0 {
			limit = 0 // the first batch always goes, whatever its size
		}
		res := p.Drain(now, limit, ps)
		for _, b := range res.Expired {
			k.s.expire(b)
		}
		for _, b := range res.Ambiguous {
			k.s.FailUnknownOutcome(b)
		}
		for _, b := range res.Failed {
			k.s.fail(b, b.LastErr)
		}
		if b := res.Batch; b != nil && k.s.splitEarly(b, now) {
			// Its parts are queued; this partition is drained again at once.
			wakeAt = now
		} else if b != nil {
			batches = append(batches, b)
			room -= len(b.Wire) + partitionOverhead
		} else if !res.WakeAt.IsZero() {
			if wakeAt.IsZero() || res.WakeAt.Before(wakeAt) {
				wakeAt = res.WakeAt
			}
		} else if u, _ := p.Pending(); u == 0 {
			idle = append(idle, p)
		}
	}
	k.forget(idle, moved)
	return batches, wakeAt
}

// Rough framing overheads, to keep requests under max.request.size.
const (
	requestOverhead   = 64
	partitionOverhead = 16
)

// forget drops idle partitions (unless they got new data meanwhile) and
// re-routes partitions whose leader moved.
func (k *sink) forget(idle, moved []*accumulator.Partition) {
	if len(idle)+len(moved) == 0 {
		return
	}
	k.mu.Lock()
	for _, p := range idle {
		if u, _ := p.Pending(); u == 0 {
			delete(k.parts, p)
		}
	}
	for _, p := range moved {
		delete(k.parts, p)
	}
	k.mu.Unlock()
	for _, p := range moved {
		k.s.Wake(p)
	}
}
