package samsa_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/rand"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

// mangler rewrites one Produce response frame (everything after the
// 4-byte length prefix) into what a hostile broker sends; it returns the
// whole replacement including the length prefix, so it can lie about the
// length too.
type mangler func(frame []byte, version int16, rng *rand.Rand) []byte

// hostileDialer dials the real (kfake) broker and rewrites Produce
// responses on the way back, while budget lasts.
type hostileDialer struct {
	mangle  mangler
	budget  atomic.Int64
	mangled atomic.Int64
	dials   atomic.Int64
	seed    int64
}

func (h *hostileDialer) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	n := h.dials.Add(1)
	return &hostileConn{Conn: nc, h: h, rng: rand.New(rand.NewSource(h.seed + n)), sent: map[int32][2]int16{}}, nil
}

// hostileConn tracks the requests written (correlation id to key and
// version) and serves the responses frame by frame, mangling Produce ones.
type hostileConn struct {
	net.Conn
	h   *hostileDialer
	rng *rand.Rand

	wmu  sync.Mutex
	wbuf []byte // bytes of a request frame not complete yet

	mu   sync.Mutex
	sent map[int32][2]int16

	rbuf bytes.Buffer // the current response frame, as the client sees it
}

func (c *hostileConn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	c.wbuf = append(c.wbuf, b...)
	for len(c.wbuf) >= 4 {
		size := int(binary.BigEndian.Uint32(c.wbuf))
		if len(c.wbuf) < 4+size || size < 8 {
			break
		}
		key := int16(binary.BigEndian.Uint16(c.wbuf[4:]))
		ver := int16(binary.BigEndian.Uint16(c.wbuf[6:]))
		corr := int32(binary.BigEndian.Uint32(c.wbuf[8:]))
		c.mu.Lock()
		c.sent[corr] = [2]int16{key, ver}
		c.mu.Unlock()
		c.wbuf = c.wbuf[4+size:]
	}
	c.wmu.Unlock()
	return c.Conn.Write(b)
}

func (c *hostileConn) Read(b []byte) (int, error) {
	if c.rbuf.Len() == 0 {
		var hdr [4]byte
		if _, err := io.ReadFull(c.Conn, hdr[:]); err != nil {
			return 0, err
		}
		frame := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(c.Conn, frame); err != nil {
			return 0, err
		}
		corr := int32(binary.BigEndian.Uint32(frame))
		c.mu.Lock()
		req, ok := c.sent[corr]
		delete(c.sent, corr)
		c.mu.Unlock()
		if ok && req[0] == int16(kmsg.Produce) && c.h.budget.Add(-1) >= 0 {
			c.h.mangled.Add(1)
			c.rbuf.Write(c.h.mangle(frame, req[1], c.rng))
		} else {
			c.rbuf.Write(hdr[:])
			c.rbuf.Write(frame)
		}
	}
	return c.rbuf.Read(b)
}

// withLength prefixes frame with its length.
func withLength(frame []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(frame))), frame...)
}

// produceHeaderLen is the response header's length: the correlation id,
// and a tag buffer from the first flexible version (9).
func produceHeaderLen(ver int16) int {
	if ver >= 9 {
		return 5
	}
	return 4
}

func hostileManglers() map[string]mangler {
	return map[string]mangler{
		"huge_topic_count": func(f []byte, ver int16, _ *rand.Rand) []byte {
			out := append([]byte(nil), f[:produceHeaderLen(ver)]...)
			if ver >= 9 {
				out = append(out, 0xff, 0xff, 0xff, 0xff, 0x07) // compact array of 2^31 topics
			} else {
				out = binary.BigEndian.AppendUint32(out, 0x7fffffff)
			}
			return withLength(append(out, make([]byte, 16)...))
		},
		"negative_topic_count": func(f []byte, ver int16, _ *rand.Rand) []byte {
			out := append([]byte(nil), f[:produceHeaderLen(ver)]...)
			if ver >= 9 {
				out = append(out, 0) // null compact array
			} else {
				out = binary.BigEndian.AppendUint32(out, 0xfffffff0) // -16
			}
			return withLength(append(out, make([]byte, 8)...))
		},
		"truncated_body": func(f []byte, ver int16, rng *rand.Rand) []byte {
			h := produceHeaderLen(ver)
			return withLength(f[:h+rng.Intn(len(f)-h)])
		},
		"garbage_body": func(f []byte, ver int16, rng *rand.Rand) []byte {
			out := append([]byte(nil), f[:produceHeaderLen(ver)]...)
			junk := make([]byte, 1+rng.Intn(200))
			rng.Read(junk)
			return withLength(append(out, junk...))
		},
		"2GiB_frame_length": func(f []byte, ver int16, _ *rand.Rand) []byte {
			return append([]byte{0x7f, 0xff, 0xff, 0xf0}, f...)
		},
		"wrong_correlation_id": func(f []byte, ver int16, _ *rand.Rand) []byte {
			out := append([]byte(nil), f...)
			binary.BigEndian.PutUint32(out, binary.BigEndian.Uint32(out)+1000)
			return withLength(out)
		},
	}
}

// TestHostileProduceResponses answers some Produce requests with frames a
// broker must never send (the broker did write the batches): the producer
// must not crash or allocate without bound, must drop or survive the
// connection, and, once the broker behaves, deliver every record exactly
// once with idempotence, with each record's single outcome.
func TestHostileProduceResponses(t *testing.T) {
	for name, m := range hostileManglers() {
		for _, idem := range []bool{true, false} {
			t.Run(name+map[bool]string{true: "/idempotent", false: "/plain"}[idem], func(t *testing.T) {
				runHostile(t, m, idem, 12, 0)
			})
		}
	}
}

// TestHostileResponsesForever never gets a sane Produce response: every
// record must fail, exactly once, within delivery.timeout.ms (plus the
// slack of Flush), with an error that names the problem.
func TestHostileResponsesForever(t *testing.T) {
	for _, name := range []string{"garbage_body", "huge_topic_count", "2GiB_frame_length"} {
		t.Run(name, func(t *testing.T) {
			l := runHostile(t, hostileManglers()[name], true, 1<<40, 4*time.Second)
			o := l.outcomes()
			if o.ok != 0 || o.failed != o.total {
				t.Fatalf("%d acknowledged, failed %v: want every record failed", o.ok, o.byErr)
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			named, neverSent := 0, 0
			for _, r := range l.recs {
				msg := r.err.Error()
				switch {
				case strings.Contains(msg, "malformed produce response") || strings.Contains(msg, "frame length"):
					named++
				case strings.Contains(msg, "after 0 attempts") && strings.Contains(msg, "no produce request was sent"):
					neverSent++ // queued behind the failing batches (or the epoch bump) until it expired
				default:
					t.Fatalf("record failed with %q, which does not name the broken response", msg)
				}
			}
			if named == 0 {
				t.Fatalf("no record's error names the broken response (%d never sent)", neverSent)
			}
			t.Logf("%d errors name the broken response, %d records were never sent", named, neverSent)
			t.Logf("first error: %v", l.recs[0].err)
		})
	}
}

func runHostile(t *testing.T, m mangler, idem bool, budget int64, deliveryTimeout time.Duration) *ledger {
	fake, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(faultPartitions, faultTopic))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	addrs := fake.ListenAddrs()
	ignore := goleak.IgnoreCurrent()
	h := &hostileDialer{mangle: m, seed: 99}
	h.budget.Store(budget)
	cfg := faultConfig(addrs, faultnet.New(0), idem)
	cfg.Dial = h.Dial
	if deliveryTimeout > 0 {
		cfg.DeliveryTimeout, cfg.RequestTimeout, cfg.Linger = deliveryTimeout, deliveryTimeout/2, time.Millisecond
	}
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	l := newLedger(t, faultTopic)
	produceAll(p, l, 3, 100)
	if err := within(t, "Flush", cfg.DeliveryTimeout+30*time.Second, 10*time.Second, p.Flush); err != nil {
		t.Errorf("Flush: %v", err)
	}
	if err := within(t, "Close", 20*time.Second, 10*time.Second, p.Close); err != nil {
		t.Errorf("Close: %v", err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
		t.Errorf("%d MiB allocated in the scenario: a hostile length was trusted", grew>>20)
	}
	o := l.checkOutcomes()
	t.Logf("%d records: %d acknowledged, failed %v; %d responses mangled, %d connections",
		o.total, o.ok, o.byErr, h.mangled.Load(), h.dials.Load())
	if h.mangled.Load() == 0 {
		t.Errorf("no response was mangled: the scenario tested nothing")
	}
	// Each malformed response drops its connection (frame-level garbage
	// is caught by the connection layer, body-level garbage by the sender).
	if dials := h.dials.Load(); dials <= h.mangled.Load()/2 {
		t.Errorf("%d connections for %d malformed responses: connections with broken responses are kept", dials, h.mangled.Load())
	}
	if deliveryTimeout == 0 && o.ok != o.total {
		t.Errorf("%d of %d records acknowledged after the broker recovered (failures: %v)", o.ok, o.total, o.byErr)
	}
	goleak.VerifyNone(t, ignore)
	l.checkLog(addrs, idem)
	return l
}
