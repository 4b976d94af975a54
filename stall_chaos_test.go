package samsa_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// stallChaos injects a case's faults until stopped.
type stallChaos struct {
	fake   *kfake.Cluster
	dialer *faultnet.Dialer
	f      stallFaults
	addrs  []string
	parts  int

	healed atomic.Bool
	quit   chan struct{}
	done   chan struct{}
	once   sync.Once

	rngMu sync.Mutex // the control functions' random source
	rng   *rand.Rand

	errs, slows, pauses, moves atomic.Int64
	// oversize counts produce requests of more than one batch whose
	// batches alone exceed max.request.size; largest is the largest.
	oversize, largest atomic.Int64
}

func (ch *stallChaos) String() string {
	return fmt.Sprintf("{errors:%d slow:%d pauses:%d moves:%d}", ch.errs.Load(), ch.slows.Load(), ch.pauses.Load(), ch.moves.Load())
}

// startChaos installs c's faults on fake and dialer, before the producer
// connects, and starts the goroutine that pauses brokers and moves leaders.
func startChaos(fake *kfake.Cluster, dialer *faultnet.Dialer, c *stallCase) *stallChaos {
	ch := &stallChaos{fake: fake, dialer: dialer, f: c.faults, addrs: fake.ListenAddrs(), parts: c.partitions,
		quit: make(chan struct{}), done: make(chan struct{}), rng: rand.New(rand.NewSource(c.seed ^ 0xfa17))}
	ch.watchRequestSize(c.cfg.MaxRequestSize)
	dialer.SetFaults(faultnet.Faults{
		ResetChance: map[bool]float64{true: 0.5}[c.faults.resets], ResetWithin: 30000,
		Delay: c.faults.delay, Jitter: c.faults.delay, StallAfterRead: c.faults.stallAfter,
	})
	if c.faults.errChance > 0 {
		ch.control(kmsg.Produce, c.faults.errChance, func(r kmsg.Request) kmsg.Response {
			return respond.Error(r, ch.pick(c.faults.errCodes))
		})
	}
	if c.faults.txnErrs {
		retriable := []int16{51, 15, 16} // CONCURRENT_TRANSACTIONS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR
		for _, k := range []kmsg.Key{kmsg.AddPartitionsToTxn, kmsg.EndTxn, kmsg.InitProducerID} {
			ch.control(k, 0.2, func(r kmsg.Request) kmsg.Response { return respond.Error(r, ch.pick(retriable)) })
		}
	}
	if c.faults.slowBroker > 0 {
		ch.control(kmsg.Produce, 0.2, func(kmsg.Request) kmsg.Response {
			ch.slows.Add(1)
			time.Sleep(c.faults.slowBroker) // the whole fake cluster waits: a slow broker
			return nil
		})
	}
	go ch.run(rand.New(rand.NewSource(c.seed ^ 0xc4a0)))
	return ch
}

// watchRequestSize counts the produce requests that break limit (the
// case's max.request.size): more than one batch, and more than limit
// bytes of batches. It must be the first control on Produce, so that it
// sees every request.
func (ch *stallChaos) watchRequestSize(limit int) {
	ch.fake.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		ch.fake.KeepControl()
		batches, size := 0, 0
		for _, tp := range r.(*kmsg.ProduceRequest).Topics {
			for _, p := range tp.Partitions {
				batches++
				size += len(p.Records)
			}
		}
		if batches > 1 && size > limit {
			ch.oversize.Add(1)
			l := ch.largest.Load()
			for int64(size) > l && !ch.largest.CompareAndSwap(l, int64(size)) {
				l = ch.largest.Load()
			}
		}
		return nil, nil, false
	})
}

// pick draws one of codes under the control functions' lock.
func (ch *stallChaos) pick(codes []int16) int16 {
	ch.rngMu.Lock()
	defer ch.rngMu.Unlock()
	return codes[ch.rng.Intn(len(codes))]
}

// control answers requests of key with act's response, with probability
// chance, until the faults heal; act returning nil lets kfake answer.
func (ch *stallChaos) control(key kmsg.Key, chance float64, act func(kmsg.Request) kmsg.Response) {
	ch.fake.ControlKey(int16(key), func(r kmsg.Request) (kmsg.Response, error, bool) {
		ch.fake.KeepControl()
		ch.rngMu.Lock()
		hit := !ch.healed.Load() && ch.rng.Float64() < chance
		ch.rngMu.Unlock()
		if !hit {
			return nil, nil, false
		}
		resp := act(r)
		if resp != nil {
			ch.errs.Add(1)
		}
		return resp, nil, resp != nil
	})
}

// run pauses brokers and moves partition leaders now and then, until
// stopped.
func (ch *stallChaos) run(rng *rand.Rand) {
	defer close(ch.done)
	for {
		if ch.f.pause && rng.Intn(2) == 0 {
			addr := ch.addrs[rng.Intn(len(ch.addrs))]
			ch.dialer.Pause(addr)
			ch.pauses.Add(1)
			select {
			case <-ch.quit:
			case <-time.After(time.Duration(100+rng.Intn(1500)) * time.Millisecond):
			}
			ch.dialer.Resume(addr)
		}
		if ch.f.leaderMoves && rng.Intn(2) == 0 {
			if err := ch.fake.MoveTopicPartition(stallTopic, int32(rng.Intn(ch.parts)), int32(rng.Intn(len(ch.addrs)))); err == nil {
				ch.moves.Add(1)
			}
		}
		select {
		case <-ch.quit:
			return
		case <-time.After(time.Duration(5+rng.Intn(50)) * time.Millisecond):
		}
	}
}

// stop ends the pauses and leader moves; with heal, the injected faults
// end too (live connections are cut so that new ones come without them).
// It may be called more than once.
func (ch *stallChaos) stop(heal bool) {
	ch.once.Do(func() {
		close(ch.quit)
		<-ch.done
	})
	if heal && !ch.healed.Swap(true) {
		ch.dialer.SetFaults(faultnet.Faults{})
		ch.dialer.CutAll()
	}
}

// allStacks returns every goroutine's stack.
func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// samsaGoroutines returns the stacks of the goroutines running samsa code
// that samsa itself started, by goroutine header line.
func samsaGoroutines() map[string]string {
	out := map[string]string{}
	for _, g := range bytes.Split(allStacks(), []byte("\n\n")) {
		s := string(g)
		header, _, _ := strings.Cut(s, "\n")
		id := strings.Fields(header + " ? ?")[1]
		if !strings.Contains(s, "github.com/samsa-go/samsa.") && !strings.Contains(s, "github.com/samsa-go/samsa/internal/") {
			continue
		}
		if strings.Contains(s, "created by github.com/samsa-go/samsa_test.") || strings.Contains(s, "runtime.Stack(") {
			continue // the test's own goroutines
		}
		out[id] = s
	}
	return out
}

// checkNoSamsaGoroutines fails t if goroutines running samsa code that
// were not there before remain after Close returned. Goroutines may take
// a moment to exit after Close; the wait is only a watchdog.
func checkNoSamsaGoroutines(t *testing.T, before map[string]string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var left []string
		for id, s := range samsaGoroutines() {
			if _, ok := before[id]; !ok {
				left = append(left, s)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			sort.Strings(left)
			t.Errorf("%d samsa goroutines outlived Close:\n\n%s", len(left), strings.Join(left, "\n\n"))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
