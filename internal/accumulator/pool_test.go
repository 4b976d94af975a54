package accumulator

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// waitUntil polls cond until it holds, failing after a generous timeout.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPoolReserveRelease(t *testing.T) {
	p := NewPool(1000)
	if p.Total() != 1000 || p.Available() != 1000 {
		t.Fatalf("new pool: total %d, available %d", p.Total(), p.Available())
	}
	if !p.TryReserve(600) || p.Available() != 400 {
		t.Fatalf("after TryReserve(600): available %d", p.Available())
	}
	if p.TryReserve(401) {
		t.Fatal("TryReserve(401) succeeded with 400 free")
	}
	if err := p.Reserve(context.Background(), 400); err != nil || p.Available() != 0 {
		t.Fatalf("Reserve(400): %v, available %d", err, p.Available())
	}
	p.Release(1000)
	if p.Available() != 1000 || p.Waiting() != 0 || p.WaitTime() != 0 {
		t.Fatalf("after release: available %d, waiting %d, wait time %v", p.Available(), p.Waiting(), p.WaitTime())
	}
}

// queue starts a goroutine that reserves n bytes and reports on granted,
// and waits until it is queued.
func queue(t *testing.T, p *Pool, ctx context.Context, id int, n int64, granted chan<- int, errs chan<- error) {
	t.Helper()
	before := p.Waiting()
	go func() {
		if err := p.Reserve(ctx, n); err != nil {
			errs <- err
			return
		}
		granted <- id
	}()
	waitUntil(t, "a waiter to queue", func() bool { return p.Waiting() == before+1 })
}

func TestPoolWaitersServedFIFO(t *testing.T) {
	p := NewPool(100)
	if !p.TryReserve(100) {
		t.Fatal("TryReserve(100) on an empty pool failed")
	}
	granted := make(chan int, 10)
	errs := make(chan error, 10)
	ctx := context.Background()
	// A large request first: the small ones behind it must not overtake it.
	queue(t, p, ctx, 1, 80, granted, errs)
	queue(t, p, ctx, 2, 10, granted, errs)
	queue(t, p, ctx, 3, 10, granted, errs)
	if p.TryReserve(1) {
		t.Fatal("TryReserve jumped the queue")
	}
	p.Release(50) // enough for 2 and 3, not for 1 at the head
	time.Sleep(20 * time.Millisecond)
	if len(granted) != 0 || p.Waiting() != 3 {
		t.Fatalf("waiters behind the head were served: %d granted, %d waiting", len(granted), p.Waiting())
	}
	// 80 free: the head. Then 10 at a time: 2, then 3.
	for _, step := range []struct {
		release int64
		want    int
	}{{30, 1}, {10, 2}, {10, 3}} {
		p.Release(step.release)
		select {
		case got := <-granted:
			if got != step.want {
				t.Fatalf("waiter %d served, want %d", got, step.want)
			}
		case err := <-errs:
			t.Fatal(err)
		case <-time.After(30 * time.Second):
			t.Fatalf("waiter %d never served", step.want)
		}
		time.Sleep(10 * time.Millisecond)
		if len(granted) != 0 {
			t.Fatalf("more than waiter %d served", step.want)
		}
	}
	if p.Available() != 0 || p.Waiting() != 0 {
		t.Fatalf("available %d, waiting %d", p.Available(), p.Waiting())
	}
	if p.WaitTime() <= 0 {
		t.Fatalf("wait time %v after waits", p.WaitTime())
	}
}

func TestPoolWaiterGivesUp(t *testing.T) {
	p := NewPool(100)
	p.TryReserve(95)
	granted := make(chan int, 10)
	errs := make(chan error, 10)
	ctx, cancel := context.WithCancel(context.Background())
	queue(t, p, ctx, 1, 50, granted, errs)                 // will give up
	queue(t, p, context.Background(), 2, 5, granted, errs) // fits once 1 leaves
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled waiter got %v", err)
	}
	select {
	case id := <-granted:
		if id != 2 {
			t.Fatalf("waiter %d granted", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiter behind a cancelled one was not served")
	}
	if p.Available() != 0 || p.Waiting() != 0 {
		t.Fatalf("available %d, waiting %d", p.Available(), p.Waiting())
	}
}

// TestPoolNeverOverdrawn reserves and releases from many goroutines and
// checks that the pool is never overdrawn and ends whole.
func TestPoolNeverOverdrawn(t *testing.T) {
	const total = 1000
	p := NewPool(total)
	var held sync.Mutex
	inUse := int64(0)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				n := int64(1 + (g*37+i*13)%400)
				if err := p.Reserve(context.Background(), n); err != nil {
					t.Error(err)
					return
				}
				held.Lock()
				inUse += n
				if inUse > total {
					t.Errorf("%d bytes reserved from a pool of %d", inUse, total)
				}
				held.Unlock()
				if a := p.Available(); a < 0 {
					t.Errorf("available %d", a)
				}
				held.Lock()
				inUse -= n
				held.Unlock()
				p.Release(n)
			}
		}()
	}
	wg.Wait()
	if p.Available() != total || p.Waiting() != 0 {
		t.Fatalf("available %d, waiting %d at the end", p.Available(), p.Waiting())
	}
}
