package txn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/samsa-go/samsa/internal/sender"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Config configures a Manager.
type Config struct {
	Cluster *cluster.Cluster
	Backoff cluster.Backoff
	Logger  *slog.Logger
}

// Manager obtains and holds the producer id and epoch of an idempotent
// producer.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex
	state accumulator.ProducerState
	have  bool
	ready chan struct{} // closed when have becomes true
	err   error         // fatal: the producer cannot get an id

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
	return &Manager{cfg: cfg, log: log, ready: make(chan struct{}), ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// Start requests a producer id in the background, retrying with backoff.
func (m *Manager) Start() {
	go func() {
		defer close(m.done)
		m.acquire()
	}()
}

// Close stops any request in progress.
func (m *Manager) Close() {
	m.cancel()
	<-m.done
}

func (m *Manager) acquire() {
	for attempt := 1; ; attempt++ {
		ps, err := m.initProducerID(m.ctx)
		if err == nil {
			m.mu.Lock()
			m.state, m.have = ps, true
			close(m.ready)
			m.mu.Unlock()
			m.log.Debug("producer id", "id", ps.ID, "epoch", ps.Epoch)
			return
		}
		var fatal *FatalError
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

// FatalError is an InitProducerId failure that retrying cannot fix, such
// as a cluster authorization failure.
type FatalError struct{ Code int16 }

func (e *FatalError) Error() string {
	return fmt.Sprintf("InitProducerId failed with error code %d", e.Code)
}

// initProducerID asks any broker for a producer id (idempotent producers
// need no coordinator).
func (m *Manager) initProducerID(ctx context.Context) (accumulator.ProducerState, error) {
	brokers := m.cfg.Cluster.Brokers()
	if len(brokers) == 0 {
		return accumulator.NoProducer, errors.New("no brokers known")
	}
	var errs []error
	for _, b := range brokers {
		conn, err := b.Conn(ctx, cluster.ControlConn)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		req := kmsg.NewPtrInitProducerIDRequest()
		req.TransactionTimeoutMillis = -1
		req.ProducerID, req.ProducerEpoch = -1, -1
		r, err := conn.Do(ctx, req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		resp := r.(*kmsg.InitProducerIDResponse)
		switch resp.ErrorCode {
		case 0:
			return accumulator.ProducerState{ID: resp.ProducerID, Epoch: resp.ProducerEpoch}, nil
		case 31: // CLUSTER_AUTHORIZATION_FAILED
			return accumulator.NoProducer, &FatalError{Code: resp.ErrorCode}
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

// Ready is closed once the producer id is known.
func (m *Manager) Ready() <-chan struct{} { return m.ready }

// Err returns the fatal error that stopped the manager, if any.
func (m *Manager) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// HandleError decides what to do with a batch that failed with a sequence
// or producer-id error. This first version fails the batch; the KIP-360
// recovery (epoch bump and sequence reset) replaces it.
func (m *Manager) HandleError(b *accumulator.Batch, code int16) sender.Verdict {
	return sender.VerdictFail
}
