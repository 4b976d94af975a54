package txn

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/samsa-go/samsa/internal/sender"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Config configures a Manager.
type Config struct {
	Cluster *cluster.Cluster
	Backoff cluster.Backoff
	Logger  *slog.Logger
	// Busy reports produce requests in flight or about to be sent; an
	// epoch bump waits for none.
	Busy func() int
	// Reset restarts every partition's sequences under a new producer
	// state, failing batches that cannot safely be resent.
	Reset func(accumulator.ProducerState)
	// Wake tells the sender a new producer state is ready.
	Wake func()

	// TransactionalID makes the producer transactional; the fields below
	// are used only then.
	TransactionalID    string
	TransactionTimeout time.Duration
	Accumulator        *accumulator.Accumulator
	// Flush sends every buffered record and waits for their outcomes.
	Flush func(context.Context) error
}

// Manager obtains and holds the producer id and epoch of an idempotent
// producer.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu      lockorder.Mutex[lockorder.TxnManager]
	state   accumulator.ProducerState
	have    bool
	bumping bool
	ready   chan struct{} // closed when have becomes true
	err     error         // fatal: the producer cannot get an id
	bumps   int
	wg      sync.WaitGroup
	txn     *transactional // nil unless transactional

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a manager; Start obtains the first producer id.
func New(cfg Config) *Manager {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{cfg: cfg, log: log, ready: make(chan struct{}), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	if cfg.TransactionalID != "" {
		m.txn = newTransactional(m)
	}
	return m
}

// Transactional reports whether the manager has a transactional id.
func (m *Manager) Transactional() bool { return m.txn != nil }

// Start requests a producer id in the background, retrying with backoff;
// a transactional producer gets it from InitTransactions instead.
func (m *Manager) Start() {
	if m.txn != nil {
		close(m.done)
		return
	}
	go func() {
		defer close(m.done)
		m.acquire()
	}()
}

// ErrClosed is returned (wrapped, with the context's error) by a
// transactional call that Close cut off, or that came after it.
var ErrClosed = errors.New("the producer closed")

// bound returns ctx, ended also when the manager closes, for a call that
// may wait on the coordinator: the coordinator loop retries until its
// context ends, and a closed cluster never answers. end turns the call's
// error into one matching ErrClosed when Close ended it.
func (m *Manager) bound(ctx context.Context) (context.Context, func(error) error) {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(m.ctx, func() { cancel(ErrClosed) })
	return ctx, func(err error) error {
		stop()
		closed := errors.Is(context.Cause(ctx), ErrClosed)
		cancel(nil)
		if err != nil && closed {
			return fmt.Errorf("%w: %w", ErrClosed, err)
		}
		return err
	}
}

// Close stops any request in progress.
func (m *Manager) Close() {
	m.cancel()
	<-m.done
	m.wg.Wait()
}

func (m *Manager) acquire() {
	for attempt := 1; ; attempt++ {
		ps, err := m.initProducerID(m.ctx, accumulator.NoProducer)
		if err == nil {
			m.mu.Lock()
			m.state, m.have = ps, true
			close(m.ready)
			m.mu.Unlock()
			m.log.Debug("producer id", "id", ps.ID, "epoch", ps.Epoch)
			return
		}
		var fatal *ProducerFatalError
		if errors.As(err, &fatal) {
			m.mu.Lock()
			m.err = err
			m.mu.Unlock()
			m.log.Error("cannot obtain a producer id", "err", err)
			return
		}
		m.log.Debug("InitProducerId failed; retrying", "err", err, "attempt", attempt)
		t := time.NewTimer(m.cfg.Backoff.Delay(attempt))
		select {
		case <-t.C:
		case <-m.ctx.Done():
			t.Stop()
			return
		}
	}
}

// initProducerID asks any broker for a producer id (idempotent producers
// need no coordinator). With a current state cur, it asks for cur's next
// epoch (KIP-360, InitProducerId v3+), or for a new id from brokers too
// old for that.
func (m *Manager) initProducerID(ctx context.Context, cur accumulator.ProducerState) (accumulator.ProducerState, error) {
	brokers := m.cfg.Cluster.LeastLoaded()
	if len(brokers) == 0 {
		return accumulator.NoProducer, errors.New("no brokers known")
	}
	var errs []error
	for b := range cluster.AskOrder(brokers) {
		conn, err := b.Conn(ctx, cluster.ControlConn)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		req := kmsg.NewPtrInitProducerIDRequest()
		req.TransactionTimeoutMillis = -1
		req.ProducerID, req.ProducerEpoch = -1, -1
		if v, _ := conn.Versions().Max(req.Key()); cur.ID >= 0 && v >= 3 {
			req.ProducerID, req.ProducerEpoch = cur.ID, cur.Epoch
		}
		r, err := conn.Do(ctx, req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		resp := r.(*kmsg.InitProducerIDResponse)
		switch kerr.Code(resp.ErrorCode) {
		case 0:
			return accumulator.ProducerState{ID: resp.ProducerID, Epoch: resp.ProducerEpoch}, nil
		case kerr.ClusterAuthorizationFailed:
			return accumulator.NoProducer, &ProducerFatalError{Err: &CodeError{API: "InitProducerId", Code: resp.ErrorCode}}
		case kerr.InvalidProducerEpoch, kerr.UnknownProducerID: // start over with a new id
			return m.initProducerID(ctx, accumulator.NoProducer)
		default:
			errs = append(errs, fmt.Errorf("InitProducerId from broker %s: error code %d", b, resp.ErrorCode))
		}
	}
	return accumulator.NoProducer, errors.Join(errs...)
}

// Current returns the producer id and epoch, once known.
func (m *Manager) Current() (accumulator.ProducerState, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state, m.have
}

// Ready returns a channel closed once the producer state is usable.
func (m *Manager) Ready() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ready
}

// Bumps counts the epoch bumps so far.
func (m *Manager) Bumps() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bumps
}

// Err returns the fatal error that stopped the manager, if any.
func (m *Manager) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// HandleError decides what to do with an idempotent batch that failed
// with a sequence or producer-id error (KIP-360).
//
// OUT_OF_ORDER_SEQUENCE_NUMBER for a batch that is not the next one the
// broker expects means an earlier batch has not been written yet: the
// batch is retried behind it. For the expected batch, and for
// UNKNOWN_PRODUCER_ID and INVALID_PRODUCER_EPOCH, the broker's state and
// ours disagree: the producer moves to a new epoch, which restarts every
// sequence, and the batch is resent under it (it was certainly not
// written: the broker refused it).
func (m *Manager) HandleError(b *accumulator.Batch, code int16) sender.Verdict {
	if kerr.Code(code) == kerr.OutOfOrderSequenceNumber && !b.P.NextExpected(b) {
		// An earlier batch (retried, say after CONCURRENT_TRANSACTIONS
		// while the previous transaction's markers were written, or split
		// after MESSAGE_TOO_LARGE) is not in yet: this one waits its turn.
		return sender.VerdictWaitTurn
	}
	if m.txn != nil {
		// Inside a transaction the epoch cannot move: the transaction
		// must be aborted, and the abort moves to a new epoch.
		if kerr.Code(code) == kerr.ProducerFenced {
			m.fatal(&CodeError{API: "Produce", Code: code})
		} else {
			m.abortable(&CodeError{API: "Produce", Code: code}, true, b.TxnGen())
		}
		m.failUnsent() // on a sink goroutine, under no lock
		return sender.VerdictFail
	}
	switch kerr.Code(code) {
	case kerr.OutOfOrderSequenceNumber: // for the next expected batch
		m.RequestBump("the broker refused the next expected sequence of " + b.P.String())
		return sender.VerdictRetry
	case kerr.UnknownProducerID, kerr.InvalidProducerEpoch:
		if cur, ok := m.Current(); !ok || (b.ProducerID == cur.ID && b.ProducerEpoch == cur.Epoch) {
			m.RequestBump(fmt.Sprintf("error code %d for %s", code, b.P.String()))
		}
		return sender.VerdictRetry
	}
	return sender.VerdictFail
}

// RequestBump moves the producer to a new epoch in the background: sinks
// stop draining, the bump waits until no produce request is in flight,
// gets the next epoch with InitProducerId, and restarts every partition's
// sequences. Requests while one is under way, or before the first id, are
// ignored.
func (m *Manager) RequestBump(reason string) {
	if m.txn != nil {
		m.abortable(errors.New(reason), true, m.curGen())
		m.failUnsent() // the sender asks under no lock
		return
	}
	m.mu.Lock()
	if m.bumping || !m.have || m.ctx.Err() != nil {
		m.mu.Unlock()
		return
	}
	m.bumping, m.have = true, false
	m.ready = make(chan struct{})
	m.wg.Add(1)
	cur := m.state
	m.mu.Unlock()
	m.log.Info("bumping the producer epoch", "producer_id", cur.ID, "epoch", cur.Epoch, "reason", reason)
	go m.bump()
}

// waitIdle waits until no produce request is in flight or being drained
// (Config.Busy), so that none is under the producer state being
// replaced. It reports false if the manager closed meanwhile.
func (m *Manager) waitIdle() bool {
	for m.cfg.Busy != nil && m.cfg.Busy() > 0 {
		if !sleep(m.ctx, 2*time.Millisecond) {
			return false
		}
	}
	return true
}

func (m *Manager) bump() {
	defer m.wg.Done()
	if !m.waitIdle() {
		return
	}
	m.mu.Lock()
	cur := m.state
	m.mu.Unlock()
	for attempt := 1; ; attempt++ {
		next, err := m.initProducerID(m.ctx, cur)
		if err == nil {
			if m.cfg.Reset != nil {
				m.cfg.Reset(next)
			}
			m.mu.Lock()
			m.state, m.have, m.bumping = next, true, false
			m.bumps++
			close(m.ready)
			m.mu.Unlock()
			m.log.Info("producer epoch bumped", "producer_id", next.ID, "epoch", next.Epoch, "old_producer_id", cur.ID, "old_epoch", cur.Epoch)
			if m.cfg.Wake != nil {
				m.cfg.Wake()
			}
			return
		}
		m.log.Warn("epoch bump failed; retrying", "err", err, "attempt", attempt)
		if !sleep(m.ctx, m.cfg.Backoff.Delay(attempt)) {
			return
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
