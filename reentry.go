package samsa

import (
	"context"
	"errors"
	"fmt"
)

// ErrInsideCallback reports a call made inside a delivery callback (or an
// acknowledgement or batch hook), where it would wait for itself: Flush,
// CommitTransaction, AbortTransaction, Transact, SendSync, SendSyncAll and
// Future.Wait wait for outcomes that the goroutine running the callback may be the one
// to deliver, once the callback returns.
// Make the call from another goroutine. Close inside a callback does not
// wait: see Close. (The Java client refuses flush inside a callback in
// the same way.)
var ErrInsideCallback = errors.New("samsa: not allowed inside a delivery callback")

// refuseInsideCallback returns the error for op called inside a callback,
// or nil elsewhere.
func (p *Producer) refuseInsideCallback(op string) error {
	if !p.acc.InDeliver() {
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
