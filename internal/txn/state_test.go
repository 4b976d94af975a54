package txn

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/sender"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// op is one transactional call, by name.
type op string

const (
	opInit    op = "init"
	opBegin   op = "begin"
	opCommit  op = "commit"
	opAbort   op = "abort"
	opOffsets op = "offsets"
)

// do runs o on h's manager and returns its error.
func (h *harness) do(o op) error {
	m := h.m
	switch o {
	case opInit:
		return m.InitTransactions(h.ctx())
	case opBegin:
		return m.BeginTransaction()
	case opCommit:
		return m.CommitTransaction(h.ctx())
	case opAbort:
		return m.AbortTransaction(h.ctx())
	case opOffsets:
		return m.SendOffsets(h.ctx(), []Offset{{Topic: "t", Partition: 0, Offset: 7, LeaderEpoch: -1}},
			GroupMetadata{GroupID: "g", Generation: -1})
	}
	panic("unknown op " + o)
}

// reach brings h's manager to state from a fresh one.
func (h *harness) reach(state State) {
	h.t.Helper()
	must := func(o op) {
		if err := h.do(o); err != nil {
			h.t.Fatalf("%s on the way to %v: %v", o, state, err)
		}
	}
	switch state {
	case Uninitialized:
	case Ready:
		must(opInit)
	case InTransaction:
		must(opInit)
		must(opBegin)
	case StateAbortable:
		must(opInit)
		must(opBegin)
		h.m.abortable(errors.New("injected"), false, h.m.curGen())
	case StateFatal:
		must(opInit)
		h.m.fatal(errors.New("injected"))
	default:
		h.t.Fatalf("cannot reach %v", state)
	}
	if h.state() != state {
		h.t.Fatalf("reached %v, want %v", h.state(), state)
	}
}

// TestTransitions drives every transactional call from every state a
// caller can observe between calls, and checks the error class and the
// state after it (the table is the state machine of DESIGN.md).
func TestTransitions(t *testing.T) {
	for _, tc := range []struct {
		from    State
		op      op
		wantErr string
		to      State
	}{
		{Uninitialized, opInit, "ok", Ready},
		{Uninitialized, opBegin, "state", Uninitialized},
		{Uninitialized, opCommit, "state", Uninitialized},
		{Uninitialized, opAbort, "state", Uninitialized},
		{Uninitialized, opOffsets, "state", Uninitialized},

		{Ready, opInit, "state", Ready},
		{Ready, opBegin, "ok", InTransaction},
		{Ready, opCommit, "state", Ready},
		{Ready, opAbort, "state", Ready},
		{Ready, opOffsets, "state", Ready},

		{InTransaction, opInit, "state", InTransaction},
		{InTransaction, opBegin, "state", InTransaction},
		{InTransaction, opCommit, "ok", Ready},
		{InTransaction, opAbort, "ok", Ready},
		{InTransaction, opOffsets, "ok", InTransaction},

		{StateAbortable, opInit, "abortable", StateAbortable},
		{StateAbortable, opBegin, "abortable", StateAbortable},
		{StateAbortable, opCommit, "abortable", StateAbortable},
		{StateAbortable, opOffsets, "abortable", StateAbortable},
		{StateAbortable, opAbort, "ok", Ready},

		{StateFatal, opInit, "fatal", StateFatal},
		{StateFatal, opBegin, "fatal", StateFatal},
		{StateFatal, opCommit, "fatal", StateFatal},
		{StateFatal, opAbort, "fatal", StateFatal},
		{StateFatal, opOffsets, "fatal", StateFatal},
	} {
		t.Run(tc.from.String()+"/"+string(tc.op), func(t *testing.T) {
			h := newHarness(t, harnessOpts{txnID: "tx"})
			h.reach(tc.from)
			err := h.do(tc.op)
			if got := errClass(err); got != tc.wantErr {
				t.Fatalf("%s in %v: %v (%s), want %s", tc.op, tc.from, err, got, tc.wantErr)
			}
			if h.state() != tc.to {
				t.Fatalf("%s in %v: state %v, want %v", tc.op, tc.from, h.state(), tc.to)
			}
			// The append gate is open exactly inside a transaction.
			gateOpen := h.acc.Append(h.ctx(), h.partition(0), &accumulator.Record{Value: []byte("v")}, true) == nil
			if want := tc.to == InTransaction; gateOpen != want {
				t.Fatalf("in %v the gate is open=%v, want %v", tc.to, gateOpen, want)
			}
		})
	}
}

// TestInitProducerIDErrors injects each class of InitProducerId error into
// InitTransactions.
func TestInitProducerIDErrors(t *testing.T) {
	for _, tc := range []struct {
		code    kerr.Code
		wantErr string
		to      State
	}{
		{kerr.TransactionalIDAuthorizationFailed, "fatal", StateFatal},
		{kerr.ClusterAuthorizationFailed, "fatal", StateFatal},
		{kerr.ProducerFenced, "fatal", StateFatal},
		{kerr.InvalidProducerEpoch, "fatal", StateFatal},
		{kerr.InvalidTxnState, "fatal", StateFatal},
		{kerr.CoordinatorLoadInProgress, "ok", Ready},
		{kerr.ConcurrentTransactions, "ok", Ready},
		{kerr.NotCoordinator, "ok", Ready},
		{kerr.UnknownServerError, "other", Initializing},
	} {
		t.Run(tc.code.Name(), func(t *testing.T) {
			h := newHarness(t, harnessOpts{txnID: "tx"})
			hits := h.inject(kmsg.InitProducerID, int16(tc.code), 1)
			err := h.do(opInit)
			if got := errClass(err); !strings.HasPrefix(got, tc.wantErr) {
				t.Fatalf("InitTransactions with %v: %v (%s), want %s", tc.code.Name(), err, got, tc.wantErr)
			}
			if h.state() != tc.to || hits.Load() != 1 {
				t.Fatalf("state %v after %d injections, want %v after 1", h.state(), hits.Load(), tc.to)
			}
			var ce *CodeError
			if tc.wantErr != "ok" && (!errors.As(err, &ce) || ce.Code != int16(tc.code) || ce.API != "InitProducerId") {
				t.Fatalf("error %v does not carry InitProducerId's code %d", err, tc.code)
			}
			if tc.to == Initializing {
				// Not fatal: InitTransactions may be called again.
				if err := h.do(opInit); err != nil || h.state() != Ready {
					t.Fatalf("InitTransactions again: %v, state %v", err, h.state())
				}
			}
		})
	}
}

// TestEndTxnErrors injects EndTxn errors into commits and aborts of a
// transaction that reached the coordinator (transactions v1, where
// AddPartitionsToTxn registers the partition with kfake).
func TestEndTxnErrors(t *testing.T) {
	for _, tc := range []struct {
		op      op
		code    kerr.Code
		wantErr string
		to      State
		bumped  bool // the next transaction runs under a new epoch
	}{
		{opCommit, kerr.ProducerFenced, "fatal", StateFatal, false},
		{opCommit, kerr.TransactionalIDAuthorizationFailed, "fatal", StateFatal, false},
		{opCommit, kerr.InvalidProducerEpoch, "abortable", StateAbortable, false},
		{opCommit, kerr.InvalidTxnState, "abortable", StateAbortable, false},
		{opCommit, kerr.UnknownServerError, "abortable", StateAbortable, false},
		{opCommit, kerr.ConcurrentTransactions, "ok", Ready, false},
		{opCommit, kerr.NotCoordinator, "ok", Ready, false},
		{opCommit, kerr.CoordinatorNotAvailable, "ok", Ready, false},
		{opCommit, kerr.CoordinatorLoadInProgress, "ok", Ready, false},
		{opAbort, kerr.ProducerFenced, "fatal", StateFatal, false},
		{opAbort, kerr.InvalidProducerEpoch, "ok", Ready, true}, // KIP-588: the abort recovers with the next epoch
		{opAbort, kerr.InvalidTxnState, "ok", Ready, true},
		{opAbort, kerr.ConcurrentTransactions, "ok", Ready, true}, // v1: an abort after records moves to a new epoch anyway
	} {
		t.Run(string(tc.op)+"/"+tc.code.Name(), func(t *testing.T) {
			h := newHarness(t, harnessOpts{txnID: "tx", v1: true})
			h.reach(InTransaction)
			before, _ := h.m.Current()
			p := h.partition(0)
			h.m.AddPartition(p)
			waitFor(t, func() bool { return h.m.Sendable(p) })
			hits := h.inject(kmsg.EndTxn, int16(tc.code), 1)
			err := h.do(tc.op)
			if got := errClass(err); got != tc.wantErr {
				t.Fatalf("%s with %v: %v (%s), want %s", tc.op, tc.code.Name(), err, got, tc.wantErr)
			}
			if h.state() != tc.to || hits.Load() != 1 {
				t.Fatalf("state %v after %d injections, want %v after 1", h.state(), hits.Load(), tc.to)
			}
			after, _ := h.m.Current()
			if bumped := after.Epoch > before.Epoch; bumped != tc.bumped {
				t.Fatalf("epoch %d -> %d, want bumped=%v", before.Epoch, after.Epoch, tc.bumped)
			}
			if tc.to == Ready && h.m.Sendable(p) {
				t.Fatal("a partition of the ended transaction is still added to it")
			}
			if tc.to == StateAbortable {
				// Abort makes the producer usable again, under a new
				// epoch for sequence errors.
				if err := h.do(opAbort); err != nil || h.state() != Ready {
					t.Fatalf("abort after %v: %v, state %v", tc.code.Name(), err, h.state())
				}
			}
		})
	}
}

// TestAddPartitionsErrors injects AddPartitionsToTxn errors (v1): the
// background add loop makes the transaction abortable or the producer
// fatal, or retries.
func TestAddPartitionsErrors(t *testing.T) {
	for _, tc := range []struct {
		code kerr.Code
		to   State
	}{
		{kerr.ProducerFenced, StateFatal},
		{kerr.InvalidProducerEpoch, StateFatal},
		{kerr.TransactionalIDAuthorizationFailed, StateFatal},
		{kerr.InvalidTxnState, StateFatal},
		{kerr.TopicAuthorizationFailed, StateAbortable},
		{kerr.UnknownServerError, StateAbortable},
		{kerr.ConcurrentTransactions, InTransaction},
		{kerr.OperationNotAttempted, InTransaction},
		{kerr.CoordinatorLoadInProgress, InTransaction},
	} {
		t.Run(tc.code.Name(), func(t *testing.T) {
			h := newHarness(t, harnessOpts{txnID: "tx", v1: true})
			h.reach(InTransaction)
			hits := h.inject(kmsg.AddPartitionsToTxn, int16(tc.code), 1)
			p := h.partition(1)
			if h.m.AddPartition(p) {
				t.Fatal("v1: a partition is sendable before AddPartitionsToTxn")
			}
			if h.m.AddPartition(p) {
				t.Fatal("a partition added twice")
			}
			if tc.to == InTransaction {
				// Added after the retry: sendable, and the sender woken
				// (just after the partition is marked added).
				waitFor(t, func() bool { return h.m.Sendable(p) && h.wakes.Load() > 0 })
				if hits.Load() != 1 || h.state() != InTransaction {
					t.Fatalf("%d injections, state %v", hits.Load(), h.state())
				}
				return
			}
			h.waitState(tc.to)
			if h.m.Sendable(p) {
				t.Fatal("a partition AddPartitionsToTxn refused is sendable")
			}
		})
	}
}

// TestSendOffsetsErrors injects errors into AddOffsetsToTxn (v1) and
// TxnOffsetCommit.
func TestSendOffsetsErrors(t *testing.T) {
	for _, key := range []kmsg.Key{kmsg.AddOffsetsToTxn, kmsg.TxnOffsetCommit} {
		for _, tc := range []struct {
			code    kerr.Code
			wantErr string
			to      State
		}{
			{kerr.ProducerFenced, "fatal", StateFatal},
			{kerr.InvalidProducerEpoch, "fatal", StateFatal},
			{kerr.UnsupportedForMessageFormat, "fatal", StateFatal},
			{kerr.GroupAuthorizationFailed, "abortable", StateAbortable},
			{kerr.IllegalGeneration, "abortable", StateAbortable},
			{kerr.CoordinatorLoadInProgress, "ok", InTransaction},
			{kerr.RebalanceInProgress, "ok", InTransaction},
		} {
			t.Run(key.Name()+"/"+tc.code.Name(), func(t *testing.T) {
				h := newHarness(t, harnessOpts{txnID: "tx", v1: true})
				h.reach(InTransaction)
				hits := h.inject(key, int16(tc.code), 1)
				err := h.do(opOffsets)
				if got := errClass(err); got != tc.wantErr {
					t.Fatalf("%v: %v (%s), want %s", tc.code.Name(), err, got, tc.wantErr)
				}
				if h.state() != tc.to || hits.Load() != 1 {
					t.Fatalf("state %v after %d injections, want %v after 1", h.state(), hits.Load(), tc.to)
				}
			})
		}
	}
}

// TestBatchFailedAndHandleError: a failed transactional batch makes the
// transaction abortable, or the producer fatal for fencing and
// authorization; sequence errors inside a transaction never bump.
func TestBatchFailedAndHandleError(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(m *Manager, b *accumulator.Batch)
		to   State
	}{
		{"BatchFailed/fenced", func(m *Manager, b *accumulator.Batch) {
			m.BatchFailed(b, &sender.BrokerError{Code: int16(kerr.ProducerFenced)})
		}, StateFatal},
		{"BatchFailed/authorization", func(m *Manager, b *accumulator.Batch) {
			m.BatchFailed(b, &sender.BrokerError{Code: int16(kerr.TransactionalIDAuthorizationFailed)})
		}, StateFatal},
		{"BatchFailed/timeout", func(m *Manager, b *accumulator.Batch) {
			m.BatchFailed(b, &sender.TimeoutError{Last: errors.New("slow")})
		}, StateAbortable},
		{"BatchFailed/aborted", func(m *Manager, b *accumulator.Batch) { m.BatchFailed(b, ErrAborted) }, InTransaction},
		{"HandleError/fenced", func(m *Manager, b *accumulator.Batch) {
			if v := m.HandleError(b, int16(kerr.ProducerFenced)); v != sender.VerdictFail {
				panic("verdict")
			}
		}, StateFatal},
		{"HandleError/unknown producer", func(m *Manager, b *accumulator.Batch) {
			if v := m.HandleError(b, int16(kerr.UnknownProducerID)); v != sender.VerdictFail {
				panic("verdict")
			}
		}, StateAbortable},
		{"RequestBump", func(m *Manager, _ *accumulator.Batch) { m.RequestBump("sequence trouble") }, StateAbortable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{txnID: "tx"})
			h.reach(InTransaction)
			b := &accumulator.Batch{P: h.partition(0)}
			tc.call(h.m, b)
			if h.state() != tc.to {
				t.Fatalf("state %v, want %v", h.state(), tc.to)
			}
			if h.m.Bumps() != 0 {
				t.Fatal("a transactional producer bumped its epoch outside an abort")
			}
		})
	}
}

// TestAbortAfterSequenceErrorBumps: an abort after an abortable error that
// broke sequences moves to a new epoch, and Reset restarts the sequences.
func TestAbortAfterSequenceErrorBumps(t *testing.T) {
	h := newHarness(t, harnessOpts{txnID: "tx"})
	h.reach(InTransaction)
	before, _ := h.m.Current()
	h.m.RequestBump("out of order")
	if err := h.do(opAbort); err != nil {
		t.Fatal(err)
	}
	after, _ := h.m.Current()
	h.mu.Lock()
	resets := append([]accumulator.ProducerState(nil), h.resets...)
	h.mu.Unlock()
	if after.ID != before.ID || after.Epoch != before.Epoch+1 || len(resets) != 1 || resets[0] != after {
		t.Fatalf("epoch %v -> %v, resets %v; want one reset to the next epoch", before, after, resets)
	}
}

// TestIdempotentEpochBump: an idempotent producer gets its id in the
// background, and UNKNOWN_PRODUCER_ID for a batch of the current epoch
// bumps it (KIP-360), once, however many batches report it; a batch of an
// older epoch bumps no more.
func TestIdempotentEpochBump(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	select {
	case <-h.m.Ready():
	case <-h.ctx().Done():
		t.Fatal("no producer id")
	}
	cur, ok := h.m.Current()
	if !ok || cur.ID < 0 || h.m.Transactional() || !h.m.Sendable(h.partition(0)) {
		t.Fatalf("idempotent manager: %v %v", cur, ok)
	}
	b := &accumulator.Batch{P: h.partition(0), ProducerID: cur.ID, ProducerEpoch: cur.Epoch}
	if v := h.m.HandleError(b, int16(kerr.UnknownProducerID)); v != sender.VerdictRetry {
		t.Fatalf("verdict %v", v)
	}
	h.m.HandleError(b, int16(kerr.InvalidProducerEpoch)) // while bumping: ignored
	select {
	case <-h.m.Ready():
	case <-h.ctx().Done():
		t.Fatal("the bump did not finish")
	}
	// Kafka answers with the next epoch of the same id; kfake with a new
	// id. Either way the producer runs under the state the broker gave,
	// and Reset restarted the sequences under it.
	next, _ := h.m.Current()
	h.mu.Lock()
	resets := append([]accumulator.ProducerState(nil), h.resets...)
	h.mu.Unlock()
	if next == cur || h.m.Bumps() != 1 || len(resets) != 1 || resets[0] != next {
		t.Fatalf("%v -> %v after %d bumps, resets %v; want one bump to a new state", cur, next, h.m.Bumps(), resets)
	}
	// A batch of the old epoch reporting the same error bumps no more.
	if v := h.m.HandleError(b, int16(kerr.UnknownProducerID)); v != sender.VerdictRetry || h.m.Bumps() != 1 {
		t.Fatalf("stale batch: verdict %v, %d bumps", v, h.m.Bumps())
	}
	if v := h.m.HandleError(b, int16(kerr.MessageTooLarge)); v != sender.VerdictFail {
		t.Fatalf("other code: verdict %v", v)
	}
	if h.wakes.Load() == 0 {
		t.Fatal("the bump did not wake the sender")
	}
}

// TestIdempotentFatalInit: CLUSTER_AUTHORIZATION_FAILED leaves the
// idempotent producer without an id, for good.
func TestIdempotentFatalInit(t *testing.T) {
	hh := newHarness(t, harnessOpts{before: func(h *harness) {
		h.inject(kmsg.InitProducerID, int16(kerr.ClusterAuthorizationFailed), 1)
	}})
	waitFor(t, func() bool { return hh.m.Err() != nil })
	var fe *ProducerFatalError
	if !errors.As(hh.m.Err(), &fe) {
		t.Fatalf("Err() = %v, want a ProducerFatalError", hh.m.Err())
	}
	if _, ok := hh.m.Current(); ok {
		t.Fatal("a producer id after a fatal error")
	}
}

// TestNames: states, errors and codes print what they are.
func TestNames(t *testing.T) {
	for s, want := range map[State]string{Uninitialized: "uninitialized", StateAbortable: "in an abortable error",
		StateFatal: "in a fatal error", State(42): "state(42)"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", s, s.String(), want)
		}
	}
	se := &StateError{Op: "BeginTransaction", State: Ready, Hint: "end it first"}
	ce := &CodeError{API: "EndTxn", Code: int16(kerr.ProducerFenced), Msg: "newer producer"}
	for _, c := range []struct {
		err  error
		want string
	}{
		{se, "BeginTransaction is not allowed while the producer is ready: end it first"},
		{ce, "EndTxn failed with error code 90: newer producer"},
		{&AbortableError{Err: ce}, "the transaction must be aborted: EndTxn failed"},
		{&ProducerFatalError{Err: ce}, "the producer cannot continue: EndTxn failed"},
		{NotInTransaction(Ready), "producing a record is not allowed while the producer is ready"},
	} {
		if !strings.HasPrefix(c.err.Error(), c.want) {
			t.Errorf("%q, want prefix %q", c.err.Error(), c.want)
		}
	}
	if !errors.Is(&ProducerFatalError{Err: ce}, ce) || !errors.Is(&AbortableError{Err: ce}, ce) {
		t.Error("wrapped causes do not unwrap")
	}
}

// TestWorstAddCode: a real failure outranks OPERATION_NOT_ATTEMPTED.
func TestWorstAddCode(t *testing.T) {
	resp := func(codes ...kerr.Code) *kmsg.AddPartitionsToTxnResponse {
		r := kmsg.NewPtrAddPartitionsToTxnResponse()
		rt := kmsg.AddPartitionsToTxnResponseTopic{Topic: "t"}
		for i, c := range codes {
			rt.Partitions = append(rt.Partitions, kmsg.AddPartitionsToTxnResponseTopicPartition{Partition: int32(i), ErrorCode: int16(c)})
		}
		r.Topics = append(r.Topics, rt)
		return r
	}
	for _, c := range []struct {
		codes []kerr.Code
		want  kerr.Code
	}{
		{[]kerr.Code{0, 0}, 0},
		{[]kerr.Code{kerr.OperationNotAttempted, kerr.TopicAuthorizationFailed}, kerr.TopicAuthorizationFailed},
		{[]kerr.Code{kerr.TopicAuthorizationFailed, kerr.OperationNotAttempted}, kerr.TopicAuthorizationFailed},
		{[]kerr.Code{0, kerr.OperationNotAttempted}, kerr.OperationNotAttempted},
	} {
		if got := kerr.Code(worstAddCode(resp(c.codes...))); got != c.want {
			t.Errorf("%v: %v, want %v", c.codes, got, c.want)
		}
	}
}

// TestNewEpochWaitsForDrainsUnderTheOld: a v2 commit moves the producer
// to a new epoch (EndTxn's answer). A sink that read the old epoch just
// before (Busy) may still be draining under it; the next transaction may
// begin only once it is done, or its first records go out under the old
// epoch and the broker answers INVALID_PRODUCER_EPOCH (root
// TestTransactionErrorCodes failed so under load, 2 in 5 -race runs).
func TestNewEpochWaitsForDrainsUnderTheOld(t *testing.T) {
	var busy atomic.Int32
	h := newHarness(t, harnessOpts{txnID: "tx", busy: func() int { return int(busy.Load()) }})
	h.reach(InTransaction)
	before, _ := h.m.Current()
	p := h.partition(0)
	h.m.AddPartition(p)
	waitFor(t, func() bool { return h.m.Sendable(p) })
	// EndTxn v5 answers with the next epoch (kfake does not bump for a
	// transaction that sent nothing).
	h.kc.ControlKey(kmsg.EndTxn.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		r := req.(*kmsg.EndTxnRequest)
		resp := r.ResponseKind().(*kmsg.EndTxnResponse)
		resp.ProducerID, resp.ProducerEpoch = r.ProducerID, r.ProducerEpoch+1
		return resp, nil, true
	})
	busy.Store(1) // a sink between reading the producer state and sending
	done := make(chan error, 1)
	go func() { done <- h.m.CommitTransaction(h.ctx()) }()
	waitFor(t, func() bool { cur, _ := h.m.Current(); return cur.Epoch > before.Epoch })
	time.Sleep(50 * time.Millisecond)
	if st := h.state(); st == Ready {
		t.Fatal("the transaction ended (Ready) while a drain under the old epoch was under way")
	}
	busy.Store(0)
	if err := <-done; err != nil {
		t.Fatalf("CommitTransaction: %v", err)
	}
	if st := h.state(); st != Ready {
		t.Fatalf("state %v after the commit, want Ready", st)
	}
}
