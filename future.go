package samsa

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/samsa-go/samsa/internal/accumulator"
)

// Future is the pending outcome of one record, as Send returns it: wait
// for it with Wait, select on Done, or poll it with Result. To run code
// when a record completes, give Produce a callback instead.
type Future struct {
	done      chan struct{}
	completed atomic.Bool
	md        RecordMetadata
	err       error
	acc       *accumulator.Accumulator // to refuse a Wait inside a callback

	// The spooled state (WaitSpooled): spoolState is 0 until the record's
	// batch is durable in the spool (1) or could not be written (2, with
	// spoolErr); spoolCh is made by the first waiter and closed then.
	spoolState atomic.Uint32
	spoolErr   error
	spoolCh    atomic.Pointer[chan struct{}]
}

// spooledClosed marks spoolCh once the spooled state is known.
var spooledClosed = make(chan struct{})

// spooled records that the record is durable in the spool (err nil) or
// could not be written to it; only the first call counts.
func (f *Future) spooled(err error) {
	state := uint32(1)
	if err != nil {
		f.spoolErr, state = err, 2
	}
	if !f.spoolState.CompareAndSwap(0, state) {
		return
	}
	if ch := f.spoolCh.Swap(&spooledClosed); ch != nil && ch != &spooledClosed {
		close(*ch)
	}
}

// WaitSpooled blocks until the record is in the producer's spool
// (SpoolConfig), durable as spool.fsync says, or ctx ends. From then on
// the record survives a crash of the process (or, with spool.fsync
// interval or always, of the machine): a producer opened on the spool
// directory sends it. Its outcome in Kafka comes later, through Wait.
//
// It returns nil once the record is spooled, or once Kafka acknowledged
// it (a record can be acknowledged before the sync that makes its spool
// entry durable); the record's error if it failed before either; a
// *SpoolError if the spool could not take it (the record is still sent,
// from memory); ctx's error if ctx ends first. Without a spool it waits
// for the record's outcome and returns its error.
func (f *Future) WaitSpooled(ctx context.Context) error {
	for {
		switch f.spoolState.Load() {
		case 1:
			return nil
		case 2:
			return f.spoolErr
		}
		ch := f.spoolCh.Load()
		if ch == nil {
			mine := make(chan struct{})
			if !f.spoolCh.CompareAndSwap(nil, &mine) {
				continue
			}
			ch = &mine
		}
		if ch == &spooledClosed {
			continue
		}
		select {
		case <-*ch:
		case <-f.done:
			if f.spoolState.Load() == 0 {
				return f.err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func newFuture(acc *accumulator.Accumulator) *Future {
	return &Future{done: make(chan struct{}), acc: acc}
}

// complete records the outcome; only the first call counts.
func (f *Future) complete(md RecordMetadata, err error) {
	if !f.completed.CompareAndSwap(false, true) {
		return
	}
	f.md, f.err = md, err
	close(f.done)
}

// Wait blocks until the record has its outcome or ctx ends. A ctx that
// ends first returns ctx's error; the record itself goes on. Inside a
// delivery callback, where the outcome may be one the callback's own
// goroutine is to deliver, Wait does not block: for a record without its
// outcome yet it returns an error matching ErrInsideCallback.
func (f *Future) Wait(ctx context.Context) (RecordMetadata, error) {
	select {
	case <-f.done:
		return f.md, f.err
	default:
	}
	if f.acc != nil && f.acc.InDeliver() {
		return RecordMetadata{}, fmt.Errorf("%w: Future.Wait for a record without its outcome yet would wait for the callbacks of the goroutine calling it", ErrInsideCallback)
	}
	select {
	case <-f.done:
		return f.md, f.err
	case <-ctx.Done():
		return RecordMetadata{}, ctx.Err()
	}
}

// Done returns a channel closed when the record has its outcome.
func (f *Future) Done() <-chan struct{} { return f.done }

// Result returns the outcome without waiting. While the record has none
// yet, done is false and md and err are zero.
func (f *Future) Result() (md RecordMetadata, done bool, err error) {
	select {
	case <-f.done:
		return f.md, true, f.err
	default:
		return RecordMetadata{}, false, nil
	}
}

// Send sends r asynchronously, as Produce, and returns its Future.
func (p *Producer) Send(ctx context.Context, r Record) *Future {
	f := newFuture(p.acc)
	_ = p.produce(ctx, &r, f, false)
	return f
}

// SendSync sends r and waits for its outcome, or until ctx ends. Inside a
// delivery callback it would wait for a delivery that the callback's own
// goroutine may be the one to make: it returns an error matching
// ErrInsideCallback there, without sending r (use Produce or Send).
func (p *Producer) SendSync(ctx context.Context, r Record) (RecordMetadata, error) {
	if err := p.refuseInsideCallback("SendSync"); err != nil {
		return RecordMetadata{}, err
	}
	return p.Send(ctx, r).Wait(ctx)
}

// Result is one record's outcome.
type Result struct {
	Metadata RecordMetadata
	Err      error
}

// SendSyncAll sends records in order and waits for all their outcomes, or
// until ctx ends; results[i] is the outcome of records[i]. Inside a
// delivery callback every result is an error matching ErrInsideCallback
// and nothing is sent, as with SendSync.
func (p *Producer) SendSyncAll(ctx context.Context, records []Record) []Result {
	if err := p.refuseInsideCallback("SendSyncAll"); err != nil {
		results := make([]Result, len(records))
		for i := range results {
			results[i].Err = err
		}
		return results
	}
	futures := make([]*Future, len(records))
	for i := range records {
		futures[i] = p.Send(ctx, records[i])
	}
	results := make([]Result, len(records))
	for i, f := range futures {
		results[i].Metadata, results[i].Err = f.Wait(ctx)
	}
	return results
}
