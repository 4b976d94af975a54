package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"golang.org/x/exp/trace"
)

// Summary is a trace summed by goroutine role.
type Summary struct {
	Span  trace.Time       // from the first event to the last
	Roles map[string]*Role // by entry function
}

// Role is what the goroutines that started in one function did.
type Role struct {
	Goroutines int // goroutines seen
	// States is the time spent in each state: "Running", "Runnable<-X"
	// (made runnable from state X, waiting for a processor), and
	// "Waiting:reason@frame" or "Syscall:@frame" with the first frame of
	// the program's own code.
	States map[string]trace.Time
	Counts map[string]int // how many times each state was entered and left
	// Wakers is, by the waking code's first frames, how many times it
	// made the role's goroutines runnable; WakeWait is the time they then
	// waited to run.
	Wakers   map[string]int
	WakeWait map[string]trace.Time
}

// Busy is the time the role's goroutines ran or were in system calls.
func (r *Role) Busy() trace.Time {
	var t trace.Time
	for k, v := range r.States {
		if k == "Running" || strings.HasPrefix(k, "Syscall") {
			t += v
		}
	}
	return t
}

type goroutine struct {
	role  *Role
	state string
	since trace.Time
	waker string
}

// Summarize reads a trace and sums it by role.
func Summarize(in io.Reader) (*Summary, error) {
	r, err := trace.NewReader(in)
	if err != nil {
		return nil, err
	}
	s := &Summary{Roles: map[string]*Role{}}
	gs := map[trace.GoID]*goroutine{}
	var first, last trace.Time
	for {
		ev, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if first == 0 {
			first = ev.Time()
		}
		last = ev.Time()
		if ev.Kind() == trace.EventStateTransition {
			s.transition(gs, ev)
		}
	}
	s.Span = last - first
	return s, nil
}

// transition accounts for one goroutine state transition.
func (s *Summary) transition(gs map[trace.GoID]*goroutine, ev trace.Event) {
	st := ev.StateTransition()
	if st.Resource.Kind != trace.ResourceGoroutine {
		return
	}
	from, to := st.Goroutine()
	id := st.Resource.Goroutine()
	g := gs[id]
	if g == nil {
		g = &goroutine{}
		gs[id] = g
	}
	if g.role == nil {
		// The goroutine's own stack, whose outermost frame is its entry
		// function: the transition's for a new goroutine (its start) or
		// one whose state the trace began with, the event's for a
		// goroutine that was running (it made the transition itself).
		name := entry(st.Stack)
		if name == "" && from == trace.GoRunning {
			name = entry(ev.Stack())
		}
		if name == "" {
			return // not known yet; its time so far is not counted
		}
		g.role = s.role(name)
		g.role.Goroutines++
	}
	ro := g.role
	if g.state != "" {
		d := ev.Time() - g.since
		ro.States[g.state] += d
		ro.Counts[g.state]++
		if g.waker != "" {
			ro.WakeWait[g.waker] += d
			g.waker = ""
		}
	}
	g.since = ev.Time()
	switch to {
	case trace.GoRunnable:
		g.state = "Runnable<-" + from.String()
		if from == trace.GoWaiting {
			g.waker = frames(ev.Stack(), 3)
			if g.waker == "" {
				g.waker = "(the runtime)" // no frame of the program's own
			}
			ro.Wakers[g.waker]++
		}
	case trace.GoWaiting, trace.GoSyscall:
		g.state = to.String() + ":" + st.Reason + "@" + frames(ev.Stack(), 1)
	case trace.GoNotExist:
		delete(gs, id) // its ID may be reused by a new goroutine
	default:
		g.state = to.String()
	}
}

func (s *Summary) role(name string) *Role {
	r := s.Roles[name]
	if r == nil {
		r = &Role{States: map[string]trace.Time{}, Counts: map[string]int{},
			Wakers: map[string]int{}, WakeWait: map[string]trace.Time{}}
		s.Roles[name] = r
	}
	return r
}

// entry is the outermost function of st, without its package path.
func entry(st trace.Stack) string {
	var last string
	for f := range st.Frames() {
		last = f.Func
	}
	return short(last)
}

// frames is the first n frames of st outside the runtime and the standard
// library's synchronisation and system call code, innermost first.
func frames(st trace.Stack, n int) string {
	var fs []string
	for f := range st.Frames() {
		if isPlumbing(f.Func) {
			continue
		}
		fs = append(fs, fmt.Sprintf("%s:%d", short(f.Func), f.Line))
		if len(fs) == n {
			break
		}
	}
	return strings.Join(fs, " < ")
}

func isPlumbing(fn string) bool {
	for _, p := range []string{"runtime.", "internal/", "sync.", "syscall."} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

func short(fn string) string { return fn[strings.LastIndex(fn, "/")+1:] }

// Print writes the roles busiest first, at most roles of them, each with
// its largest states and wakers.
func (s *Summary) Print(w io.Writer, roles, states, wakers int) {
	span := float64(s.Span) / 1e9
	fmt.Fprintf(w, "trace span %.3fs\n", span)
	names := make([]string, 0, len(s.Roles))
	for n := range s.Roles {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return s.Roles[names[i]].Busy() > s.Roles[names[j]].Busy() })
	for _, n := range names[:min(roles, len(names))] {
		r := s.Roles[n]
		busy := float64(r.Busy()) / 1e9
		fmt.Fprintf(w, "%s (%d goroutines): busy %.3fs, %.0f%% of the span\n", n, r.Goroutines, busy, 100*busy/span)
		for _, k := range largest(r.States, states) {
			c := max(r.Counts[k], 1)
			fmt.Fprintf(w, "  %9.3fs %8d x %9.1fus  %s\n", float64(r.States[k])/1e9, c, float64(r.States[k])/1e3/float64(c), k)
		}
		for _, k := range largest(r.WakeWait, wakers) {
			c := max(r.Wakers[k], 1)
			fmt.Fprintf(w, "    woken %7d x, then runnable %8.1fus on average, by %s\n", c, float64(r.WakeWait[k])/1e3/float64(c), k)
		}
	}
}

func largest(m map[string]trace.Time, n int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return m[ks[i]] > m[ks[j]] || m[ks[i]] == m[ks[j]] && ks[i] < ks[j] })
	return ks[:min(n, len(ks))]
}
