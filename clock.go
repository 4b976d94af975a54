package samsa

import (
	"sync/atomic"
	"time"
)

// clockRefresh is how often recordClock re-reads the wall clock, and so
// how long a step of the system clock (not a slew) can go unnoticed.
const clockRefresh = 100 * time.Millisecond

// recordClock gives records their default timestamps. time.Now reads both
// the wall and the monotonic clock, which is a large share of the cost of
// producing a record; recordClock reads only the monotonic clock and adds
// it to a wall-clock anchor that it renews every clockRefresh. Safe for
// concurrent use.
type recordClock struct {
	anchor atomic.Pointer[clockAnchor]
}

type clockAnchor struct {
	at     time.Time // carries a monotonic reading
	unixNs int64     // at's wall time
}

// nowMilli returns the current wall-clock time in milliseconds since the
// Unix epoch.
func (c *recordClock) nowMilli() int64 {
	a := c.anchor.Load()
	if a != nil {
		if d := time.Since(a.at); d >= 0 && d < clockRefresh {
			return (a.unixNs + int64(d)) / int64(time.Millisecond)
		}
	}
	now := time.Now()
	c.anchor.Store(&clockAnchor{at: now, unixNs: now.UnixNano()})
	return now.UnixMilli()
}
