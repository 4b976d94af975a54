package samsa

import (
	"runtime"
	"sync/atomic"
	"time"
)

// yielder lets the producer's own goroutines run while a caller produces
// without pause on a single processor (GOMAXPROCS 1, as in a container
// limited to one CPU). Go preempts a running goroutine only after about
// 10 ms. Until then, a sink goroutine that a linger timer or a response
// made runnable waits, and batches stay open well past linger.ms: at 1000
// partitions with random keys on one CPU, p50 latency was 43-55 ms and p99
// 150-300 ms with a 5 ms linger, and RSS was 1.05-1.36x kgo's. So Produce gives up the processor once per linger.ms (at least
// once per millisecond) while GOMAXPROCS is 1. With more processors the
// sender runs on another one, and Produce never yields.
type yielder struct {
	gap  int64        // milliseconds between yields
	next atomic.Int64 // unix milliseconds of the next yield
	oneP atomic.Bool  // GOMAXPROCS was 1 when last looked at
}

// init sets the interval from linger.ms and notes GOMAXPROCS.
func (y *yielder) init(linger time.Duration) {
	y.gap = max(int64(linger/time.Millisecond), 1)
	y.oneP.Store(runtime.GOMAXPROCS(0) == 1)
}

// due reports whether a caller producing at nowMs (unix milliseconds)
// should yield now, and schedules the next yield. Callers of many
// goroutines may race here; at worst two of them yield.
func (y *yielder) due(nowMs int64) bool {
	if !y.passed(nowMs, y.next.Load()) {
		return false
	}
	y.next.Store(nowMs + y.gap)
	one := runtime.GOMAXPROCS(0) == 1 // once per gap: GOMAXPROCS can change
	y.oneP.Store(one)
	return one
}

// mayYield reports, cheaply enough for every record, whether Produce
// should call yieldIfDue: nowMs is the record's default timestamp (unix
// milliseconds), or 0 when the caller set its own, and then the clock
// is read only while GOMAXPROCS is 1.
func (y *yielder) mayYield(nowMs int64) bool {
	if nowMs == 0 {
		return y.oneP.Load()
	}
	return y.passed(nowMs, y.next.Load())
}

// passed reports whether nowMs is at or after next, or more than a gap
// before it: the wall clock was set back, and waiting for it to catch up
// would stop the yields for as long.
func (y *yielder) passed(nowMs, next int64) bool {
	return nowMs >= next || nowMs < next-y.gap
}

// yieldIfDue yields the processor if it is time to (see yielder).
func (p *Producer) yieldIfDue(nowMs int64) {
	if nowMs == 0 {
		nowMs = p.clock.nowMilli()
	}
	if p.yield.due(nowMs) {
		runtime.Gosched()
	}
}
