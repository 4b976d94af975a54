package samsa

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/samsa-go/samsa/internal/goid"
)

// ErrInsideCallback reports a call made inside a delivery callback (or an
// acknowledgement or batch hook), where it would wait for itself: Flush,
// CommitTransaction and AbortTransaction wait for outcomes that the
// goroutine running the callback delivers once the callback returns.
// Make the call from another goroutine. Close inside a callback does not
// wait: see Close. (The Java client refuses flush inside a callback in
// the same way.)
var ErrInsideCallback = errors.New("samsa: not allowed inside a delivery callback")

// callbackSlots is how many goroutines can be known to be running
// callbacks at once: each broker's sink, plus the goroutines failing
// records (Close, AbortTransaction, expiry). A producer with more at
// once still delivers every outcome; only the refusal above may then
// miss a call from one of them.
const callbackSlots = 64

// callbackGoroutines records which goroutines are running a batch's
// callbacks and hooks now, so that a call that would wait for them is
// refused instead of waiting for ever. It costs two atomic operations per
// batch, none per record.
type callbackGoroutines struct {
	slots [callbackSlots]atomic.Uintptr
}

// enter records the calling goroutine as running callbacks; the returned
// slot goes to leave.
func (c *callbackGoroutines) enter() int {
	g := goid.Current()
	for i := range c.slots {
		if c.slots[i].Load() == 0 && c.slots[i].CompareAndSwap(0, g) {
			return i
		}
	}
	return -1
}

// leave forgets what enter recorded.
func (c *callbackGoroutines) leave(slot int) {
	if slot >= 0 {
		c.slots[slot].Store(0)
	}
}

// inside reports whether the calling goroutine is running callbacks.
func (c *callbackGoroutines) inside() bool {
	g := goid.Current()
	for i := range c.slots {
		if c.slots[i].Load() == g {
			return true
		}
	}
	return false
}

// refuseInsideCallback returns the error for op called inside a callback,
// or nil elsewhere.
func (p *Producer) refuseInsideCallback(op string) error {
	if !p.inCallback.inside() {
		return nil
	}
	return fmt.Errorf("%w: %s would wait for the callbacks of the goroutine calling it; call it from another goroutine", ErrInsideCallback, op)
}

// closeInsideCallback starts Close with an ended context on a goroutine of
// its own, which the callback's goroutine does not wait for.
func (p *Producer) closeInsideCallback(ctx context.Context) error {
	p.closing.Store(true)
	ended, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cancel()
	go p.Close(ended) //nolint:errcheck // a Close from another goroutine reports it
	return fmt.Errorf("%w: Close started without waiting; records without an outcome fail with ErrProducerClosed", ErrInsideCallback)
}
