package lockorder

import (
	"strings"
	"sync"
	"testing"
)

// TestOrder takes mutexes in rank order (fine), then out of order and two
// of one rank: with -race each must panic naming both mutexes; without it
// nothing is checked.
func TestOrder(t *testing.T) {
	var part, part2 Mutex[Partition]
	var pool Mutex[Pool]
	var topics RWMutex[Topics]

	topics.RLock()
	part.Lock()
	pool.Lock()
	pool.Unlock() //nolint:staticcheck // empty critical section: only the order matters
	part.Unlock()
	topics.RUnlock()

	mustPanic := func(what, want string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			if !Enabled {
				if r != nil {
					t.Fatalf("%s: panicked without -race: %v", what, r)
				}
				return
			}
			msg, _ := r.(string)
			if !strings.Contains(msg, want) {
				t.Fatalf("%s: recovered %v, want a panic naming %q", what, r, want)
			}
		}()
		f()
	}
	pool.Lock()
	mustPanic("partition under pool", "taking accumulator.Partition.mu (rank 90) while holding accumulator.Pool.mu", func() {
		part.Lock()
		part.Unlock() //nolint:staticcheck // empty critical section: only the order matters
	})
	pool.Unlock()

	part.Lock()
	mustPanic("two partitions", "taking accumulator.Partition.mu (rank 90) while holding accumulator.Partition.mu", func() {
		part2.Lock()
		part2.Unlock() //nolint:staticcheck // empty critical section: only the order matters
	})
	part.Unlock()

	// Unlocked by another goroutine than the one that locked it: the
	// locking goroutine no longer holds it.
	part.Lock()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); part.Unlock() }()
	wg.Wait()
	part2.Lock()
	part2.Unlock() //nolint:staticcheck // empty critical section: only the order matters
}
