package samsa

import (
	"context"
	"sync"
	"time"
)

// Future is the pending outcome of one record, as Send returns it. It can
// be waited on, polled, and given callbacks that run when it completes
// (at once if it already has).
type Future struct {
	done chan struct{}

	mu        sync.Mutex
	completed bool
	md        RecordMetadata
	err       error
	thens     []func(RecordMetadata, error)
}

func newFuture() *Future { return &Future{done: make(chan struct{})} }

func (f *Future) complete(md RecordMetadata, err error) {
	f.mu.Lock()
	if f.completed {
		f.mu.Unlock()
		return
	}
	f.completed, f.md, f.err = true, md, err
	thens := f.thens
	f.thens = nil
	f.mu.Unlock()
	close(f.done)
	for _, fn := range thens {
		fn(md, err)
	}
}

// Wait blocks until the record has its outcome or ctx ends. A ctx that
// ends first returns ctx's error; the record itself goes on.
func (f *Future) Wait(ctx context.Context) (RecordMetadata, error) {
	select {
	case <-f.done:
		return f.md, f.err
	case <-ctx.Done():
		return RecordMetadata{}, ctx.Err()
	}
}

// WaitTimeout is Wait with a timeout instead of a context.
func (f *Future) WaitTimeout(d time.Duration) (RecordMetadata, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return f.Wait(ctx)
}

// Done returns a channel closed when the record has its outcome.
func (f *Future) Done() <-chan struct{} { return f.done }

// IsDone reports whether the record has its outcome.
func (f *Future) IsDone() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// Succeeded reports whether the record was acknowledged.
func (f *Future) Succeeded() bool { return f.IsDone() && f.err == nil }

// Failed reports whether the record failed.
func (f *Future) Failed() bool { return f.IsDone() && f.err != nil }

// Result returns the outcome without waiting; ok is false while there is
// none yet.
func (f *Future) Result() (md RecordMetadata, err error, ok bool) {
	if !f.IsDone() {
		return RecordMetadata{}, nil, false
	}
	return f.md, f.err, true
}

// Then arranges for fn to run with the outcome: on the producer goroutine
// that completes the record, or at once on this one if it is complete.
// It returns f, so calls chain.
func (f *Future) Then(fn func(RecordMetadata, error)) *Future {
	f.mu.Lock()
	if !f.completed {
		f.thens = append(f.thens, fn)
		f.mu.Unlock()
		return f
	}
	f.mu.Unlock()
	fn(f.md, f.err)
	return f
}

// OnSuccess arranges for fn to run if the record is acknowledged.
func (f *Future) OnSuccess(fn func(RecordMetadata)) *Future {
	return f.Then(func(md RecordMetadata, err error) {
		if err == nil {
			fn(md)
		}
	})
}

// OnError arranges for fn to run if the record fails.
func (f *Future) OnError(fn func(error)) *Future {
	return f.Then(func(_ RecordMetadata, err error) {
		if err != nil {
			fn(err)
		}
	})
}

// Send sends r asynchronously, as Produce, and returns its Future.
func (p *Producer) Send(ctx context.Context, r Record) *Future {
	f := newFuture()
	p.produce(ctx, &r, f, false)
	return f
}

// SendSync sends r and waits for its outcome, or until ctx ends.
func (p *Producer) SendSync(ctx context.Context, r Record) (RecordMetadata, error) {
	return p.Send(ctx, r).Wait(ctx)
}

// Result is one record's outcome.
type Result struct {
	Metadata RecordMetadata
	Err      error
}

// SendSyncAll sends records in order and waits for all their outcomes, or
// until ctx ends; results[i] is the outcome of records[i].
func (p *Producer) SendSyncAll(ctx context.Context, records []Record) []Result {
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
