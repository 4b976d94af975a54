// Package lockorder gives every mutex of the module a rank and, in the
// race-enabled build only, checks the lock order at run time.
//
// A mutex is declared as Mutex[R] or RWMutex[R], where R is one of the
// rank types below. Ranks go from outer (taken first) to inner: a
// goroutine may take a mutex only while every mutex it holds has a lower
// rank. Two mutexes of the same rank (two partitions, two brokers) are
// never held together. Leaf ranks are the highest: nothing is taken while
// a leaf is held.
//
// Without the race detector Mutex[R] is a sync.Mutex and RWMutex[R] a
// sync.RWMutex with nothing added: the check costs nothing. With -race,
// Lock panics, before it blocks, when the calling goroutine holds a mutex
// of equal or higher rank, naming both; the CI run with -race therefore
// fails on any path that would take locks out of order, whether or not
// the interleaving that deadlocks happens in that run. DESIGN.md ("Locks
// and their order") lists the same ranks.
package lockorder
