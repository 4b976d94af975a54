package spoolcrash

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
)

// EnvOutage sets TestSpoolOutage's outage, a duration such as "2m" (the
// issue's proof); DefaultOutage is what CI runs.
const (
	EnvOutage     = "SAMSA_SPOOL_OUTAGE"
	DefaultOutage = 20 * time.Second
)

// outageRecords is the least TestSpoolOutage produces while the cluster
// is down, however slow the machine (a loaded one under -race made 12 MiB
// in 20 s, a slower one less): about 11 MiB of records, so that the spool
// holds well over the 3 x buffer.memory the test requires of it.
const outageRecords = 60_000

func outageLength(t *testing.T) time.Duration {
	if s := os.Getenv(EnvOutage); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a positive duration such as 2m", EnvOutage, s)
		}
		return d
	}
	return DefaultOutage
}

// heapSampler records the largest heap seen.
type heapSampler struct {
	max  atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func sampleHeap(every time.Duration) *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > h.max.Load() {
					h.max.Store(ms.HeapAlloc)
				}
			}
		}
	}()
	return h
}

func (h *heapSampler) finish() uint64 {
	close(h.stop)
	<-h.done
	return h.max.Load()
}

// spoolSize sums the spool's segment files.
func spoolSize(t *testing.T, dir string) int64 {
	segs, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, s := range segs {
		if fi, err := os.Stat(s); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestSpoolOutage stops the whole three-node cluster (every broker
// killed with kill -9) for SAMSA_SPOOL_OUTAGE (20s in CI; the issue's
// proof is 2m) while a producer with a spool and a 2 MiB buffer.memory
// keeps producing 5000 records a second: the spool takes them, memory
// stays bounded (the heap never grows by more than buffer.memory and the
// records' callbacks need, while the spool holds many times more), and
// once the cluster is back every record is delivered: none lost, none
// twice, in order per partition.
func TestSpoolOutage(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 6, 3)
	down := outageLength(t)
	dir := filepath.Join(t.TempDir(), "spool")
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = c.Bootstrap(kafkatest.PLAINTEXT)
	cfg.BufferMemory = 2 << 20
	cfg.DeliveryTimeout = 0
	cfg.RequestTimeout = 5 * time.Second
	cfg.Idempotence = samsa.IdempotenceOn
	cfg.Spool.Dir = dir
	cfg.Spool.MaxBytes = 2 << 30
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var (
		acked, failed atomic.Int64
		errMu         sync.Mutex
		firstErr      error
	)
	// One callback for every record: the producer keeps it per record
	// (16 bytes), the test allocates nothing per record for it.
	cb := func(_ samsa.RecordMetadata, err error) {
		if err == nil {
			acked.Add(1)
			return
		}
		failed.Add(1)
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	ctx := context.Background()
	pad := strings.Repeat("x", 180)
	seq := 0
	// produceFor produces for d, and on until at least atLeast records.
	produceFor := func(d time.Duration, atLeast int) {
		for end, stop := time.Now().Add(d), seq+atLeast; time.Now().Before(end) || seq < stop; {
			for range 50 {
				p.Produce(ctx, samsa.Record{Topic: topic, Key: []byte(strconv.Itoa(seq % 31)),
					Value: []byte(fmt.Sprintf("%09d-%s", seq, pad))}, cb)
				seq++
			}
			time.Sleep(10 * time.Millisecond) // about 5000 records a second
		}
	}
	produceFor(3*time.Second, 0)
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	heap := sampleHeap(100 * time.Millisecond)
	itest.KillAll(t, c)
	atKill, killedAt := seq, time.Now()
	produceFor(down, outageRecords)
	during, outage := seq-atKill, time.Since(killedAt)
	spooled := spoolSize(t, dir)
	maxHeap := heap.finish()
	start := time.Now()
	itest.RestartAll(t, c)
	t.Logf("%v outage: %d records produced, the spool grew to %d MiB; heap at most %d MiB (%d MiB before); cluster back in %v",
		outage.Round(time.Second), during, spooled>>20, maxHeap>>20, base>>20, time.Since(start).Round(time.Second))
	produceFor(3*time.Second, 0)
	fctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := p.Flush(fctx); err != nil {
		t.Fatalf("flush after the outage: %v (%d acknowledged, %d failed of %d)", err, acked.Load(), failed.Load(), seq)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if failed.Load() > 0 || acked.Load() != int64(seq) {
		t.Fatalf("%d records acknowledged, %d failed (first: %v), of %d produced", acked.Load(), failed.Load(), firstErr, seq)
	}
	// Memory: buffer.memory, the records' callbacks (16 bytes each) and
	// about 600 bytes per spooled batch, twice over for what the garbage
	// collector lets accumulate, plus 16 MiB of slack.
	batches := int64(6 * outage / (100 * time.Millisecond))
	budget := base + 2*uint64(int64(cfg.BufferMemory)+16*int64(during)+600*batches) + 16<<20
	if maxHeap > budget {
		t.Errorf("heap reached %d MiB during the outage, above the %d MiB budget: memory is not bounded", maxHeap>>20, budget>>20)
	}
	if spooled < 3*cfg.BufferMemory {
		t.Errorf("the spool held only %d MiB: the outage did not test memory beyond buffer.memory", spooled>>20)
	}
	checkOutageTopic(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, seq)
}

// checkOutageTopic reads the topic back: every record 0..n-1 exactly
// once, and increasing per partition.
func checkOutageTopic(t *testing.T, bootstrap []string, topic string, n int) {
	seen := make([]int, n)
	last := map[int32]int{}
	for _, r := range readTopic(t, bootstrap, topic) {
		i, err := strconv.Atoi(string(r.Value[:9]))
		if err != nil || i < 0 || i >= n {
			t.Fatalf("unexpected record %q", r.Value)
		}
		seen[i]++
		if prev, ok := last[r.Partition]; ok && i <= prev {
			t.Fatalf("partition %d: record %d after %d", r.Partition, i, prev)
		}
		last[r.Partition] = i
	}
	lost, dups := 0, 0
	for _, c := range seen {
		if c == 0 {
			lost++
		}
		if c > 1 {
			dups += c - 1
		}
	}
	if lost > 0 || dups > 0 {
		t.Fatalf("%d of %d records lost, %d duplicated", lost, n, dups)
	}
}
