package txn

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/sender"
	"github.com/samsa-go/samsa/internal/wire"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// State is a transactional producer's state.
type State int32

// The states of a transactional producer. StateAbortable allows only an
// abort; StateFatal allows nothing but Close.
const (
	Uninitialized State = iota
	Initializing
	Ready
	InTransaction
	Committing
	Aborting
	StateAbortable
	StateFatal
)

var stateNames = [...]string{"uninitialized", "initializing", "ready", "in a transaction",
	"committing a transaction", "aborting a transaction", "in an abortable error", "in a fatal error"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", s)
}

// StateError reports a transactional call made in a state that does not
// allow it.
type StateError struct {
	Op    string
	State State
	Hint  string
}

func (e *StateError) Error() string {
	s := fmt.Sprintf("%s is not allowed while the producer is %s", e.Op, e.State)
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// AbortableError is why the current transaction cannot commit; aborting it
// makes the producer usable again.
type AbortableError struct{ Err error }

func (e *AbortableError) Error() string { return "the transaction must be aborted: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *AbortableError) Unwrap() error { return e.Err }

// ProducerFatalError is why the producer cannot go on (fenced by a newer
// producer with the same transactional id, or not authorized).
type ProducerFatalError struct{ Err error }

func (e *ProducerFatalError) Error() string { return "the producer cannot continue: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *ProducerFatalError) Unwrap() error { return e.Err }

// ErrAborted is the outcome of records of an aborted transaction that were
// not sent.
var ErrAborted = errors.New("transaction aborted")

// transactional is the transaction state of a Manager with a
// transactional id.
type transactional struct {
	id      string
	timeout int32 // ms
	acc     *accumulator.Accumulator
	flush   func(context.Context) error
	coord   coordinated
	v2      bool // transactions v2 (KIP-890): partitions added by produce requests

	opMu     lockorder.Mutex[lockorder.TxnOp] // one transactional call at a time
	state    atomic.Int32
	abortErr error  // under Manager.mu
	fatalErr error  // under Manager.mu
	needBump bool   // under Manager.mu: sequences broke; bump the epoch after the abort
	failErr  error  // under Manager.mu: unsent records fail with it once no transactional lock is held (failUnsent)
	failGen  uint32 // under Manager.mu: the transaction generation whose records failErr fails
	failAll  bool   // under Manager.mu: failErr fails the records of every generation (fatal)
	started  atomic.Bool

	addRun  lockorder.Mutex[lockorder.TxnAddRun] // held while AddPartitionsToTxn is under way, and by endTxn
	addMu   lockorder.Mutex[lockorder.TxnAdd]
	gen     uint32                   // counts finished transactions (wrapping); stamped on batches (Accumulator.SetTxnGen)
	parts   []*accumulator.Partition // partitions of the current transaction
	pending []*accumulator.Partition // v1: waiting for AddPartitionsToTxn
	addWake chan struct{}
}

// Partition transaction states (accumulator.Partition.TxnState).
const (
	partNone    int32 = 0
	partPending int32 = 1
	partAdded   int32 = 2
)

func (m *Manager) txnState() State { return State(m.txn.state.Load()) }

func (m *Manager) setState(s State) {
	old := State(m.txn.state.Swap(int32(s)))
	if old != s {
		m.log.Debug("transaction state", "from", old.String(), "to", s.String())
	}
}

// stateErr builds the error for op in the current state, preferring the
// fatal or abortable cause when there is one.
func (m *Manager) stateErr(op string, hint string) error {
	m.mu.Lock()
	fatal, abortable := m.txn.fatalErr, m.txn.abortErr
	m.mu.Unlock()
	switch {
	case fatal != nil:
		return &ProducerFatalError{Err: fatal}
	case abortable != nil && m.txnState() == StateAbortable:
		return &AbortableError{Err: abortable}
	}
	return &StateError{Op: op, State: m.txnState(), Hint: hint}
}

// InitTransactions finds the transaction coordinator and gets the
// producer id and epoch for the transactional id, fencing any earlier
// producer with the same id and completing its open transaction. It may be
// called again after it failed.
func (m *Manager) InitTransactions(ctx context.Context) (err error) {
	ctx, end := m.bound(ctx)
	defer func() { err = end(err) }()
	m.lockOp()
	defer m.unlockOp()
	switch st := m.txnState(); st {
	case Uninitialized, Initializing:
	default:
		return m.stateErr("InitTransactions", "it is called once, before the first transaction")
	}
	m.setState(Initializing)
	ps, err := m.initTransactional(ctx, accumulator.NoProducer)
	if err != nil {
		var fatal *ProducerFatalError
		if errors.As(err, &fatal) {
			m.fatal(fatal.Err)
		}
		return err
	}
	m.detectV2()
	m.install(ps)
	m.setState(Ready)
	m.txn.acc.SetGate(NotInTransaction(Ready))
	go m.addLoop()
	return nil
}

// initTransactional sends InitProducerId for the transactional id to its
// coordinator; with cur set, it asks for cur's next epoch (KIP-360).
func (m *Manager) initTransactional(ctx context.Context, cur accumulator.ProducerState) (accumulator.ProducerState, error) {
	var ps accumulator.ProducerState
	code, msg, err := m.txn.coord.run(ctx, "InitProducerId", func(conn *wire.Conn) (int16, string, error) {
		req := kmsg.NewPtrInitProducerIDRequest()
		req.TransactionalID = &m.txn.id
		req.TransactionTimeoutMillis = m.txn.timeout
		req.ProducerID, req.ProducerEpoch = cur.ID, cur.Epoch
		r, err := conn.Do(ctx, req)
		if err != nil {
			return 0, "", err
		}
		resp := r.(*kmsg.InitProducerIDResponse)
		ps = accumulator.ProducerState{ID: resp.ProducerID, Epoch: resp.ProducerEpoch}
		return resp.ErrorCode, "", nil
	})
	if err != nil {
		return ps, err
	}
	if code != 0 {
		cerr := &CodeError{API: "InitProducerId", Code: code, Msg: msg}
		switch kerr.Code(code) {
		case kerr.TransactionalIDAuthorizationFailed, kerr.ClusterAuthorizationFailed, kerr.ProducerFenced, kerr.InvalidProducerEpoch, kerr.InvalidTxnState:
			return ps, &ProducerFatalError{Err: cerr}
		}
		return ps, cerr
	}
	return ps, nil
}

// endTxnVersionV2 is the first EndTxn version of transactions v2
// (KIP-890): its response carries the producer's next epoch.
const endTxnVersionV2 = 5

// detectV2 decides whether the cluster runs transactions v2 (KIP-890):
// the transaction.version feature finalized at 2 or more, and EndTxn v5
// on the coordinator.
func (m *Manager) detectV2() {
	b := m.txn.coord.current()
	if b == nil {
		return
	}
	conn, err := b.Conn(m.ctx, 0)
	if err != nil {
		return
	}
	v := conn.Versions()
	endMax, _ := v.Max(kmsg.EndTxn.Int16())
	m.txn.v2 = v.Feature("transaction.version") >= 2 && endMax >= endTxnVersionV2
	m.log.Debug("transactions", "v2", m.txn.v2, "transaction.version", v.Feature("transaction.version"))
}

// V2 reports whether transactions v2 is in use.
func (m *Manager) V2() bool { return m.txn != nil && m.txn.v2 }

// install makes ps the producer state.
func (m *Manager) install(ps accumulator.ProducerState) {
	m.mu.Lock()
	m.state, m.have = ps, true
	select {
	case <-m.ready:
	default:
		close(m.ready)
	}
	m.mu.Unlock()
}

// fatal moves the producer to the fatal state for good.
func (m *Manager) fatal(err error) {
	m.mu.Lock()
	if m.txn.fatalErr == nil {
		m.txn.fatalErr = err
	}
	m.mu.Unlock()
	m.setState(StateFatal)
	ferr := &ProducerFatalError{Err: err}
	m.txn.acc.SetGate(ferr)
	m.failLater(ferr, m.curGen(), true) // records not sent yet can never commit
	m.log.Error("transactional producer failed", "err", err)
}

// failLater makes the records not sent yet fail with err at the next
// failUnsent. Their callbacks are user code, which must run with no lock
// held (a callback may call the producer, even its transactional
// methods), and fatal and abortable are also called from inside
// transactional calls that hold opMu or addRun: the failure waits for the
// lock's release. The failure belongs to transaction generation gen and
// fails only its records, unless all is set (the producer is fatal: no
// record of any transaction can commit). The first error of a generation
// stays: it is why the transaction failed.
func (m *Manager) failLater(err error, gen uint32, all bool) {
	t := m.txn
	m.mu.Lock()
	switch {
	case t.failErr == nil || !t.failAll && t.failGen != gen: // none, or one left by an ended transaction
		t.failErr, t.failGen, t.failAll = err, gen, all
	case all:
		t.failAll = true
	}
	m.mu.Unlock()
}

// failUnsent fails the records not sent yet with the error failLater
// left, if any. The caller holds no transactional lock: the records'
// callbacks run here. It may run after the failure's transaction ended and
// the next one began (the add loop, a sink or a delivery carry failures
// out concurrently with the transactional calls): it then fails none of
// the new transaction's records, which are in batches of a newer
// generation.
func (m *Manager) failUnsent() {
	t := m.txn
	m.mu.Lock()
	err, gen, all := t.failErr, t.failGen, t.failAll
	t.failErr, t.failAll = nil, false
	m.mu.Unlock()
	switch {
	case err == nil:
	case all:
		t.acc.Abort(err, false)
	default:
		t.acc.AbortTxn(err, gen)
	}
}

// curGen returns the current transaction generation.
func (m *Manager) curGen() uint32 {
	m.txn.addMu.Lock()
	defer m.txn.addMu.Unlock()
	return m.txn.gen
}

// lockOp starts a transactional call (one at a time).
func (m *Manager) lockOp() { m.txn.opMu.Lock() }

// unlockOp ends a transactional call and then fails the records a fatal
// or abortable error met during the call left unsent, with the lock
// released.
func (m *Manager) unlockOp() {
	m.txn.opMu.Unlock()
	m.failUnsent()
}

// abortable records why transaction generation gen cannot commit. An
// error of a transaction that already ended (a batch of it failing late:
// its delivery may still run after the transaction's flush) is dropped:
// it must not make the next transaction abortable.
func (m *Manager) abortable(err error, bump bool, gen uint32) {
	t := m.txn
	// addMu keeps the transaction from ending (finishTxn moves gen under
	// it) between the check and the state change.
	t.addMu.Lock()
	if t.gen != gen {
		t.addMu.Unlock()
		m.log.Debug("error of an ended transaction ignored", "err", err)
		return
	}
	m.mu.Lock()
	if t.abortErr == nil {
		t.abortErr = err
	}
	if bump {
		t.needBump = true
	}
	m.mu.Unlock()
	from := m.toAbortable(err, gen)
	t.addMu.Unlock()
	if from != StateAbortable {
		m.log.Debug("transaction state", "from", from.String(), "to", StateAbortable.String())
		m.log.Warn("transaction must be aborted", "err", err)
	}
}

// toAbortable moves an open transaction to StateAbortable, returning the
// state it left (StateAbortable when it did not move). t.addMu is held.
func (m *Manager) toAbortable(err error, gen uint32) State {
	for {
		st := m.txnState()
		if st != InTransaction && st != Committing {
			return StateAbortable
		}
		if m.txn.state.CompareAndSwap(int32(st), int32(StateAbortable)) {
			// As the Java client does: records not sent yet fail now
			// (the transaction cannot commit them), so that a commit's
			// flush ends and reports the error.
			aerr := &AbortableError{Err: err}
			m.txn.acc.SetGate(aerr)
			m.failLater(aerr, gen, false)
			return st
		}
	}
}

// BeginTransaction starts a transaction.
func (m *Manager) BeginTransaction() error {
	t := m.txn
	m.lockOp()
	defer m.unlockOp()
	if m.txnState() != Ready {
		return m.stateErr("BeginTransaction", "call InitTransactions first, and end the previous transaction")
	}
	m.mu.Lock()
	t.abortErr = nil
	m.mu.Unlock()
	t.started.Store(false)
	m.setState(InTransaction)
	t.acc.SetGate(nil)
	return nil
}

// NotInTransaction is the append gate's error while no transaction is
// open.
func NotInTransaction(state State) error {
	return &StateError{Op: "producing a record", State: state, Hint: "a transactional producer sends only inside a transaction (BeginTransaction)"}
}

// AddPartition notes that p has records in the current transaction. For
// transactions v1 it queues p for AddPartitionsToTxn; sinks send p's
// batches only once that succeeded. It reports whether p became sendable
// (v2), so that the caller wakes p's sink.
func (m *Manager) AddPartition(p *accumulator.Partition) bool {
	if p.TxnState.Load() != partNone {
		return false
	}
	t := m.txn
	t.addMu.Lock()
	if st := m.txnState(); st != InTransaction && st != Committing || !p.TxnState.CompareAndSwap(partNone, partPending) {
		// Not in a transaction: the record appended before the gate
		// closed belongs to a transaction already ending (and flushed).
		t.addMu.Unlock()
		return false
	}
	t.started.Store(true)
	t.parts = append(t.parts, p)
	if t.v2 {
		p.TxnState.Store(partAdded)
		t.addMu.Unlock()
		return true
	}
	t.pending = append(t.pending, p)
	t.addMu.Unlock()
	select {
	case t.addWake <- struct{}{}:
	default:
	}
	return false
}

// InTransaction reports whether a transaction is open (begun and not yet
// committed or aborted).
func (m *Manager) InTransaction() bool {
	switch m.txnState() {
	case InTransaction, Committing, Aborting, StateAbortable:
		return true
	}
	return false
}

// Sendable reports whether p's batches may be sent: always, unless the
// producer is transactional (v1) and p has not been added to the
// transaction yet.
func (m *Manager) Sendable(p *accumulator.Partition) bool {
	return m.txn == nil || p.TxnState.Load() == partAdded
}

// Aborting reports whether an abort is under way: batches coming back
// with errors then fail instead of being retried.
func (m *Manager) Aborting() bool {
	return m.txn != nil && (m.txnState() == Aborting || m.txnState() == StateFatal)
}

// BatchFailed is told of every transactional batch that failed: the
// transaction can no longer commit.
func (m *Manager) BatchFailed(b *accumulator.Batch, err error) {
	if m.txn == nil || errors.Is(err, ErrAborted) || m.txnState() == Aborting {
		return
	}
	var be *sender.BrokerError
	if errors.As(err, &be) {
		switch kerr.Code(be.Code) {
		case kerr.ProducerFenced, kerr.TransactionalIDAuthorizationFailed, kerr.ClusterAuthorizationFailed:
			m.fatal(&CodeError{API: "Produce", Code: be.Code, Msg: be.Msg})
			m.failUnsent()
			return
		}
	}
	m.abortable(fmt.Errorf("records to %s failed: %w", b.P, err), false, b.TxnGen())
	m.failUnsent() // BatchFailed runs in a delivery, under no transactional lock
}

// addLoop sends AddPartitionsToTxn for partitions waiting to be added
// (transactions v1), batching those that queue up meanwhile.
func (m *Manager) addLoop() {
	t := m.txn
	for {
		select {
		case <-t.addWake:
		case <-m.ctx.Done():
			return
		}
		for {
			t.addMu.Lock()
			parts, gen := t.pending, t.gen
			t.pending = nil
			t.addMu.Unlock()
			if len(parts) == 0 || m.ctx.Err() != nil {
				break
			}
			t.addRun.Lock()
			if t.gen == gen { // else the transaction ended while we waited
				m.addPartitions(parts, gen)
			}
			t.addRun.Unlock()
			m.failUnsent() // if the add failed: this goroutine holds no other lock
		}
	}
}

// MaxProduceVersion caps Produce requests: v11 for transactions v1, whose
// partitions are added with AddPartitionsToTxn; v12 otherwise.
func (m *Manager) MaxProduceVersion() int16 {
	if m.txn != nil && !m.txn.v2 {
		return sender.MaxProduceVersionTxnV1
	}
	return sender.MaxProduceVersion
}
