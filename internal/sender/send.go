package sender

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/wire"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// request is one produce request in flight.
type request struct {
	k       *sink
	conn    *wire.Conn
	ver     int16
	batches []*accumulator.Batch
	sentAt  time.Time
	done    func(body []byte, err error) int32 // bound once, reused
}

var requestPool = sync.Pool{New: func() any { return new(request) }}

// TestHookSending is set by tests only (before any producer starts); it runs
// in a sink when it has taken batches to send and not yet written them.
var TestHookSending func()

// send encodes batches into one produce request and writes it.
func (k *sink) send(conn *wire.Conn, batches []*accumulator.Batch) {
	s := k.s
	if TestHookSending != nil {
		TestHookSending()
	}
	if batches = k.recordSends(batches); len(batches) == 0 {
		return
	}
	maxVer := int16(MaxProduceVersion)
	if ids := s.cfg.Producer; ids != nil {
		maxVer = min(maxVer, ids.MaxProduceVersion())
	}
	ver, err := conn.Versions().Pick(conn.Addr(), kmsg.Produce.Int16(), maxVer)
	if err != nil {
		for _, b := range batches {
			s.fail(b, err)
		}
		return
	}
	topics := k.group(batches)
	req := requestPool.Get().(*request)
	if req.done == nil {
		req.done = req.onResponse
	}
	req.k, req.conn, req.ver, req.sentAt = k, conn, ver, time.Now()
	req.batches = append(req.batches[:0], batches...) // batches is the sink's, reused
	timeout := int32(s.cfg.RequestTimeout / time.Millisecond)
	body := k.enc.encode(ver, s.cfg.TransactionalID, s.cfg.Acks, timeout, topics)
	size := 0
	for _, b := range body {
		size += len(b)
	}
	noResponse := s.cfg.Acks == 0
	k.inflight.Add(1)
	k.awaiting.Add(1)
	// Once Send succeeds, the response may already have recycled req:
	// only locals are used after it.
	err = conn.Send(s.ctx, &wire.Request{
		Key: kmsg.Produce.Int16(), Version: ver, Flexible: ver >= produceVersionFlexible,
		Body: body, NoResponse: noResponse, Done: req.done,
	})
	s.Stats.requestSent(k.id, size, len(batches))
	if err != nil { // not written: the batches are certainly not on the broker
		k.inflight.Add(-1)
		k.awaiting.Add(-1)
		req.retryAll(err, false)
		req.release()
	}
}

// recordSends records each batch's attempt in the spool, if there is
// one, before the request is written: a recovery must know what a broker
// may hold. A batch whose attempt cannot be recorded is retried later
// instead of sent.
func (k *sink) recordSends(batches []*accumulator.Batch) []*accumulator.Batch {
	sp := k.s.cfg.Spool
	if sp == nil {
		return batches
	}
	keep := batches[:0]
	for _, b := range batches {
		if err := sp.Sending(b); err != nil {
			k.s.log.Warn("cannot record a send in the spool; the batch waits", "topic", b.P.Topic.Name, "partition", b.P.ID, "err", err)
			k.s.retryOrFail(b, err, -1)
			continue
		}
		keep = append(keep, b)
	}
	if len(keep) > 0 {
		if err := sp.Sync(); err != nil {
			k.s.log.Warn("cannot make the sends' records durable in the spool; the batches wait", "err", err)
			for _, b := range keep {
				k.s.retryOrFail(b, err, -1)
			}
			return nil
		}
	}
	return keep
}

// group orders the batches by topic for the request, and counts them in
// the sender's statistics (once per topic, not per batch). The result is
// valid until the next call.
func (k *sink) group(batches []*accumulator.Batch) []reqTopic {
	clear(k.byTopic)
	topics := k.topics[:0]
	tallies := k.tallies[:0]
	var last *accumulator.Topic // the topic of the batch before, at index i
	i := -1
	for _, b := range batches {
		b.LeaderEpoch = b.P.LeaderEpoch.Load()
		b.Broker = k.id
		b.Attempts++
		b.WriteHeader()
		if b.P.Topic != last {
			last = b.P.Topic
			var ok bool
			if i, ok = k.byTopic[last]; !ok {
				i = len(topics)
				k.byTopic[last] = i
				tallies = append(tallies, sentTally{})
				if i < cap(topics) { // keep the parts slice of an earlier request
					topics = topics[:i+1]
					topics[i].name, topics[i].parts = last.Name, topics[i].parts[:0]
				} else {
					topics = append(topics, reqTopic{name: last.Name})
				}
			}
		}
		tallies[i].add(&k.s.Stats, b)
		topics[i].parts = append(topics[i].parts, reqPartition{index: b.P.ID, batch: b.Wire})
	}
	for i := range topics {
		k.s.Stats.batchesSent(topics[i].name, &tallies[i])
	}
	k.topics, k.tallies = topics, tallies
	return topics
}

// onResponse handles the response to a request, or its failure, and
// returns the throttle time the response asked for. It runs on the
// connection's reader goroutine.
func (r *request) onResponse(body []byte, err error) (throttleMs int32) {
	k, s := r.k, r.k.s
	switch {
	case s.cfg.Acks == 0 && err == nil:
		k.awaiting.Add(-1)
		for _, b := range r.batches {
			s.Stats.batchDone(b)
			b.P.Complete(b, -1, -1, nil)
		}
	case err != nil:
		k.awaiting.Add(-1)
		r.retryAll(err, true)
	default:
		// The request is accounted for (in flight no more, its latency
		// and the Observer's event recorded) before its records complete:
		// whoever waits for them, Flush included, sees it done.
		k.awaiting.Add(-1)
		s.Stats.requestDone(k.id, time.Since(r.sentAt))
		resp, derr := decodeProduceResponse(body, r.ver)
		if derr == nil {
			r.conn.ObserveResponse(resp.throttleMs)
		}
		if derr != nil {
			s.log.Warn("undecodable produce response; closing the connection", "broker", k.id, "err", derr)
			r.retryAll(derr, true)
			// A broker that sends garbage cannot be trusted with the
			// requests behind this one: drop the connection (they fail
			// and are retried on a new one).
			r.conn.Fail(fmt.Errorf("malformed produce response: %w", derr))
		} else {
			r.handle(resp)
			throttleMs = resp.throttleMs
			resp.release()
		}
	}
	k.inflight.Add(-1)
	k.signal()
	r.release()
	return throttleMs
}

func (r *request) release() {
	clear(r.batches)
	r.batches, r.k, r.conn = r.batches[:0], nil, nil
	requestPool.Put(r)
}

// retryAll treats every batch of the request as failed with a
// connection-level error, which is retriable. written says the request
// reached the connection, so the broker may have written its batches.
func (r *request) retryAll(err error, written bool) {
	s := r.k.s
	s.cl.RequestRefresh()
	for _, b := range r.batches {
		if written {
			b.MaybeWritten = true
		}
		s.retryOrFail(b, err, -1)
	}
}

// handle applies a decoded response to the request's batches.
func (r *request) handle(resp *produceResponse) {
	s := r.k.s
	if resp.throttleMs > 0 {
		s.Stats.throttled(r.k.id, resp.throttleMs)
		if r.ver >= 6 { // KIP-219: the broker answered at once and expects us to wait
			r.k.throttle.Store(time.Now().Add(time.Duration(resp.throttleMs) * time.Millisecond).UnixNano())
		}
	}
	var small [8]int
	var next []int
	if len(resp.topics) <= len(small) {
		next = small[:len(resp.topics)]
	} else {
		next = make([]int, len(resp.topics))
	}
	for _, b := range r.batches {
		rp := findPartition(resp, b.P.Topic.Name, b.P.ID, next)
		if rp == nil {
			s.retryOrFail(b, errMissingPartition, -1)
			continue
		}
		if rp.leaderID >= 0 && s.setLeader(b.P, rp.leaderID, rp.leaderEpoch) {
			s.log.Debug("leader hint", "topic", b.P.Topic.Name, "partition", b.P.ID, "broker", rp.leaderID, "leader_epoch", rp.leaderEpoch)
		}
		s.handlePartition(b, rp)
	}
}

var errMissingPartition = errors.New("produce response does not mention the partition")

// findPartition returns the response of partition id of topic. Brokers
// answer the partitions of a topic in the order of the request, which is
// the order of the request's batches: next[i] is where the next
// partition of resp.topics[i] is expected, so a request of n partitions
// takes n comparisons, not n*n; a response in another order is searched.
func findPartition(resp *produceResponse, topic string, id int32, next []int) *respPartition {
	for i := range resp.topics {
		t := &resp.topics[i]
		if t.name != topic {
			continue
		}
		if j := next[i]; j < len(t.parts) && t.parts[j].index == id {
			next[i]++
			return &t.parts[j]
		}
		for j := range t.parts {
			if t.parts[j].index == id {
				return &t.parts[j]
			}
		}
	}
	return nil
}

// handlePartition turns one partition's response into the batch's outcome.
func (s *Sender) handlePartition(b *accumulator.Batch, rp *respPartition) {
	switch code := rp.errCode; kerr.Code(code) {
	case 0, kerr.DuplicateSequenceNumber:
		// DUPLICATE_SEQUENCE_NUMBER: an earlier attempt, whose response
		// was lost, wrote the batch.
		s.Stats.batchDone(b)
		b.P.Acked(b)
		b.P.Complete(b, rp.baseOffset, rp.logAppendTime, nil)
	case kerr.MessageTooLarge, kerr.RecordListTooLarge:
		b.P.Topic.NoteRefused(len(b.Wire), time.Now())
		if b.Records() > 1 && s.split(b) {
			return
		}
		s.fail(b, &TooLargeError{Size: len(b.Wire), Err: &BrokerError{Code: code, Msg: rp.errMsg}})
	case kerr.OutOfOrderSequenceNumber, kerr.UnknownProducerID, kerr.InvalidProducerEpoch:
		if b.Recovered {
			s.restamp(b, &BrokerError{Code: code, Msg: rp.errMsg})
			return
		}
		verdict := VerdictFail
		if s.cfg.Producer != nil {
			verdict = s.cfg.Producer.HandleError(b, code)
		}
		if verdict == VerdictFail {
			s.fail(b, &BrokerError{Code: code, Msg: rp.errMsg})
			return
		}
		s.requeue(b, &BrokerError{Code: code, Msg: rp.errMsg}, code, verdict == VerdictWaitTurn)
	default:
		s.retryOrFail(b, &BrokerError{Code: code, Msg: rp.errMsg}, code)
	}
}

// restamp handles a sequence or producer id error for a batch restored
// from the spool with an earlier session's producer state: the broker no
// longer deduplicates under that state, so the batch is sent again as a
// new write of the current producer. If an earlier attempt wrote it, it
// is now written twice; the spool counts such batches.
func (s *Sender) restamp(b *accumulator.Batch, err error) {
	s.log.Warn("the broker refused the producer state of a batch restored from the spool; resending it as a new write",
		"topic", b.P.Topic.Name, "partition", b.P.ID, "producer_id", b.ProducerID, "epoch", b.ProducerEpoch, "base_sequence", b.BaseSeq, "err", err)
	b.Recovered = false
	b.ProducerID, b.ProducerEpoch, b.BaseSeq = -1, -1, -1
	s.retryOrFail(b, err, -1)
}

// retryOrFail retries a batch after a retriable error, within the retry
// count and the delivery timeout, and fails it otherwise. code is the
// Kafka error code, or -1 for connection-level errors (always retriable).
func (s *Sender) retryOrFail(b *accumulator.Batch, err error, code int16) {
	s.requeue(b, err, code, false)
}

// requeue is retryOrFail; with behind, the batch failed only because
// earlier batches of its partition are not written yet, and it goes again
// right behind them (accumulator.Partition.RetryBehind).
func (s *Sender) requeue(b *accumulator.Batch, err error, code int16, behind bool) {
	b.LastErr = err
	debug := s.log.Enabled(s.ctx, slog.LevelDebug)
	if debug {
		s.log.Debug("produce attempt failed", "topic", b.P.Topic.Name, "partition", b.P.ID, "broker", b.Broker,
			"base_sequence", b.BaseSeq, "producer_id", b.ProducerID, "epoch", b.ProducerEpoch, "records", b.Records(),
			"attempt", b.Attempts, "err", err)
	}
	var be *BrokerError
	retriable := code < 0 || (errors.As(err, &be) && be.Retriable()) || kerr.Code(code) == kerr.OutOfOrderSequenceNumber ||
		kerr.Code(code) == kerr.UnknownProducerID || kerr.Code(code) == kerr.InvalidProducerEpoch
	if code < 0 || refreshesMetadata(code) {
		s.cl.RequestRefresh()
	}
	switch {
	case s.cfg.Producer != nil && s.cfg.Producer.Aborting():
		s.fail(b, &AbortedError{Last: err})
	case !retriable:
		s.fail(b, err)
	case b.Attempts > s.cfg.Retries:
		s.fail(b, err)
	case !time.Now().Before(b.Deadline):
		s.fail(b, &TimeoutError{Timeout: s.cfg.DeliveryTimeout, Attempts: b.Attempts, Last: err})
	default:
		s.Stats.retried(b)
		at := s.retryAt(b.Attempts)
		if debug {
			s.log.Debug("produce retry backoff", "topic", b.P.Topic.Name, "partition", b.P.ID, "broker", b.Broker,
				"attempt", b.Attempts, "backoff", time.Until(at).Round(time.Millisecond))
		}
		if behind {
			b.P.RetryBehind(b, at)
		} else {
			b.P.Retry(b, at)
		}
	}
}

// split re-queues a batch the broker found too large as smaller batches,
// as the Java client does; it reports false when the batch cannot be split.
func (s *Sender) split(b *accumulator.Batch) bool {
	size, records := len(b.Wire), b.Records()
	ok, err := b.P.Split(b, size)
	if err != nil {
		s.log.Warn("cannot split an oversized batch", "topic", b.P.Topic.Name, "partition", b.P.ID, "err", err)
		return false
	}
	if ok {
		s.log.Info("split a batch the broker found too large", "topic", b.P.Topic.Name, "partition", b.P.ID, "broker", b.Broker,
			"bytes", size, "records", records)
		s.Stats.split(b)
		s.Wake(b.P)
	}
	return ok
}

// splitEarly splits a drained batch at least as large as one of its
// topic's the broker refused as too large, instead of sending it: the
// broker would refuse it too. It reports whether it did; the parts wait in
// the partition's queue.
func (s *Sender) splitEarly(b *accumulator.Batch, now time.Time) bool {
	refused := b.P.Topic.Refused(now)
	if refused == 0 || len(b.Wire) < refused || b.Records() < 2 || b.MaybeWritten {
		return false
	}
	ok, err := b.P.Split(b, refused)
	if err != nil {
		s.log.Warn("cannot split a batch as large as one the broker refused", "topic", b.P.Topic.Name, "partition", b.P.ID, "err", err)
	}
	return ok
}
