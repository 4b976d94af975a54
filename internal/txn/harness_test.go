package txn

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/samsa-go/samsa/internal/itest/fakecluster"
	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness is a Manager on a kfake cluster, with the accumulator it gates
// and no sender: the transaction state machine is driven through the
// Manager's methods alone, and error codes are injected into the
// coordinator's responses.
type harness struct {
	t   *testing.T
	kc  *kfake.Cluster
	cl  *cluster.Cluster
	acc *accumulator.Accumulator
	m   *Manager

	mu     sync.Mutex
	resets []accumulator.ProducerState // Config.Reset calls
	wakes  atomic.Int32                // Config.Wake calls
}

// harnessOpts configures a harness.
type harnessOpts struct {
	txnID string // "" for an idempotent (non-transactional) manager
	v1    bool   // a 3.9 broker: transactions v1 (AddPartitionsToTxn)
	// before runs on the harness before the manager starts (to inject
	// errors into its first requests).
	before func(h *harness)
	// busy replaces Config.Busy (default: never busy).
	busy func() int
	// deliver replaces the accumulator's Deliver (default: nothing).
	deliver func(h *harness, b *accumulator.Batch)
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	kopts := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(2, "t")}
	if o.v1 {
		kopts = append(kopts, kfake.MaxVersions(kversion.V3_9_0()))
	}
	kc, cl := fakecluster.New(t, kopts...)
	h := &harness{t: t, kc: kc, cl: cl}
	busy := o.busy
	if busy == nil {
		busy = func() int { return 0 }
	}
	h.acc = accumulator.New(accumulator.Config{
		BatchSize: 16384, Linger: time.Millisecond, BufferMemory: 1 << 20, DeliveryTimeout: time.Minute,
		MaxBlock: time.Second, Transactional: o.txnID != "",
		Wake: func(*accumulator.Partition) {}, Deliver: func(b *accumulator.Batch) {
			if o.deliver != nil {
				o.deliver(h, b)
			}
		},
	})
	h.m = New(Config{
		Cluster: cl, Backoff: cluster.Backoff{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond},
		Busy: busy,
		Reset: func(ps accumulator.ProducerState) {
			h.mu.Lock()
			h.resets = append(h.resets, ps)
			h.mu.Unlock()
		},
		Wake:            func() { h.wakes.Add(1) },
		TransactionalID: o.txnID, TransactionTimeout: time.Minute,
		Accumulator: h.acc,
		Flush:       func(ctx context.Context) error { return h.acc.Flush(ctx) },
	})
	if o.before != nil {
		o.before(h)
	}
	h.m.Start()
	t.Cleanup(func() {
		h.m.Close()
		h.acc.Close()
	})
	return h
}

// ctx returns a context that ends with the test, bounded so that a hang
// fails instead of blocking.
func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// partition returns partition id of topic t in the accumulator.
func (h *harness) partition(id int32) *accumulator.Partition {
	tp := h.acc.AddTopic("t")
	if len(tp.Partitions()) == 0 {
		tp.SetPartitions(2, []int32{0, 1})
	}
	return tp.Partitions()[id]
}

// inject makes the next n requests of key fail with code; FindCoordinator
// requests pass through. It returns the number of requests it answered.
func (h *harness) inject(key kmsg.Key, code int16, n int32) *atomic.Int32 {
	var hits atomic.Int32
	h.kc.ControlKey(key.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		h.kc.KeepControl()
		if hits.Load() >= n {
			return nil, nil, false
		}
		hits.Add(1)
		return respond.Error(req, code), nil, true
	})
	return &hits
}

// state returns the manager's transaction state.
func (h *harness) state() State { return h.m.txnState() }

// waitState waits for the manager to reach want (for transitions made by
// the background add loop).
func (h *harness) waitState(want State) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.state() != want {
		if time.Now().After(deadline) {
			h.t.Fatalf("state %v, want %v", h.state(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// errClass names what kind of error err is, for table comparisons.
func errClass(err error) string {
	var (
		se *StateError
		ae *AbortableError
		fe *ProducerFatalError
	)
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &fe):
		return "fatal"
	case errors.As(err, &ae):
		return "abortable"
	case errors.As(err, &se):
		return "state"
	}
	return "other: " + err.Error()
}

// waitFor waits until cond holds, failing the test after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}
