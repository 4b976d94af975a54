package samsa

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/lockorder"
)

// Records produced inside a delivery callback to a topic whose metadata is
// not known yet.
//
// Produce waits up to max.block.ms for a topic's metadata. Inside a
// callback that wait would hold up the goroutine delivering outcomes (the
// connection's reader): for a topic that does not exist, every delivery
// behind the callback waited max.block.ms, once per such record. Such a
// record is parked instead: copied, queued per topic in Produce order, and
// appended by a goroutine of the topic's own once the metadata is known;
// a record whose max.block.ms passes first fails as Produce would have
// failed it. While a topic has parked records, the records produced to it
// inside callbacks queue behind them, so that they keep their order.
// Flush, the transactional calls and Close wait for parked records before
// they flush.

// parking holds the parked records of a producer.
type parking struct {
	mu     lockorder.Mutex[lockorder.Leaf]
	topics map[string][]parkedRecord // under mu; a topic is present while its goroutine runs
	idle   chan struct{}             // under mu; closed when topics empties
	active atomic.Int32              // len(topics), read without mu by Produce
	wg     sync.WaitGroup            // the topics' goroutines

	stop    context.Context // ended by Close: parked records fail
	stopNow context.CancelFunc
}

// init prepares s; NewProducer calls it.
func (s *parking) init() { s.stop, s.stopNow = context.WithCancel(context.Background()) }

// parkedRecord is a record parked with what Produce was given.
type parkedRecord struct {
	ctx      context.Context
	r        Record // its own copy of the bytes
	cb       any
	deadline time.Time // max.block.ms after Produce
}

// park parks r if its topic's metadata is not known (t is nil or has no
// partitions) or other records of the topic are parked; it reports whether
// it took r (or failed it: an invalid topic name fails at once).
func (p *Producer) park(ctx context.Context, r *Record, cb any, t *accumulator.Topic) (bool, error) {
	known := t != nil && len(t.Partitions()) > 0
	if !known {
		if err := validateTopic(r.Topic); err != nil {
			return true, p.failRecord(r, -1, cb, err)
		}
	}
	pr := parkedRecord{ctx: ctx, r: copyRecord(r), cb: cb, deadline: time.Now().Add(p.cfg.MaxBlock)}
	if pr.r.Timestamp.IsZero() {
		pr.r.Timestamp = time.UnixMilli(p.clock.nowMilli()) // the record's time is Produce's
	}
	s := &p.parked
	s.mu.Lock()
	if s.stop.Err() != nil { // Close is past waiting for parked records
		s.mu.Unlock()
		return true, p.failRecord(r, -1, cb, ErrProducerClosed)
	}
	q, queued := s.topics[r.Topic]
	if known && !queued {
		s.mu.Unlock()
		return false, nil
	}
	if s.topics == nil {
		s.topics = make(map[string][]parkedRecord)
	}
	if len(s.topics) == 0 {
		s.idle = make(chan struct{})
	}
	s.topics[r.Topic] = append(q, pr)
	s.active.Store(int32(len(s.topics)))
	if !queued {
		s.wg.Add(1)
		go p.appendParked(r.Topic)
	}
	s.mu.Unlock()
	return true, nil
}

// copyRecord copies r's bytes: the caller may reuse its slices once
// Produce returns.
func copyRecord(r *Record) Record {
	c := *r
	c.Key, c.Value = bytes.Clone(r.Key), bytes.Clone(r.Value)
	if r.Headers != nil {
		c.Headers = make([]Header, len(r.Headers))
		for i, h := range r.Headers {
			c.Headers[i] = Header{Key: h.Key, Value: bytes.Clone(h.Value)}
		}
	}
	return c
}

// appendParked is the goroutine of a topic with parked records: it waits
// for the topic's metadata for the first of them, fails those whose wait
// ends first, and appends the rest in order once it is known.
//
// It counts as a delivering goroutine (EnterDeliver): the records it
// appends were produced inside callbacks, so like them they do not wait
// for buffer memory, and the callbacks it runs for records it fails are
// callbacks like any other (a Flush there, which would wait for this
// goroutine, is refused).
func (p *Producer) appendParked(topic string) {
	s := &p.parked
	defer s.wg.Done()
	slot := p.acc.EnterDeliver()
	defer p.acc.LeaveDeliver(slot)
	for {
		first, ok := s.front(topic)
		if !ok {
			return
		}
		t, err := p.parkedTopic(first)
		if err != nil {
			s.pop(topic)
			_ = p.failRecord(&first.r, -1, first.cb, err)
			continue
		}
		for _, pr := range s.takeAll(topic) {
			_ = p.produceTo(pr.ctx, t, &pr.r, pr.cb, false)
		}
	}
}

// parkedTopic waits for the metadata of pr's topic, until pr's
// max.block.ms (counted from its Produce) passes or its ctx ends, or the
// producer closes.
func (p *Producer) parkedTopic(pr parkedRecord) (*accumulator.Topic, error) {
	ctx, cancel := context.WithCancel(pr.ctx)
	defer cancel()
	unhook := context.AfterFunc(p.parked.stop, cancel)
	defer unhook()
	t, err := p.waitTopic(ctx, pr.r.Topic, max(time.Until(pr.deadline), 0))
	if err != nil && p.parked.stop.Err() != nil {
		return nil, ErrProducerClosed
	}
	return t, err
}

// front returns the first parked record of topic, or removes the topic
// (its goroutine then ends) when it has none.
func (s *parking) front(topic string) (parkedRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.topics[topic]
	if len(q) == 0 {
		delete(s.topics, topic)
		s.active.Store(int32(len(s.topics)))
		if len(s.topics) == 0 {
			close(s.idle)
		}
		return parkedRecord{}, false
	}
	return q[0], true
}

// pop removes the first parked record of topic.
func (s *parking) pop(topic string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.topics[topic]
	q[0] = parkedRecord{}
	s.topics[topic] = q[1:]
}

// takeAll removes and returns the parked records of topic, leaving the
// topic parked (empty) so that records produced meanwhile queue behind.
func (s *parking) takeAll(topic string) []parkedRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.topics[topic]
	s.topics[topic] = nil
	return q
}

// wait waits until no record is parked, or ctx ends.
func (s *parking) wait(ctx context.Context) error {
	s.mu.Lock()
	if len(s.topics) == 0 {
		s.mu.Unlock()
		return nil
	}
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close waits for the parked records until ctx ends, then fails those
// left with ErrProducerClosed and waits for the topics' goroutines.
func (s *parking) close(ctx context.Context) {
	_ = s.wait(ctx)
	s.mu.Lock()
	s.stopNow()
	s.mu.Unlock()
	s.wg.Wait()
}
