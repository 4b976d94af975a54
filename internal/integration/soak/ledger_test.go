package soak

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A record's id is its producer's index in the top 16 bits and its send
// sequence in that producer below; the id is the first 8 bytes of its
// value.
func recordID(producer, seq int) uint64 { return uint64(producer)<<48 | uint64(seq) }

func idProducer(id uint64) int { return int(id >> 48) }

// recordValue returns the value for id: the id, then padding.
func recordValue(id uint64, pad int) []byte {
	v := make([]byte, 8, 8+pad)
	binary.BigEndian.PutUint64(v, id)
	return append(v, strings.Repeat("p", pad)...)
}

// ledger keeps every record's one outcome.
type ledger struct {
	mu     sync.Mutex
	sent   map[uint64]samsa.Record
	acked  map[uint64]samsa.RecordMetadata
	failed map[uint64]error
	second []string // ids that got more than one outcome
}

func newLedger() *ledger {
	return &ledger{sent: map[uint64]samsa.Record{}, acked: map[uint64]samsa.RecordMetadata{}, failed: map[uint64]error{}}
}

// produce sends r with id and records its outcome.
func (l *ledger) produce(ctx context.Context, p *samsa.Producer, id uint64, r samsa.Record) {
	l.mu.Lock()
	l.sent[id] = r
	l.mu.Unlock()
	p.Produce(ctx, r, func(md samsa.RecordMetadata, err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		_, a := l.acked[id]
		_, f := l.failed[id]
		if a || f {
			l.second = append(l.second, fmt.Sprintf("%x", id))
			return
		}
		if err != nil {
			l.failed[id] = err
			return
		}
		l.acked[id] = md
	})
}

// outcomes is the number of records with an outcome.
func (l *ledger) outcomes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked) + len(l.failed)
}

// mayBeWritten reports whether a failed record's error leaves open that
// it was written: its outcome is unknown, or it timed out after at least
// one attempt (which may have been written without an answer).
func mayBeWritten(err error) bool {
	var dt *samsa.DeliveryTimeoutError
	return errors.Is(err, samsa.ErrOutcomeUnknown) || errors.As(err, &dt) && dt.Attempts > 0
}

// report is the reconciliation of a ledger with a topic's contents.
type report struct {
	sent, acked, failed   int
	timedOut, unknown     int // failed with ErrDeliveryTimeout, ErrOutcomeUnknown
	read                  int
	lost, dups, reordered int
	failedButWritten      int // failed records found in the topic
	wrongPlace, different int // acknowledged at another offset; other content
	failures              map[string]int
}

func (r report) String() string {
	return fmt.Sprintf("%d sent, %d acknowledged, %d failed (%d delivery timeout, %d outcome unknown, %d of the failed found in the topic); "+
		"read back %d: %d lost, %d duplicates, %d out of order, %d at another offset than acknowledged, %d with other content",
		r.sent, r.acked, r.failed, r.timedOut, r.unknown, r.failedButWritten, r.read, r.lost, r.dups, r.reordered, r.wrongPlace, r.different)
}

// reconcile reads topic back (read_committed) and compares it with the
// ledger. Per partition, each producer's records must appear in send
// order. The caller decides which counts are failures; reconcile fails
// the test only when a record has two outcomes or is missing an outcome.
func (l *ledger) reconcile(t *testing.T, c *kafkatest.Cluster, topic string) report {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.second) > 0 {
		t.Errorf("%d records got a second outcome, e.g. %s", len(l.second), l.second[0])
	}
	rep := report{sent: len(l.sent), acked: len(l.acked), failed: len(l.failed), failures: map[string]int{}}
	if rep.acked+rep.failed != rep.sent {
		t.Errorf("%d records sent, %d outcomes", rep.sent, rep.acked+rep.failed)
	}
	for _, err := range l.failed {
		switch {
		case errors.Is(err, samsa.ErrOutcomeUnknown):
			rep.unknown++
		case errors.Is(err, samsa.ErrDeliveryTimeout):
			rep.timedOut++
		}
		rep.failures[failureKind(err.Error())]++
	}
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, rep.acked, itest.ConsumeOpts{
		ReadCommitted: true, Timeout: 3 * time.Minute,
	})
	rep.read = len(got)
	seen := map[uint64]int{}
	type stream struct {
		partition int32
		producer  int
	}
	last := map[stream]uint64{}
	for _, r := range got {
		if len(r.Value) < 8 {
			rep.different++
			continue
		}
		id := binary.BigEndian.Uint64(r.Value)
		seen[id]++
		if seen[id] > 1 {
			continue
		}
		s := stream{r.Partition, idProducer(id)}
		if prev, ok := last[s]; ok && id < prev {
			rep.reordered++
		}
		last[s] = id
		if md, ok := l.acked[id]; ok {
			if md.Partition != r.Partition || md.Offset != r.Offset {
				rep.wrongPlace++
			} else if diff := itest.Equal(r, l.sent[id], md); diff != "" {
				rep.different++
				if rep.different <= 3 {
					t.Logf("record %x at %d/%d: %s; neighbours: %s", id, r.Partition, r.Offset, diff, l.neighbours(got, r.Partition, r.Offset))
				}
			}
		}
	}
	for id, n := range seen {
		if n > 1 {
			rep.dups += n - 1
		}
		if _, ok := l.failed[id]; ok {
			rep.failedButWritten++
			if !mayBeWritten(l.failed[id]) {
				t.Errorf("record %x failed with %v, which says it was not written, but it is in the topic", id, l.failed[id])
			}
		}
		if _, ok := l.sent[id]; !ok {
			t.Errorf("record %x is in the topic but was never sent", id)
		}
	}
	for id := range l.acked {
		if seen[id] == 0 {
			rep.lost++
		}
	}
	return rep
}

// logFailures logs the distinct failure messages.
func (r report) logFailures(t *testing.T) {
	msgs := make([]string, 0, len(r.failures))
	for m := range r.failures {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	for _, m := range msgs {
		t.Logf("  %d× %s", r.failures[m], m)
	}
}

// failureKind returns err's message with digit runs replaced by N, so
// that failures differing only in partition, offset or attempt count are
// counted together.
func failureKind(msg string) string {
	return digits.ReplaceAllString(msg, "N")
}

var digits = regexp.MustCompile(`[0-9]+`)

// requireExact fails the test unless the stream was exactly once: nothing
// lost, duplicated, reordered, misplaced or altered.
func (r report) requireExact(t *testing.T) {
	t.Helper()
	if r.lost > 0 || r.dups > 0 || r.reordered > 0 || r.wrongPlace > 0 || r.different > 0 {
		t.Errorf("not exactly once: %v", r)
	}
}

// newProducer returns a producer for c's PLAINTEXT listener with props,
// closed at the end of the test.
func newProducer(t *testing.T, c *kafkatest.Cluster, props map[string]string) *samsa.Producer {
	t.Helper()
	p, err := samsa.NewProducer(itest.ProducerConfig(t, c.Bootstrap(kafkatest.PLAINTEXT), props))
	if err != nil {
		t.Fatal(err)
	}
	itest.CloseAtCleanup(t, p, 60*time.Second, true)
	return p
}

// metric returns a producer-metrics total.
func metric(p *samsa.Producer, name string) float64 {
	v, _ := p.Metrics().Value("producer-metrics", name)
	return v
}

// neighbours describes the records read around partition/offset, to
// diagnose a mismatch: offset, id, timestamp read and acknowledged.
func (l *ledger) neighbours(got []*kgo.Record, partition int32, offset int64) string {
	var b strings.Builder
	for _, r := range got {
		if r.Partition != partition || r.Offset < offset-3 || r.Offset > offset+3 {
			continue
		}
		id := binary.BigEndian.Uint64(r.Value)
		fmt.Fprintf(&b, "[%d %x read %d acked %d] ", r.Offset, id, r.Timestamp.UnixMilli(), l.acked[id].Timestamp.UnixMilli())
	}
	return b.String()
}
