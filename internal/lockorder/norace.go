//go:build !race

package lockorder

import "sync"

// Mutex is a sync.Mutex of rank R. Without -race it is exactly a
// sync.Mutex.
type Mutex[R Rank] struct{ sync.Mutex }

// RWMutex is a sync.RWMutex of rank R. Without -race it is exactly a
// sync.RWMutex.
type RWMutex[R Rank] struct{ sync.RWMutex }

// Enabled reports whether lock order is checked (the race-enabled build).
const Enabled = false
