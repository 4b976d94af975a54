package accumulator

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"sync/atomic"
	"time"
)

// Pool is the producer's memory budget (buffer.memory). Batches reserve
// their first buffer's capacity from it before they are created, and what
// a larger buffer adds when they grow (TryReserve, never waiting), and
// release it all when they are delivered. Reserve blocks, first come first
// served, while the budget is exhausted.
type Pool struct {
	total     int64
	available atomic.Int64
	waiting   atomic.Int32 // goroutines queued in Reserve

	mu      lockorder.Mutex[lockorder.Pool]
	waiters []*waiter // FIFO

	waitNanos atomic.Int64 // total time spent blocked (bufferpool-wait-time-total)
}

type waiter struct {
	need  int64
	ready chan struct{} // closed when need was granted
	done  bool          // granted or gave up; under Pool.mu
}

// NewPool returns a pool of total bytes.
func NewPool(total int64) *Pool {
	p := &Pool{total: total}
	p.available.Store(total)
	return p
}

// Total returns the pool's size.
func (p *Pool) Total() int64 { return p.total }

// Available returns the bytes not reserved.
func (p *Pool) Available() int64 { return p.available.Load() }

// Waiting reports how many goroutines are blocked in Reserve.
func (p *Pool) Waiting() int { return int(p.waiting.Load()) }

// WaitTime returns the total time goroutines spent blocked in Reserve.
func (p *Pool) WaitTime() time.Duration { return time.Duration(p.waitNanos.Load()) }

// TryReserve takes n bytes if they are free and nobody is queued ahead.
func (p *Pool) TryReserve(n int64) bool {
	if p.waiting.Load() > 0 {
		return false
	}
	for {
		avail := p.available.Load()
		if avail < n {
			return false
		}
		if p.available.CompareAndSwap(avail, avail-n) {
			return true
		}
	}
}

// Reserve takes n bytes, waiting in line until they are free or ctx ends.
// n must not exceed Total.
func (p *Pool) Reserve(ctx context.Context, n int64) error {
	if p.TryReserve(n) {
		return nil
	}
	start := time.Now()
	defer func() { p.waitNanos.Add(int64(time.Since(start))) }()
	w := &waiter{need: n, ready: make(chan struct{})}
	p.mu.Lock()
	p.waiters = append(p.waiters, w)
	p.waiting.Add(1)
	p.grantLocked()
	p.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if w.done { // granted just as ctx ended: keep it
		return nil
	}
	w.done = true
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			break
		}
	}
	p.waiting.Add(-1)
	p.grantLocked() // the next in line may fit where this one did not
	return ctx.Err()
}

// Release returns n bytes to the pool and wakes waiters they satisfy.
func (p *Pool) Release(n int64) {
	p.available.Add(n)
	if p.waiting.Load() > 0 {
		p.mu.Lock()
		p.grantLocked()
		p.mu.Unlock()
	}
}

// grantLocked hands free bytes to queued waiters in order.
func (p *Pool) grantLocked() {
	for len(p.waiters) > 0 {
		w := p.waiters[0]
		avail := p.available.Load()
		if avail < w.need {
			return
		}
		if !p.available.CompareAndSwap(avail, avail-w.need) {
			continue
		}
		p.waiters = p.waiters[1:]
		p.waiting.Add(-1)
		w.done = true
		close(w.ready)
	}
}
