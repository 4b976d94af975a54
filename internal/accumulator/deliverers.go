package accumulator

import (
	"sync/atomic"

	"github.com/samsa-go/samsa/internal/goid"
)

// delivererSlots is how many goroutines can be known to be running a
// Deliver hook at once: each broker's sink, plus the goroutines failing
// records (Close, AbortTransaction, expiry). With more at once every
// outcome is still delivered; only InDeliver may then miss one of them.
const delivererSlots = 64

// deliverers records which goroutines are running a Deliver hook now, so
// that what would wait for them (a Flush, an append waiting for memory
// that only they free) can tell it is running on one of them. It costs
// two atomic operations per batch, none per record.
type deliverers struct {
	slots [delivererSlots]atomic.Uintptr
}

// enter records the calling goroutine as running a Deliver hook; the returned
// slot goes to leave.
func (c *deliverers) enter() int {
	g := goid.Current()
	for i := range c.slots {
		if c.slots[i].Load() == 0 && c.slots[i].CompareAndSwap(0, g) {
			return i
		}
	}
	return -1
}

// leave forgets what enter recorded.
func (c *deliverers) leave(slot int) {
	if slot >= 0 {
		c.slots[slot].Store(0)
	}
}

// inside reports whether the calling goroutine is running a Deliver hook.
func (c *deliverers) inside() bool {
	g := goid.Current()
	for i := range c.slots {
		if c.slots[i].Load() == g {
			return true
		}
	}
	return false
}

// InDeliver reports whether the calling goroutine is running the Deliver
// hook (the records' callbacks): a wait there for outcomes or memory
// would wait for itself.
func (a *Accumulator) InDeliver() bool { return a.deliverers.inside() }

// EnterDeliver counts the calling goroutine as running the Deliver hook
// until LeaveDeliver(slot), for a goroutine that runs records' callbacks
// outside it (as Deliver's do, InDeliver then reports it and its appends
// do not wait for memory).
func (a *Accumulator) EnterDeliver() (slot int) { return a.deliverers.enter() }

// LeaveDeliver ends what EnterDeliver began.
func (a *Accumulator) LeaveDeliver(slot int) { a.deliverers.leave(slot) }
