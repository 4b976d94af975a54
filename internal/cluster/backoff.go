package cluster

import (
	"math/rand/v2"
	"time"
)

// Backoff computes exponential backoff with jitter: base·2^(n-1), capped
// at max, then scaled by a random factor in [0.8, 1.2), as the Java client
// does for reconnect.backoff.ms and retry.backoff.ms (KIP-580).
type Backoff struct {
	Base, Max time.Duration
}

// Delay returns the wait before attempt n+1 after n consecutive failures
// (n >= 1); zero for n <= 0.
func (b Backoff) Delay(n int) time.Duration {
	if n <= 0 || b.Base <= 0 {
		return 0
	}
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	if b.Max > 0 && d > b.Max {
		d = b.Max
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
