package samsa_test

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
)

// The stall property test: seeded, reproducible runs that draw a valid
// producer configuration, a set of faults and a workload of concurrent
// Produce, TryProduce, SendSync, Flush, transactions and Close, and check
// the promise that nothing hangs or stalls: every record gets exactly one
// outcome, every call returns, and no samsa goroutine outlives Close. A
// watchdog dumps every goroutine's stack into the failure when the run
// makes no progress, so that a hang is diagnosable from the test output.
//
// CI runs stallCISeeds. A longer hunt:
//
//	SAMSA_STALL_SEEDS=500 go test -race -run TestStallProperty -timeout 0 .
//
// runs seeds 1..500 (SAMSA_STALL_FROM=n starts at n instead), and
// SAMSA_STALL_SEED=n runs only seed n, which replays a failure.

const (
	stallTopic = "stall"
	// stallWatchdog is how long a run may go without any progress (an
	// outcome or a call returning) before it counts as hung. Every wait in
	// a run is bounded by far less: delivery.timeout.ms, max.block.ms and
	// the contexts of the calls are at most a few seconds.
	stallWatchdog = 2 * time.Minute
)

// stallWatchdogFor returns the watchdog, or SAMSA_STALL_WATCHDOG (a
// duration) to see a known hang sooner.
func stallWatchdogFor(t *testing.T) time.Duration {
	s := os.Getenv("SAMSA_STALL_WATCHDOG")
	if s == "" {
		return stallWatchdog
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("SAMSA_STALL_WATCHDOG=%q: %v", s, err)
	}
	return d
}

// stallCISeeds are the seeds CI runs: a spread over the configuration
// space that stays well under a minute under -race on a loaded machine.
var stallCISeeds = []int64{1, 2, 3, 4, 5, 6, 7, 8}

// TestStallProperty runs the stall property over its seeds; see above.
func TestStallProperty(t *testing.T) {
	for _, seed := range stallSeeds(t) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			c := drawStallCase(seed)
			t.Logf("seed %d: %s", seed, c)
			runStallCase(t, c)
		})
	}
}

// stallSeeds returns the seeds chosen by the environment, or the CI set.
func stallSeeds(t *testing.T) []int64 {
	if s := os.Getenv("SAMSA_STALL_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("SAMSA_STALL_SEED=%q: %v", s, err)
		}
		return []int64{n}
	}
	s := os.Getenv("SAMSA_STALL_SEEDS")
	if s == "" {
		return stallCISeeds
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("SAMSA_STALL_SEEDS=%q: %v", s, err)
	}
	from := int64(1)
	if f := os.Getenv("SAMSA_STALL_FROM"); f != "" {
		if from, err = strconv.ParseInt(f, 10, 64); err != nil {
			t.Fatalf("SAMSA_STALL_FROM=%q: %v", f, err)
		}
	}
	seeds := make([]int64, n)
	for i := range seeds {
		seeds[i] = from + int64(i)
	}
	return seeds
}

// partitionMode is how a case's records choose their partition.
type partitionMode int

const (
	explicitPartition partitionMode = iota // Record.Partition set
	keyedDefault                           // nil Config.Partitioner, keyed records
	unkeyedSticky                          // nil Config.Partitioner, no keys (sticky, maybe adaptive)
	murmur2Custom                          // Murmur2RandomPartitioner, some keys nil
)

// stallFaults are the faults a case injects while its workload runs.
type stallFaults struct {
	resets      bool          // connections reset at random byte counts
	delay       time.Duration // every read and write delayed (slow network)
	stallAfter  int64         // reads stall after this many bytes (0: never)
	pause       bool          // brokers paused (SIGSTOP-like) now and then
	errChance   float64       // chance a Produce is answered with an error code
	errCodes    []int16       // the codes drawn from
	txnErrs     bool          // transactional requests answered with retriable errors
	slowBroker  time.Duration // the broker sleeps this long before some answers
	leaderMoves bool          // partition leaders move between brokers
	heal        bool          // faults end before Close (otherwise Close runs under them)
}

// stallCase is one drawn run.
type stallCase struct {
	seed       int64
	partitions int
	cfg        samsa.Config // without addresses or dialer
	mode       partitionMode
	faults     stallFaults
	writers    int
	perWriter  int
	valueLen   int           // values are valueLen bytes, some up to twice that
	flushEvery int           // a writer flushes after about this many records (0: never)
	txn        bool          // transactions: rounds of begin, produce, commit or abort
	closeLimit time.Duration // Close's context deadline; 0: context.Background
	closeEarly time.Duration // Close starts this long after the writers, while they run; 0: after them
	racers     bool          // a Flush and a second Close run alongside Close
	reenter    bool          // some callbacks produce a follow-up record
	closeInCb  bool          // one callback closes the producer
}

func (c *stallCase) String() string {
	cfg := &c.cfg
	return fmt.Sprintf("partitions=%d batch.size=%d linger=%v buffer.memory=%d max.in.flight=%d idempotence=%v acks=%v "+
		"compression=%v request.timeout=%v delivery.timeout=%v retries=%d max.request.size=%d max.block=%v "+
		"mode=%d adaptive=%v txn=%v writers=%d x %d value=%d flushEvery=%d close=%v closeEarly=%v racers=%v reenter=%v closeInCb=%v faults=%+v",
		c.partitions, cfg.BatchSize, cfg.Linger, cfg.BufferMemory, cfg.MaxInFlight, cfg.Idempotence == samsa.IdempotenceOn,
		cfg.Acks, cfg.Compression, cfg.RequestTimeout, cfg.DeliveryTimeout, cfg.Retries, cfg.MaxRequestSize, cfg.MaxBlock,
		c.mode, cfg.PartitionerAdaptive, c.txn, c.writers, c.perWriter, c.valueLen, c.flushEvery, c.closeLimit, c.closeEarly, c.racers, c.reenter, c.closeInCb, c.faults)
}

// pick returns one of choices.
func pick[T any](rng *rand.Rand, choices ...T) T { return choices[rng.Intn(len(choices))] }

// drawStallCase draws a valid configuration, faults and workload from seed.
func drawStallCase(seed int64) *stallCase {
	rng := rand.New(rand.NewSource(seed))
	c := &stallCase{seed: seed, partitions: pick(rng, 1, 3, 6), writers: 1 + rng.Intn(4)}
	c.perWriter = pick(rng, 20, 60, 150)
	c.valueLen = pick(rng, 10, 100, 400, 1500)
	c.flushEvery = pick(rng, 0, 7, 40)
	c.txn = rng.Intn(4) == 0
	if rng.Intn(2) == 0 {
		c.closeLimit = time.Duration(rng.Intn(3000)) * time.Millisecond
	}
	drawProducerConfig(rng, c)
	drawFaults(rng, c)
	if rng.Intn(4) == 0 {
		c.closeEarly = time.Duration(1+rng.Intn(300)) * time.Millisecond
	}
	c.racers = rng.Intn(3) == 0
	c.reenter = rng.Intn(3) == 0
	c.closeInCb = rng.Intn(8) == 0
	return c
}

// drawProducerConfig draws the producer settings of c.
func drawProducerConfig(rng *rand.Rand, c *stallCase) {
	cfg := samsa.DefaultConfig()
	cfg.BatchSize = pick(rng, 0, 100, 1024, 16384, 1<<20)
	cfg.Linger = pick(rng, 0, time.Millisecond, 5*time.Millisecond, 50*time.Millisecond, 700*time.Millisecond)
	batch := int64(max(cfg.BatchSize, 2*c.valueLen+200))
	cfg.BufferMemory = pick(rng, 2*batch, 4*batch, 32<<20)
	cfg.MaxInFlight = 1 + rng.Intn(5)
	cfg.Compression = pick(rng, samsa.CompressionNone, samsa.CompressionGzip, samsa.CompressionSnappy,
		samsa.CompressionLZ4, samsa.CompressionZstd)
	cfg.RequestTimeout = pick(rng, 300*time.Millisecond, time.Second, 3*time.Second)
	cfg.DeliveryTimeout = cfg.Linger + cfg.RequestTimeout + pick(rng, 0, 500*time.Millisecond, 3*time.Second)
	cfg.Retries = pick(rng, 0, 1, 1<<30)
	cfg.MaxBlock = pick(rng, 50*time.Millisecond, 500*time.Millisecond, 2*time.Second)
	cfg.RetryBackoff, cfg.RetryBackoffMax = 10*time.Millisecond, pick(rng, 10*time.Millisecond, 200*time.Millisecond)
	cfg.ReconnectBackoff, cfg.ReconnectBackoffMax = 10*time.Millisecond, 200*time.Millisecond
	if rng.Intn(3) == 0 {
		// Near the record size: the larger records are refused at once.
		cfg.MaxRequestSize = int(float64(c.valueLen)*1.5) + 100
	}
	cfg.Acks = pick(rng, samsa.AcksNone, samsa.AcksLeader, samsa.AcksAll)
	cfg.Idempotence = samsa.IdempotenceOff
	if c.txn || rng.Intn(2) == 0 {
		cfg.Idempotence, cfg.Acks = samsa.IdempotenceOn, samsa.AcksAll
		cfg.Retries = max(cfg.Retries, 1)
	}
	if c.txn {
		cfg.TransactionalID = fmt.Sprint("stall-", c.seed)
		cfg.TransactionTimeout = 10 * time.Second
	}
	c.mode = pick(rng, explicitPartition, keyedDefault, unkeyedSticky, murmur2Custom)
	switch c.mode {
	case murmur2Custom:
		cfg.Partitioner = samsa.Murmur2RandomPartitioner()
	case unkeyedSticky, keyedDefault:
		cfg.PartitionerAdaptive = rng.Intn(2) == 0
		if cfg.PartitionerAdaptive && rng.Intn(2) == 0 {
			cfg.PartitionerAvailabilityTimeout = 200 * time.Millisecond
		}
	}
	c.cfg = cfg
}

// drawFaults draws the faults of c: none, one or several at once.
func drawFaults(rng *rand.Rand, c *stallCase) {
	f := &c.faults
	f.heal = rng.Intn(4) != 0
	for range 1 + rng.Intn(3) {
		switch rng.Intn(8) {
		case 0:
			f.resets = true
		case 1:
			f.delay = pick(rng, time.Millisecond, 5*time.Millisecond)
		case 2:
			f.stallAfter = pick(rng, int64(2000), 20000, 200000)
		case 3:
			f.pause = true
		case 4:
			f.errChance = pick(rng, 0.05, 0.3)
			f.errCodes = pick(rng,
				[]int16{6, 7, 19, 20, 13},         // retriable: leadership, timeouts, replicas, network
				[]int16{10},                       // MESSAGE_TOO_LARGE: splits
				[]int16{2, 87, 45, 59, 47, 6, 10}) // corrupt, invalid record, sequence, unknown producer, epoch, mixed
		case 5:
			f.txnErrs = c.txn
		case 6:
			f.slowBroker = pick(rng, 20*time.Millisecond, 300*time.Millisecond)
		case 7:
			f.leaderMoves = true
		}
	}
}

// stallValue is record seq of writer, padded to about n bytes (some
// records twice that, for max.request.size near the record size).
func stallValue(writer, seq, n int) []byte {
	name := recordValue(writer, seq) + "|"
	if seq%5 == 4 {
		n *= 2
	}
	return []byte(name + strings.Repeat(".", max(n-len(name), 0)))
}
