package samsa

import (
	"testing"
	"time"
)

// TestRecordClockFollowsWallClock checks recordClock against time.Now
// across several anchor renewals: every reading lies between the wall
// clock read just before and just after it.
func TestRecordClockFollowsWallClock(t *testing.T) {
	var c recordClock
	deadline := time.Now().Add(3 * clockRefresh)
	readings := 0
	for time.Now().Before(deadline) {
		before := time.Now().UnixMilli()
		got := c.nowMilli()
		after := time.Now().UnixMilli()
		if got < before || got > after {
			t.Fatalf("recordClock read %d, outside the wall clock's [%d, %d]", got, before, after)
		}
		readings++
		if readings%1000 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	if c.anchor.Load() == nil {
		t.Fatal("recordClock never anchored")
	}
}

func BenchmarkRecordClock(b *testing.B) {
	var c recordClock
	var sum int64
	for b.Loop() {
		sum += c.nowMilli()
	}
	_ = sum
}

func BenchmarkTimeNowMilli(b *testing.B) {
	var sum int64
	for b.Loop() {
		sum += time.Now().UnixMilli()
	}
	_ = sum
}
