//go:build race

package lockorder

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/samsa-go/samsa/internal/goid"
)

// Mutex is a sync.Mutex of rank R whose Lock checks the lock order.
type Mutex[R Rank] struct {
	mu    sync.Mutex
	owner uintptr // the goroutine holding mu; under mu
}

// Lock checks that the goroutine holds no mutex of rank R or above, then
// locks m.
func (m *Mutex[R]) Lock() {
	var r R
	g := enter(r, unsafe.Pointer(m))
	m.mu.Lock()
	m.owner = g
}

// TryLock locks m if it is free. A failed TryLock cannot deadlock, but
// the order is checked either way: the caller could as well have waited.
func (m *Mutex[R]) TryLock() bool {
	var r R
	g := enter(r, unsafe.Pointer(m))
	if !m.mu.TryLock() {
		leave(g, unsafe.Pointer(m))
		return false
	}
	m.owner = g
	return true
}

// Unlock unlocks m; the goroutine that locked it (which need not be the
// caller) stops holding it.
func (m *Mutex[R]) Unlock() {
	leave(m.owner, unsafe.Pointer(m))
	m.mu.Unlock()
}

// RWMutex is a sync.RWMutex of rank R whose Lock and RLock check the lock
// order.
type RWMutex[R Rank] struct {
	mu    sync.RWMutex
	owner uintptr // the goroutine write-holding mu; under mu
}

// Lock checks the order and write-locks m.
func (m *RWMutex[R]) Lock() {
	var r R
	g := enter(r, unsafe.Pointer(m))
	m.mu.Lock()
	m.owner = g
}

// Unlock write-unlocks m.
func (m *RWMutex[R]) Unlock() {
	leave(m.owner, unsafe.Pointer(m))
	m.mu.Unlock()
}

// RLock checks the order and read-locks m.
func (m *RWMutex[R]) RLock() {
	var r R
	enter(r, unsafe.Pointer(m))
	m.mu.RLock()
}

// RUnlock read-unlocks m. The goroutine that read-locked it must unlock it.
func (m *RWMutex[R]) RUnlock() {
	leave(goid.Current(), unsafe.Pointer(m))
	m.mu.RUnlock()
}

// Enabled reports whether lock order is checked (the race-enabled build).
const Enabled = true

type held struct {
	m    unsafe.Pointer
	rank int
	name string
}

var (
	stateMu sync.Mutex
	stacks  = map[uintptr]*[]held{} // per goroutine, in locking order
	spare   []*[]held               // emptied stacks, reused so that locking allocates nothing
)

// enter panics if the calling goroutine holds a mutex of r's rank or
// above; otherwise it records that the goroutine holds (or is about to
// hold) m, and returns the goroutine's identity.
func enter(r Rank, m unsafe.Pointer) uintptr {
	n, name := r.rank()
	g := goid.Current()
	stateMu.Lock()
	s := stacks[g]
	if s == nil {
		if k := len(spare); k > 0 {
			s, spare = spare[k-1], spare[:k-1]
		} else {
			s = new([]held)
		}
		stacks[g] = s
	}
	for _, h := range *s {
		if h.rank >= n {
			msg := describe(*s, h, n, name)
			stateMu.Unlock()
			panic(msg)
		}
	}
	*s = append(*s, held{m: m, rank: n, name: name})
	stateMu.Unlock()
	return g
}

func describe(s []held, bad held, n int, name string) string {
	all := make([]string, 0, len(s))
	for _, h := range s {
		all = append(all, fmt.Sprintf("%s (rank %d)", h.name, h.rank))
	}
	return fmt.Sprintf("lockorder: taking %s (rank %d) while holding %s (rank %d); held: %s",
		name, n, bad.name, bad.rank, strings.Join(all, ", "))
}

// leave forgets that goroutine g holds m.
func leave(g uintptr, m unsafe.Pointer) {
	stateMu.Lock()
	defer stateMu.Unlock()
	s := stacks[g]
	if s == nil {
		return
	}
	for i := len(*s) - 1; i >= 0; i-- {
		if (*s)[i].m == m {
			*s = append((*s)[:i], (*s)[i+1:]...)
			break
		}
	}
	if len(*s) == 0 {
		delete(stacks, g)
		if len(spare) < 1024 {
			spare = append(spare, s)
		}
	}
}
