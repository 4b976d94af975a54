package goid

import (
	"sync"
	"testing"
)

// TestCurrentTellsGoroutinesApart: each of several goroutines, alive at
// the same time, gets an identity of its own, the same on every call.
func TestCurrentTellsGoroutinesApart(t *testing.T) {
	const n = 16
	ids := make([]uintptr, n)
	var started, hold sync.WaitGroup
	started.Add(n)
	hold.Add(1)
	var done sync.WaitGroup
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			ids[i] = Current()
			started.Done()
			hold.Wait() // alive until every identity was taken
			if again := Current(); again != ids[i] {
				t.Errorf("goroutine %d: identity %#x then %#x", i, ids[i], again)
			}
		}()
	}
	started.Wait()
	hold.Done()
	done.Wait()
	seen := map[uintptr]int{Current(): -1}
	for i, id := range ids {
		if id == 0 {
			t.Fatalf("goroutine %d: identity 0", i)
		}
		if j, dup := seen[id]; dup {
			t.Fatalf("goroutines %d and %d share identity %#x", j, i, id)
		}
		seen[id] = i
	}
}
