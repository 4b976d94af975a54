package txn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/wire"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// addPartitions sends one AddPartitionsToTxn (v3 or below: v4+ is for
// brokers) for parts. Added partitions become sendable; retriable
// failures are queued again after a backoff; others make the transaction
// abortable or the producer fatal.
func (m *Manager) addPartitions(parts []*accumulator.Partition, gen uint32) {
	ps, _ := m.Current()
	byTopic := map[string][]int32{}
	for _, p := range parts {
		byTopic[p.Topic.Name] = append(byTopic[p.Topic.Name], p.ID)
	}
	var resp *kmsg.AddPartitionsToTxnResponse
	code, msg, err := m.txn.coord.run(m.ctx, "AddPartitionsToTxn", func(conn *wire.Conn) (int16, string, error) {
		req := kmsg.NewPtrAddPartitionsToTxnRequest()
		req.TransactionalID, req.ProducerID, req.ProducerEpoch = m.txn.id, ps.ID, ps.Epoch
		for topic, ids := range byTopic {
			req.Topics = append(req.Topics, kmsg.AddPartitionsToTxnRequestTopic{Topic: topic, Partitions: ids})
		}
		r, err := conn.DoMax(m.ctx, req, 3)
		if err != nil {
			return 0, "", err
		}
		resp = r.(*kmsg.AddPartitionsToTxnResponse)
		return worstAddCode(resp), "", nil
	})
	if err != nil {
		if m.ctx.Err() == nil {
			m.abortable(fmt.Errorf("AddPartitionsToTxn: %w", err), false, gen)
		}
		return
	}
	switch {
	case code == 0:
		m.txn.addMu.Lock()
		if m.txn.gen == gen { // else the transaction ended (aborted) meanwhile
			for _, p := range parts {
				p.TxnState.Store(partAdded)
			}
		}
		m.txn.addMu.Unlock()
		if m.cfg.Wake != nil {
			m.cfg.Wake()
		}
	case kerr.Code(code) == kerr.ProducerFenced || kerr.Code(code) == kerr.InvalidProducerEpoch || kerr.Code(code) == kerr.TransactionalIDAuthorizationFailed || kerr.Code(code) == kerr.InvalidTxnState:
		m.fatal(&CodeError{API: "AddPartitionsToTxn", Code: code, Msg: msg})
	default:
		m.abortable(&CodeError{API: "AddPartitionsToTxn", Code: code, Msg: msg}, false, gen)
	}
}

// worstAddCode returns the most telling partition error of the response:
// a real failure over OPERATION_NOT_ATTEMPTED, 0 when all were added.
func worstAddCode(resp *kmsg.AddPartitionsToTxnResponse) int16 {
	worst := int16(0)
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 && (worst == 0 || kerr.Code(worst) == kerr.OperationNotAttempted) {
				worst = p.ErrorCode
			}
		}
	}
	return worst
}

// CommitTransaction flushes the transaction's records and commits it.
// After a timeout it may be called again to resume.
func (m *Manager) CommitTransaction(ctx context.Context) (err error) {
	ctx, end := m.bound(ctx)
	defer func() { err = end(err) }()
	t := m.txn
	m.lockOp()
	defer m.unlockOp()
	switch m.txnState() {
	case InTransaction, Committing:
	default:
		return m.stateErr("CommitTransaction", "there is no transaction to commit (BeginTransaction)")
	}
	m.setState(Committing)
	t.acc.SetGate(&StateError{Op: "producing a record", State: Committing, Hint: "the transaction is committing"})
	t.acc.Barrier()
	if err := t.flush(ctx); err != nil {
		return fmt.Errorf("flushing the transaction's records: %w", err)
	}
	if st := m.txnState(); st == StateAbortable || st == StateFatal {
		return m.stateErr("CommitTransaction", "")
	}
	if err := m.endTxn(ctx, true); err != nil {
		return err
	}
	return nil
}

// AbortTransaction fails the transaction's unsent records with ErrAborted,
// waits for those in flight, and aborts it. After a timeout it may be
// called again to resume.
func (m *Manager) AbortTransaction(ctx context.Context) (err error) {
	ctx, end := m.bound(ctx)
	defer func() { err = end(err) }()
	t := m.txn
	if err := m.beginAbort(); err != nil {
		return err
	}
	// The unsent records fail with no lock held: their callbacks may call
	// the producer. Another AbortTransaction may run meanwhile (the state
	// is Aborting); whichever comes second finds the abort done.
	t.acc.Abort(ErrAborted, false)
	m.lockOp()
	defer m.unlockOp()
	switch m.txnState() {
	case Aborting:
	case StateFatal:
		return m.stateErr("AbortTransaction", "")
	default:
		return nil // another AbortTransaction ended it
	}
	if err := t.flush(ctx); err != nil { // in-flight batches come back
		return fmt.Errorf("waiting for the transaction's requests in flight: %w", err)
	}
	return m.endTxn(ctx, false)
}

// beginAbort moves the transaction to Aborting: no more records are
// taken, and an epoch bump is arranged where sequences may break.
func (m *Manager) beginAbort() error {
	t := m.txn
	m.lockOp()
	defer m.unlockOp()
	switch m.txnState() {
	case InTransaction, Committing, Aborting, StateAbortable:
	default:
		return m.stateErr("AbortTransaction", "there is no transaction to abort")
	}
	m.setState(Aborting)
	t.acc.SetGate(&StateError{Op: "producing a record", State: Aborting, Hint: "the transaction is aborting"})
	t.acc.Barrier()
	if !t.v2 && t.started.Load() {
		// Aborted batches may have held sequence numbers the broker never
		// saw; a new epoch restarts the sequences (v2's EndTxn does it).
		m.mu.Lock()
		t.needBump = true
		m.mu.Unlock()
	}
	return nil
}

// endTxn ends the transaction on the coordinator (when anything reached
// it), moves to a new epoch where needed, and readies the producer for the
// next transaction.
func (m *Manager) endTxn(ctx context.Context, commit bool) error {
	t := m.txn
	// No AddPartitionsToTxn of this transaction may reach the coordinator
	// after EndTxn: it would open a new transaction under a stale epoch.
	t.addRun.Lock()
	defer t.addRun.Unlock()
	ps, _ := m.Current()
	next := ps
	if t.started.Load() {
		code, msg, err := t.coord.run(ctx, "EndTxn", func(conn *wire.Conn) (int16, string, error) {
			req := kmsg.NewPtrEndTxnRequest()
			req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = t.id, ps.ID, ps.Epoch, commit
			r, err := conn.Do(ctx, req)
			if err != nil {
				return 0, "", err
			}
			resp := r.(*kmsg.EndTxnResponse)
			if resp.ErrorCode == 0 && resp.GetVersion() >= endTxnVersionV2 && resp.ProducerID >= 0 {
				next = accumulator.ProducerState{ID: resp.ProducerID, Epoch: resp.ProducerEpoch}
			}
			return resp.ErrorCode, "", nil
		})
		if err != nil {
			return fmt.Errorf("EndTxn: %w", err)
		}
		if err := m.endTxnError(ctx, commit, code, msg, ps, &next); err != nil {
			return err
		}
	}
	m.mu.Lock()
	bump := t.needBump
	t.needBump = false
	m.mu.Unlock()
	if bump && next == ps {
		var err error
		if next, err = m.initTransactional(ctx, ps); err != nil {
			var fatal *ProducerFatalError
			if errors.As(err, &fatal) {
				m.fatal(fatal.Err)
			}
			return fmt.Errorf("bumping the producer epoch after the abort: %w", err)
		}
	}
	m.finishTxn(ps, next)
	return nil
}

// endTxnError handles EndTxn's error code. A timed-out transaction the
// coordinator already aborted (KIP-588) leaves the producer on a stale
// epoch: an abort recovers by asking for the next epoch.
func (m *Manager) endTxnError(ctx context.Context, commit bool, code int16, msg string, ps accumulator.ProducerState, next *accumulator.ProducerState) error {
	if code == 0 {
		return nil
	}
	cerr := &CodeError{API: "EndTxn", Code: code, Msg: msg}
	switch {
	case kerr.Code(code) == kerr.ProducerFenced || kerr.Code(code) == kerr.TransactionalIDAuthorizationFailed:
		m.fatal(cerr)
		return &ProducerFatalError{Err: cerr}
	case !commit && (kerr.Code(code) == kerr.InvalidProducerEpoch || kerr.Code(code) == kerr.InvalidTxnState):
		ns, err := m.initTransactional(ctx, ps)
		if err != nil {
			m.fatal(err)
			return &ProducerFatalError{Err: errors.Join(cerr, err)}
		}
		*next = ns
		return nil
	case kerr.Code(code) == kerr.InvalidProducerEpoch || kerr.Code(code) == kerr.InvalidTxnState:
		m.abortable(cerr, true, m.curGen())
		return &AbortableError{Err: cerr}
	default:
		m.abortable(cerr, false, m.curGen())
		return &AbortableError{Err: cerr}
	}
}

// finishTxn readies the producer for the next transaction under next.
func (m *Manager) finishTxn(prev, next accumulator.ProducerState) {
	t := m.txn
	t.addMu.Lock()
	for _, p := range t.parts {
		p.TxnState.Store(partNone)
	}
	t.parts, t.pending = nil, nil
	t.gen++
	// The gate is closed: the next transaction's records go to batches
	// of the new generation, out of reach of this one's late failures.
	t.acc.SetTxnGen(t.gen)
	t.addMu.Unlock()
	if next != prev {
		if m.cfg.Reset != nil {
			m.cfg.Reset(next)
		}
		m.install(next)
		// A sink that read the old state just before the install may
		// still be draining under it: the next transaction's records
		// must not go out in that request (the broker would answer
		// INVALID_PRODUCER_EPOCH), so the transaction ends only after it.
		m.waitIdle()
	}
	m.mu.Lock()
	t.abortErr = nil
	m.mu.Unlock()
	t.started.Store(false)
	m.setState(Ready)
	t.acc.SetGate(NotInTransaction(Ready))
}

// GroupMetadata identifies a consumer group member (KIP-447).
type GroupMetadata struct {
	GroupID         string
	Generation      int32
	MemberID        string
	GroupInstanceID *string
}

// Offset is one partition's offset to commit with the transaction.
type Offset struct {
	Topic       string
	Partition   int32
	Offset      int64
	LeaderEpoch int32
	Metadata    *string
}

// SendOffsets adds consumer group offsets to the transaction: v1 with
// AddOffsetsToTxn to the transaction coordinator first, then
// TxnOffsetCommit to the group coordinator.
func (m *Manager) SendOffsets(ctx context.Context, offsets []Offset, group GroupMetadata) (err error) {
	ctx, end := m.bound(ctx)
	defer func() { err = end(err) }()
	t := m.txn
	m.lockOp()
	defer m.unlockOp()
	if m.txnState() != InTransaction {
		return m.stateErr("SendOffsetsToTransaction", "call it inside a transaction")
	}
	ps, _ := m.Current()
	if !t.v2 {
		code, msg, err := t.coord.run(ctx, "AddOffsetsToTxn", func(conn *wire.Conn) (int16, string, error) {
			req := kmsg.NewPtrAddOffsetsToTxnRequest()
			req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Group = t.id, ps.ID, ps.Epoch, group.GroupID
			r, err := conn.Do(ctx, req)
			if err != nil {
				return 0, "", err
			}
			return r.(*kmsg.AddOffsetsToTxnResponse).ErrorCode, "", nil
		})
		if err := m.offsetsError("AddOffsetsToTxn", code, msg, err); err != nil {
			return err
		}
	}
	t.started.Store(true)
	gc := coordinated{cl: m.cfg.Cluster, key: group.GroupID, keyType: 0, backoff: m.cfg.Backoff}
	code, msg, err := gc.run(ctx, "TxnOffsetCommit", func(conn *wire.Conn) (int16, string, error) {
		req := kmsg.NewPtrTxnOffsetCommitRequest()
		req.TransactionalID, req.Group, req.ProducerID, req.ProducerEpoch = t.id, group.GroupID, ps.ID, ps.Epoch
		req.Generation, req.MemberID, req.InstanceID = group.Generation, group.MemberID, group.GroupInstanceID
		idx := map[string]int{}
		for _, o := range offsets {
			i, ok := idx[o.Topic]
			if !ok {
				i = len(req.Topics)
				idx[o.Topic] = i
				req.Topics = append(req.Topics, kmsg.TxnOffsetCommitRequestTopic{Topic: o.Topic})
			}
			req.Topics[i].Partitions = append(req.Topics[i].Partitions, kmsg.TxnOffsetCommitRequestTopicPartition{
				Partition: o.Partition, Offset: o.Offset, LeaderEpoch: o.LeaderEpoch, Metadata: o.Metadata,
			})
		}
		r, err := conn.DoMax(ctx, req, 5) // v6+ names topics by id
		if err != nil {
			return 0, "", err
		}
		worst := int16(0)
		for _, tp := range r.(*kmsg.TxnOffsetCommitResponse).Topics {
			for _, p := range tp.Partitions {
				if p.ErrorCode != 0 {
					worst = p.ErrorCode
				}
			}
		}
		return worst, "", nil
	})
	return m.offsetsError("TxnOffsetCommit", code, msg, err)
}

// offsetsError classifies the outcome of an offsets request.
func (m *Manager) offsetsError(api string, code int16, msg string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", api, err)
	}
	if code == 0 {
		return nil
	}
	cerr := &CodeError{API: api, Code: code, Msg: msg}
	switch kerr.Code(code) {
	case kerr.ProducerFenced, kerr.InvalidProducerEpoch, kerr.TransactionalIDAuthorizationFailed, kerr.InvalidTxnState, kerr.UnsupportedForMessageFormat:
		m.fatal(cerr)
		return &ProducerFatalError{Err: cerr}
	}
	m.abortable(cerr, false, m.curGen())
	return &AbortableError{Err: cerr}
}

// newTransactional sets up the transaction state for cfg.
func newTransactional(m *Manager) *transactional {
	cfg := m.cfg
	t := &transactional{
		id: cfg.TransactionalID, timeout: int32(cfg.TransactionTimeout / time.Millisecond),
		acc: cfg.Accumulator, flush: cfg.Flush, addWake: make(chan struct{}, 1),
		coord: coordinated{cl: cfg.Cluster, key: cfg.TransactionalID, keyType: 1, backoff: cfg.Backoff},
	}
	t.acc.SetGate(NotInTransaction(Uninitialized))
	return t
}
