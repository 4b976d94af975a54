//go:build race

package lockorder

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Mutex is a sync.Mutex of rank R whose Lock checks the lock order.
type Mutex[R Rank] struct{ mu sync.Mutex }

// Lock checks that the goroutine holds no mutex of rank R or above, then
// locks m.
func (m *Mutex[R]) Lock() {
	var r R
	g := check(r)
	m.mu.Lock()
	push(g, unsafe.Pointer(m), r, true)
}

// TryLock locks m if it is free. A failed TryLock cannot deadlock, so
// only a successful one is recorded (and checked).
func (m *Mutex[R]) TryLock() bool {
	var r R
	g := check(r)
	if !m.mu.TryLock() {
		return false
	}
	push(g, unsafe.Pointer(m), r, true)
	return true
}

// Unlock unlocks m; the goroutine that locked it stops holding it.
func (m *Mutex[R]) Unlock() {
	popOwned(unsafe.Pointer(m))
	m.mu.Unlock()
}

// RWMutex is a sync.RWMutex of rank R whose Lock and RLock check the lock
// order.
type RWMutex[R Rank] struct{ mu sync.RWMutex }

// Lock checks the order and write-locks m.
func (m *RWMutex[R]) Lock() {
	var r R
	g := check(r)
	m.mu.Lock()
	push(g, unsafe.Pointer(m), r, true)
}

// Unlock write-unlocks m.
func (m *RWMutex[R]) Unlock() {
	popOwned(unsafe.Pointer(m))
	m.mu.Unlock()
}

// RLock checks the order and read-locks m.
func (m *RWMutex[R]) RLock() {
	var r R
	g := check(r)
	m.mu.RLock()
	push(g, unsafe.Pointer(m), r, false)
}

// RUnlock read-unlocks m.
func (m *RWMutex[R]) RUnlock() {
	popShared(goid(), unsafe.Pointer(m))
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
	stacks  = map[int64][]held{}         // per goroutine, in locking order
	owners  = map[unsafe.Pointer]int64{} // exclusive holder of each locked mutex
)

// check panics if the calling goroutine holds a mutex of r's rank or
// above, and returns the goroutine's id.
func check(r Rank) int64 {
	n, name := r.rank()
	g := goid()
	stateMu.Lock()
	var bad *held
	for i, h := range stacks[g] {
		if h.rank >= n {
			bad = &stacks[g][i]
			break
		}
	}
	var all []string
	if bad != nil {
		for _, h := range stacks[g] {
			all = append(all, fmt.Sprintf("%s (rank %d)", h.name, h.rank))
		}
	}
	stateMu.Unlock()
	if bad != nil {
		panic(fmt.Sprintf("lockorder: taking %s (rank %d) while holding %s (rank %d); held: %s",
			name, n, bad.name, bad.rank, strings.Join(all, ", ")))
	}
	return g
}

func push(g int64, m unsafe.Pointer, r Rank, exclusive bool) {
	n, name := r.rank()
	stateMu.Lock()
	stacks[g] = append(stacks[g], held{m: m, rank: n, name: name})
	if exclusive {
		owners[m] = g
	}
	stateMu.Unlock()
}

// popOwned forgets an exclusively locked mutex, which another goroutine
// than the one that locked it may unlock.
func popOwned(m unsafe.Pointer) {
	stateMu.Lock()
	g, ok := owners[m]
	delete(owners, m)
	stateMu.Unlock()
	if ok {
		popShared(g, m)
	}
}

func popShared(g int64, m unsafe.Pointer) {
	stateMu.Lock()
	defer stateMu.Unlock()
	s := stacks[g]
	for i := len(s) - 1; i >= 0; i-- {
		if s[i].m == m {
			s = append(s[:i], s[i+1:]...)
			break
		}
	}
	if len(s) == 0 {
		delete(stacks, g)
	} else {
		stacks[g] = s
	}
}

// goid returns the calling goroutine's id, from the first line of its
// stack trace ("goroutine 123 [running]:"). Costly; race builds only.
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = b[len("goroutine "):]
	var id int64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}
