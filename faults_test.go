package samsa_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

// faultEnv is what a fault scenario acts on: the fake cluster, the
// fault-injecting dialer the producer connects through, and a seeded
// random source for the control functions (kfake runs them one at a time).
type faultEnv struct {
	fake     *kfake.Cluster
	dialer   *faultnet.Dialer
	rng      *rand.Rand
	injected atomic.Int64 // faults actually injected
}

// faultScenario is one row of the matrix.
type faultScenario struct {
	name   string
	inject func(e *faultEnv)
	cfg    func(c *samsa.Config)                 // optional
	check  func(t *testing.T, p *samsa.Producer) // optional, after Flush
}

const (
	faultTopic      = "faults"
	faultPartitions = 6
	faultWriters    = 4
	faultPerWriter  = 250
	faultBudget     = 40 // faults injected per scenario, so that it ends

	// random_resets: the random cut of each connection falls within
	// resetWithin bytes; none writes more than resetWriteCap.
	resetWithin   = 8000
	resetWriteCap = 2 * resetWithin
)

// onProduce installs a control function on Produce requests that, with
// probability chance and until the budget is spent, runs act; act returns
// what the control function returns.
func (e *faultEnv) onProduce(chance float64, act func(req *kmsg.ProduceRequest) (kmsg.Response, error, bool)) {
	e.fake.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		e.fake.KeepControl()
		if e.injected.Load() >= faultBudget || e.rng.Float64() >= chance {
			return nil, nil, false
		}
		e.injected.Add(1)
		return act(r.(*kmsg.ProduceRequest))
	})
}

// errorCode injects a Produce error code.
func errorCode(code int16, throttleMs int32) func(e *faultEnv) {
	return func(e *faultEnv) {
		e.onProduce(0.3, func(req *kmsg.ProduceRequest) (kmsg.Response, error, bool) {
			return respond.ProduceError(req, code, throttleMs), nil, true
		})
	}
}

func faultScenarios() []faultScenario {
	return []faultScenario{
		{name: "NOT_LEADER_OR_FOLLOWER", inject: errorCode(6, 0)},
		{name: "REQUEST_TIMED_OUT", inject: errorCode(7, 0)},
		{name: "NOT_ENOUGH_REPLICAS", inject: errorCode(19, 0)},
		{name: "NOT_ENOUGH_REPLICAS_AFTER_APPEND", inject: errorCode(20, 0)},
		{name: "NETWORK_EXCEPTION", inject: errorCode(13, 0)},
		{name: "throttled", inject: errorCode(7, 150), check: func(t *testing.T, p *samsa.Producer) {
			if v, _ := p.Metrics().Value("producer-metrics", "produce-throttle-time-max"); v != 150 {
				t.Errorf("produce-throttle-time-max = %v, want the 150 ms the broker asked for", v)
			}
		}},
		{name: "lost_response", inject: func(e *faultEnv) {
			// The broker appends the batch; its answer is lost on the way.
			e.onProduce(0.3, func(*kmsg.ProduceRequest) (kmsg.Response, error, bool) {
				e.dialer.DropNextRead()
				return nil, nil, false
			})
		}},
		{name: "bogus_partitions_in_response", inject: func(e *faultEnv) {
			// Success for partitions never sent (one beyond the topic's
			// count, one negative); the partitions sent are not mentioned.
			e.onProduce(0.3, func(req *kmsg.ProduceRequest) (kmsg.Response, error, bool) {
				resp := respond.ProduceError(req, 0, 0)
				for i := range resp.Topics {
					for j := range resp.Topics[i].Partitions {
						resp.Topics[i].Partitions[j].Partition = []int32{faultPartitions + 990, -3}[j%2]
						resp.Topics[i].Partitions[j].BaseOffset = -42
					}
				}
				return resp, nil, true
			})
		}},
		{name: "unsent_topic_in_response", inject: func(e *faultEnv) {
			e.onProduce(0.3, func(req *kmsg.ProduceRequest) (kmsg.Response, error, bool) {
				resp := respond.ProduceError(req, 0, 0)
				for i := range resp.Topics {
					resp.Topics[i].Topic = "never-sent"
					resp.Topics[i].TopicID = [16]byte{1, 2, 3}
				}
				return resp, nil, true
			})
		}},
		{name: "connection_closed_unanswered", inject: func(e *faultEnv) {
			e.onProduce(0.2, func(*kmsg.ProduceRequest) (kmsg.Response, error, bool) {
				return nil, errors.New("injected: close without answering"), true
			})
		}},
		{name: "random_resets", inject: func(e *faultEnv) {
			// Every connection is cut at a random byte count up to
			// resetWithin, in a random direction, and one cut on the
			// read side is also cut once resetWriteCap bytes were
			// written: the workload writes far more than its produce
			// connections (one per broker) could carry uncut, so resets
			// happen whatever the timing and however the seed falls.
			e.dialer.SetFaults(faultnet.Faults{ResetChance: 1, ResetWithin: resetWithin, ResetAfterWrite: resetWriteCap,
				WriteChunk: 700, Jitter: time.Millisecond})
		}, check: func(t *testing.T, _ *samsa.Producer) {
			if w := faultWriters * faultPerWriter * len(recordPadding); w <= 3*resetWriteCap {
				t.Errorf("the workload writes about %d bytes, which 3 produce connections of %d bytes could carry without a reset", w, resetWriteCap)
			}
		}},
		{name: "stalls_past_request_timeout", inject: func(e *faultEnv) {
			e.dialer.SetFaults(faultnet.Faults{StallAfterRead: 1500})
		}, cfg: func(c *samsa.Config) { c.RequestTimeout = 1500 * time.Millisecond }},
	}
}

// faultConfig is the producer configuration shared by the scenarios:
// small batches and fast retries, so faults hit many requests.
func faultConfig(addrs []string, d *faultnet.Dialer, idempotent bool) samsa.Config {
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = addrs
	cfg.Dial = d.Dial
	cfg.BatchSize = 2048
	cfg.Linger = 2 * time.Millisecond
	cfg.RetryBackoff, cfg.RetryBackoffMax = 10*time.Millisecond, 100*time.Millisecond
	cfg.ReconnectBackoff, cfg.ReconnectBackoffMax = 10*time.Millisecond, 100*time.Millisecond
	cfg.RequestTimeout = 5 * time.Second
	cfg.DeliveryTimeout = 60 * time.Second
	cfg.MaxBlock = 30 * time.Second
	cfg.Idempotence = samsa.IdempotenceOff
	if idempotent {
		cfg.Idempotence = samsa.IdempotenceOn
	}
	return cfg
}

// TestFaultMatrix runs every fault scenario with idempotence on and off,
// several writer goroutines and partitions, and checks the producer's
// promises in each: one outcome per record, nothing acknowledged lost,
// no duplicate or reordering with idempotence, Flush and Close by their
// deadlines, no goroutine left behind.
func TestFaultMatrix(t *testing.T) {
	for i, sc := range faultScenarios() {
		for _, idem := range []bool{true, false} {
			name := fmt.Sprintf("%s/idempotence=%v", sc.name, idem)
			t.Run(name, func(t *testing.T) { runFaultScenario(t, sc, idem, int64(1000+i)) })
		}
	}
}

func runFaultScenario(t *testing.T, sc faultScenario, idem bool, seed int64) {
	fake, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(faultPartitions, faultTopic))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	addrs := fake.ListenAddrs()
	ignore := goleak.IgnoreCurrent()
	env := &faultEnv{fake: fake, dialer: faultnet.New(seed), rng: rand.New(rand.NewSource(seed))}
	cfg := faultConfig(addrs, env.dialer, idem)
	if sc.cfg != nil {
		sc.cfg(&cfg)
	}
	sc.inject(env) // before the producer's first connection
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := newLedger(t, faultTopic)
	start := time.Now()
	produceAll(p, l, faultWriters, faultPerWriter)
	if err := within(t, "Flush", 90*time.Second, 10*time.Second, p.Flush); err != nil {
		t.Errorf("Flush: %v", err)
	}
	if sc.check != nil {
		sc.check(t, p)
	}
	if err := within(t, "Close", 30*time.Second, 10*time.Second, p.Close); err != nil {
		t.Errorf("Close: %v", err)
	}
	o := l.checkOutcomes()
	t.Logf("seed %d: %d records in %v: %d acknowledged, failed %v; %d faults injected; dialer %+v",
		seed, o.total, time.Since(start).Round(time.Millisecond), o.ok, o.byErr, env.injected.Load(), env.dialer.Stats())
	if st := env.dialer.Stats(); env.injected.Load()+st.Resets+st.Stalls == 0 {
		t.Errorf("no fault was injected: the scenario tested nothing")
	}
	if o.ok != o.total {
		t.Errorf("%d of %d records acknowledged; the faults were transient, so all should be (failures: %v)", o.ok, o.total, o.byErr)
	}
	goleak.VerifyNone(t, ignore)
	fake.DropControl()
	l.checkLog(addrs, idem)
}

// produceAll runs writers goroutines, each producing perWriter records in
// order over the partitions, and waits for them to return from Produce.
func produceAll(p *samsa.Producer, l *ledger, writers, perWriter int) {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range perWriter {
				r, cb := l.record(w, s, int32((w+s)%faultPartitions))
				p.Produce(context.Background(), r, cb)
				if s%20 == 19 {
					time.Sleep(time.Millisecond) // spread the records over many requests
				}
			}
		}()
	}
	wg.Wait()
}
