package samsa_test

import (
	"context"
	"errors"
	"log/slog"
	"math/rand"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/goleak"
)

// outageEnv is a producer that reaches a kfake cluster through a
// fault-injecting dialer, with the topic's metadata already known.
type outageEnv struct {
	fake   *kfake.Cluster
	addrs  []string
	dialer *faultnet.Dialer
	p      *samsa.Producer
	cfg    samsa.Config
	ignore goleak.Option
}

func startOutageEnv(t *testing.T, seed int64, idem bool, mod func(*samsa.Config)) *outageEnv {
	t.Helper()
	fake, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(faultPartitions, faultTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	e := &outageEnv{fake: fake, addrs: fake.ListenAddrs(), dialer: faultnet.New(seed), ignore: goleak.IgnoreCurrent()}
	e.cfg = faultConfig(e.addrs, e.dialer, idem)
	if mod != nil {
		mod(&e.cfg)
	}
	if os.Getenv("FAULTS_DEBUG") != "" { // the producer's debug log, to investigate a failure
		e.cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if e.p, err = samsa.NewProducer(e.cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.p.PartitionsFor(ctx, faultTopic); err != nil {
		t.Fatalf("%v; dialer %+v", err, e.dialer.Stats())
	}
	return e
}

// bufferUse samples the producer's buffer pool and the heap.
type bufferUse struct {
	samples           int
	maxUsed, maxHeap  uint64
	bufferMem         int64
	overPool, badPool int
}

func (u *bufferUse) sample(t *testing.T, p *samsa.Producer) {
	ms := p.Metrics()
	total, ok1 := ms.Value("producer-metrics", "buffer-total-bytes")
	avail, ok2 := ms.Value("producer-metrics", "buffer-available-bytes")
	if !ok1 || !ok2 {
		t.Errorf("buffer metrics missing: total %v, available %v", ok1, ok2)
		return
	}
	used := total - avail
	if avail < 0 || used < 0 || int64(total) != u.bufferMem {
		u.badPool++
		if u.badPool <= 3 {
			t.Errorf("buffer metrics inconsistent: total %v, available %v, buffer.memory %d", total, avail, u.bufferMem)
		}
	}
	if int64(used) > u.bufferMem {
		u.overPool++
	}
	u.maxUsed = max(u.maxUsed, uint64(used))
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	u.maxHeap = max(u.maxHeap, m.HeapInuse)
	u.samples++
}

// produceDuring keeps writers producing until stop closes: half of them
// with TryProduce (backing off briefly when the buffer is full), half with
// Produce bounded by a short context.
func produceDuring(p *samsa.Producer, l *ledger, writers int, stop <-chan struct{}) (tried int64) {
	var wg sync.WaitGroup
	var n atomic.Int64
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for s := 0; ; s++ {
				select {
				case <-stop:
					return
				default:
				}
				r, cb := l.record(w, s, int32(rng.Intn(faultPartitions)))
				r.Value = append(r.Value, make([]byte, 900)...) // about 1 KiB records
				n.Add(1)
				if w%2 == 0 {
					if err := p.TryProduce(r, cb); errors.Is(err, samsa.ErrWouldBlock) {
						time.Sleep(5 * time.Millisecond)
					}
					continue
				}
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				p.Produce(ctx, r, cb)
				cancel()
			}
		}()
	}
	wg.Wait()
	return n.Load()
}

// TestOutageKeepsMemoryBounded cuts the producer off the cluster for 30 s
// while writers keep producing: the buffer pool never holds more than
// buffer.memory, the heap stays bounded, and after the cluster returns
// every record is delivered or failed (ErrDeliveryTimeout, or refused at
// Produce for lack of buffer: ErrWouldBlock, or the Produce context's
// deadline) exactly once, never silently dropped.
func TestOutageKeepsMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("30 s outage; skipped with -short")
	}
	const bufferMemory = 8 << 20
	e := startOutageEnv(t, 7, true, func(c *samsa.Config) {
		c.BufferMemory = bufferMemory
		c.BatchSize = 16 << 10
		c.DeliveryTimeout = 12 * time.Second
		c.RequestTimeout = 5 * time.Second
		c.MaxBlock = 200 * time.Millisecond
	})
	l := newLedger(t, faultTopic)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	// Generous: buffer.memory itself, batches being copied or compressed,
	// the test's own ledger of every record, goroutine stacks and GC slack.
	heapBound := base.HeapInuse + 4*bufferMemory + 16<<20

	e.dialer.SetDown(true)
	use := &bufferUse{bufferMem: bufferMemory}
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				use.sample(t, e.p)
			}
		}
	}()
	outage := time.AfterFunc(30*time.Second, func() { close(stop) })
	defer outage.Stop()
	tried := produceDuring(e.p, l, 4, stop)
	<-sampled
	e.dialer.SetDown(false)
	t.Logf("outage: %d records tried, %d samples, max buffer used %d of %d, max HeapInuse %d MiB (base %d MiB, bound %d MiB); dialer %+v",
		tried, use.samples, use.maxUsed, bufferMemory, use.maxHeap>>20, base.HeapInuse>>20, heapBound>>20, e.dialer.Stats())
	if use.samples < 100 {
		t.Errorf("only %d samples in 30 s", use.samples)
	}
	if use.overPool > 0 {
		t.Errorf("%d samples saw more than buffer.memory=%d bytes held (max %d)", use.overPool, bufferMemory, use.maxUsed)
	}
	if use.maxUsed < bufferMemory/2 {
		t.Errorf("the buffer never filled (max %d of %d): the outage did not back records up", use.maxUsed, bufferMemory)
	}
	if use.maxHeap > heapBound {
		t.Errorf("HeapInuse reached %d MiB, above the bound of %d MiB", use.maxHeap>>20, heapBound>>20)
	}

	// Recovery: what is still buffered is delivered, or times out.
	if err := within(t, "Flush after the outage", 60*time.Second, 10*time.Second, e.p.Flush); err != nil {
		t.Errorf("Flush after the outage: %v", err)
	}
	if err := within(t, "Close", 30*time.Second, 10*time.Second, e.p.Close); err != nil {
		t.Errorf("Close: %v", err)
	}
	o := l.checkOutcomes()
	t.Logf("outcomes: %d records, %d acknowledged, failed %v", o.total, o.ok, o.byErr)
	for class, n := range o.byErr {
		switch class {
		case "ErrDeliveryTimeout", "ErrWouldBlock", "ErrBufferExhausted", "context.DeadlineExceeded":
		default:
			t.Errorf("%d records failed with %s, not a timeout or a full buffer", n, class)
		}
	}
	if o.byErr["ErrDeliveryTimeout"] == 0 {
		t.Errorf("no record timed out during a 30 s outage with delivery.timeout.ms=%v", e.cfg.DeliveryTimeout)
	}
	if o.ok == 0 {
		t.Errorf("no record was delivered after the cluster came back")
	}
	goleak.VerifyNone(t, e.ignore)
	l.checkLog(e.addrs, true)
}

// TestCloseDuringOutage closes the producer while the cluster is
// unreachable: Close returns by its deadline with the deadline's error and
// every buffered record fails with ErrProducerClosed, exactly once.
func TestCloseDuringOutage(t *testing.T) {
	for _, idem := range []bool{true, false} {
		t.Run(map[bool]string{true: "idempotent", false: "plain"}[idem], func(t *testing.T) {
			e := startOutageEnv(t, 11, idem, nil)
			l := newLedger(t, faultTopic)
			e.dialer.SetDown(true)
			for s := range 2000 {
				r, cb := l.record(s%3, s, int32(s%faultPartitions))
				e.p.Produce(context.Background(), r, cb)
			}
			const limit = 2 * time.Second
			start := time.Now()
			err := within(t, "Close during the outage", limit, 10*time.Second, e.p.Close)
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Close = %v after %v, want the deadline's error (records were cut off)", err, took)
			}
			if took < limit/2 {
				t.Errorf("Close returned after %v, before trying to flush until its %v deadline", took, limit)
			}
			o := l.checkOutcomes()
			t.Logf("Close took %v; %d records: %d acknowledged, failed %v; dialer %+v", took, o.total, o.ok, o.byErr, e.dialer.Stats())
			if o.ok != 0 || o.byErr["ErrProducerClosed"] != o.total {
				t.Errorf("want all %d records failed with ErrProducerClosed, got %d acknowledged and %v", o.total, o.ok, o.byErr)
			}
			// Produce after Close fails at once.
			r, cb := l.record(9, 0, 0)
			if err := e.p.TryProduce(r, cb); !errors.Is(err, samsa.ErrProducerClosed) {
				t.Errorf("TryProduce after Close = %v, want ErrProducerClosed", err)
			}
			goleak.VerifyNone(t, e.ignore)
			e.dialer.SetDown(false)
			l.checkLog(e.addrs, idem)
		})
	}
}

// TestFlushReturnsByDeadlineWhileStalled flushes while the brokers accept
// requests but never answer (reads stall): Flush must give up at its
// deadline with the deadline's error, and the records must still get
// their outcomes later, once each.
func TestFlushReturnsByDeadlineWhileStalled(t *testing.T) {
	e := startOutageEnv(t, 13, true, func(c *samsa.Config) {
		c.RequestTimeout = 3 * time.Second
		c.DeliveryTimeout = 6 * time.Second
	})
	l := newLedger(t, faultTopic)
	e.dialer.SetFaults(faultnet.Faults{StallAfterRead: 1}) // new connections hang after the first byte
	e.dialer.CutAll()
	for s := range 300 {
		r, cb := l.record(0, s, int32(s%faultPartitions))
		e.p.Produce(context.Background(), r, cb)
	}
	const limit = 500 * time.Millisecond
	start := time.Now()
	err := within(t, "Flush while stalled", limit, 5*time.Second, e.p.Flush)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Flush = %v after %v, want the deadline's error", err, time.Since(start))
	}
	e.dialer.SetFaults(faultnet.Faults{})
	e.dialer.CutAll()
	if err := within(t, "Flush after recovery", 60*time.Second, 10*time.Second, e.p.Flush); err != nil {
		t.Errorf("Flush after recovery: %v", err)
	}
	if err := within(t, "Close", 20*time.Second, 10*time.Second, e.p.Close); err != nil {
		t.Errorf("Close: %v", err)
	}
	o := l.checkOutcomes()
	t.Logf("%d records: %d acknowledged, failed %v; dialer %+v", o.total, o.ok, o.byErr, e.dialer.Stats())
	for class := range o.byErr {
		if class != "ErrDeliveryTimeout" && class != "ErrOutcomeUnknown" {
			t.Errorf("records failed with %s", class)
		}
	}
	goleak.VerifyNone(t, e.ignore)
	l.checkLog(e.addrs, true)
}
