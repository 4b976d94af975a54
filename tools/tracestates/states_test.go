package main

import (
	"bytes"
	"runtime"
	"runtime/trace"
	"strings"
	"testing"
	"time"
)

// blockedWorker waits for ch, then spins for a while.
func blockedWorker(ch <-chan struct{}, done chan<- struct{}) {
	<-ch
	spin(2 * time.Millisecond)
	close(done)
}

// wakeWorker wakes the worker.
func wakeWorker(ch chan<- struct{}) { close(ch) }

func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}

// TestSummarizeAttributesStatesAndWakers traces a goroutine that blocks on
// a channel for a known time and is woken by a known function, and checks
// that the summary puts that wait, its waker and the worker's running time
// under the worker's role.
func TestSummarizeAttributesStatesAndWakers(t *testing.T) {
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	ch, done := make(chan struct{}), make(chan struct{})
	go blockedWorker(ch, done)
	time.Sleep(20 * time.Millisecond)
	wakeWorker(ch)
	<-done
	runtime.Gosched()
	trace.Stop()

	s, err := Summarize(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// In a test binary the package is named by its import path.
	const worker = "tracestates.blockedWorker"
	r := s.Roles[worker]
	if r == nil {
		t.Fatalf("no role %s among %d roles", worker, len(s.Roles))
	}
	if r.Goroutines != 1 {
		t.Errorf("%s: %d goroutines, want 1", worker, r.Goroutines)
	}
	var waited time.Duration
	for k, v := range r.States {
		if strings.HasPrefix(k, "Waiting:chan receive@"+worker+":") {
			waited += time.Duration(v)
		}
	}
	if waited < 15*time.Millisecond {
		t.Errorf("waited %v on the channel in the summary, want at least 15ms (states %v)", waited, r.States)
	}
	if ran := time.Duration(r.States["Running"]); ran < time.Millisecond {
		t.Errorf("ran %v, want at least the 2ms spin", ran)
	}
	woken := false
	for k, n := range r.Wakers {
		if strings.HasPrefix(k, "tracestates.wakeWorker:") && n == 1 {
			woken = true
		}
	}
	if !woken {
		t.Errorf("wakers %v, want one wake by tracestates.wakeWorker", r.Wakers)
	}
	var out bytes.Buffer
	s.Print(&out, 50, 10, 10)
	if !strings.Contains(out.String(), worker+" (1 goroutines)") {
		t.Errorf("printed summary lacks the worker's role:\n%s", out.String())
	}
}

// TestSummarizeRejectsWhatIsNotATrace checks a clear error for a file that
// is not an execution trace.
func TestSummarizeRejectsWhatIsNotATrace(t *testing.T) {
	if _, err := Summarize(strings.NewReader("not a trace")); err == nil {
		t.Fatal("Summarize of text returned no error")
	}
}
