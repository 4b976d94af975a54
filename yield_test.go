package samsa

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// TestYielderOncePerLingerOnOneProcessor: with GOMAXPROCS 1 a producing
// caller is told to yield once per linger.ms, not more often; with more
// processors never, and records with their own timestamps are considered
// only while GOMAXPROCS is 1.
func TestYielderOncePerLingerOnOneProcessor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var y yielder
	y.init(5 * time.Millisecond)
	if !y.mayYield(0) {
		t.Fatal("GOMAXPROCS 1: a record with its own timestamp is not considered")
	}
	var yields []int64
	for ms := int64(1000); ms < 1020; ms++ {
		if y.mayYield(ms) && y.due(ms) {
			yields = append(yields, ms)
		}
	}
	if want := []int64{1000, 1005, 1010, 1015}; !slices.Equal(yields, want) {
		t.Fatalf("GOMAXPROCS 1, linger 5 ms: yields at %v, want %v", yields, want)
	}

	if !y.mayYield(900) || !y.due(900) || y.due(901) {
		t.Fatal("GOMAXPROCS 1: the clock set back 120 ms stopped the yields")
	}

	runtime.GOMAXPROCS(2)
	if y.due(2000) {
		t.Fatal("GOMAXPROCS 2: told to yield")
	}
	if y.mayYield(0) {
		t.Fatal("GOMAXPROCS 2: a record with its own timestamp reads the clock")
	}
	runtime.GOMAXPROCS(1)
	var z yielder
	z.init(0)
	if !z.due(1) || z.due(1) || !z.mayYield(2) {
		t.Fatal("linger 0: not once a millisecond")
	}
}
