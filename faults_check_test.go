package samsa_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/samsa-go/samsa/internal/itest/respond"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ledger records every record a fault scenario produces and its outcome,
// and checks the producer's promises against what the broker holds.
// Records are named "w<writer>-<seq>" in their value; each writer
// goroutine writes its records in order, so per-partition order can be
// checked writer by writer.
type ledger struct {
	t     testing.TB
	topic string

	mu   sync.Mutex
	recs []*sentRecord

	double atomic.Int64 // callbacks beyond the first
}

// sentRecord is one produced record and its outcome.
type sentRecord struct {
	writer, seq int
	partition   int32 // the explicit partition it was sent to
	calls       atomic.Int32
	md          samsa.RecordMetadata
	err         error
	at          time.Time
}

func newLedger(t testing.TB, topic string) *ledger {
	return &ledger{t: t, topic: topic}
}

// recordValue names record seq of writer.
func recordValue(writer, seq int) string { return fmt.Sprintf("w%d-%d", writer, seq) }

// recordPadding makes records large enough that a scenario spans many
// produce requests.
var recordPadding = strings.Repeat(".", 120)

func parseValue(v []byte) (writer, seq int, ok bool) {
	name, _, _ := strings.Cut(string(v), "|")
	w, s, found := strings.Cut(strings.TrimPrefix(name, "w"), "-")
	if !found {
		return 0, 0, false
	}
	wi, err1 := strconv.Atoi(w)
	si, err2 := strconv.Atoi(s)
	return wi, si, err1 == nil && err2 == nil
}

// record registers a new record and returns it with its callback.
func (l *ledger) record(writer, seq int, partition int32) (samsa.Record, func(samsa.RecordMetadata, error)) {
	sr := &sentRecord{writer: writer, seq: seq, partition: partition}
	l.mu.Lock()
	l.recs = append(l.recs, sr)
	l.mu.Unlock()
	r := samsa.Record{
		Topic: l.topic, Partition: samsa.PartitionOf(partition),
		Key: []byte(strconv.Itoa(writer)), Value: []byte(recordValue(writer, seq) + "|" + recordPadding),
	}
	return r, func(md samsa.RecordMetadata, err error) {
		if n := sr.calls.Add(1); n > 1 {
			l.double.Add(1)
			l.t.Errorf("record %s: callback called %d times (now with %v, first with %v)",
				recordValue(writer, seq), n, err, sr.err)
			return
		}
		sr.md, sr.err, sr.at = md, err, time.Now()
	}
}

// outcomes counts the records by outcome; it must run after the producer
// closed (callbacks no longer run).
type outcomes struct {
	total, ok, failed, none int
	byErr                   map[string]int
}

func (l *ledger) outcomes() outcomes {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := outcomes{total: len(l.recs), byErr: map[string]int{}}
	for _, r := range l.recs {
		switch {
		case r.calls.Load() == 0:
			o.none++
		case r.err == nil:
			o.ok++
		default:
			o.failed++
			o.byErr[errorClass(r.err)]++
		}
	}
	return o
}

// errorClass names an outcome error for the summary.
func errorClass(err error) string {
	var ke *samsa.KafkaError
	switch {
	case errors.Is(err, samsa.ErrProducerClosed):
		return "ErrProducerClosed"
	case errors.Is(err, samsa.ErrDeliveryTimeout):
		return "ErrDeliveryTimeout"
	case errors.Is(err, samsa.ErrOutcomeUnknown):
		return "ErrOutcomeUnknown"
	case errors.Is(err, samsa.ErrWouldBlock):
		return "ErrWouldBlock"
	case errors.Is(err, samsa.ErrBufferExhausted):
		return "ErrBufferExhausted"
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.As(err, &ke):
		return ke.Code.Name()
	}
	return err.Error()
}

// ambiguous reports whether a failed record may still have been written.
func ambiguous(err error) bool {
	return errors.Is(err, samsa.ErrDeliveryTimeout) || errors.Is(err, samsa.ErrOutcomeUnknown) ||
		errors.Is(err, samsa.ErrProducerClosed)
}

// checkOutcomes fails the test unless every record got exactly one
// outcome; it runs after Close returned.
func (l *ledger) checkOutcomes() outcomes {
	l.t.Helper()
	o := l.outcomes()
	if o.none > 0 {
		l.mu.Lock()
		var first *sentRecord
		for _, r := range l.recs {
			if r.calls.Load() == 0 {
				first = r
				break
			}
		}
		l.mu.Unlock()
		l.t.Errorf("%d of %d records got no outcome after Close returned (first: %s)",
			o.none, o.total, recordValue(first.writer, first.seq))
	}
	if d := l.double.Load(); d > 0 {
		l.t.Errorf("%d callbacks ran more than once", d)
	}
	return o
}

// checkLog reads the topic back and compares it with the outcomes: with
// idempotence, every acknowledged record is there exactly once, at the
// offset its metadata gave, and each writer's records are in order in
// each partition; records that failed with a definite error are absent.
// Without idempotence every acknowledged record is there; duplicates are
// counted and logged.
func (l *ledger) checkLog(addrs []string, idempotent bool) {
	l.t.Helper()
	log := readBack(l.t, addrs, l.topic)
	type pos struct {
		partition int32
		offset    int64
	}
	seen := map[string][]pos{}
	lastSeq := map[[2]int]int{} // partition, writer -> last seq seen
	for _, r := range log {
		w, s, ok := parseValue(r.Value)
		if !ok {
			l.t.Errorf("%s[%d]@%d holds a record samsa did not write: %q", r.Topic, r.Partition, r.Offset, r.Value)
			continue
		}
		v := recordValue(w, s)
		seen[v] = append(seen[v], pos{r.Partition, r.Offset})
		k := [2]int{int(r.Partition), w}
		if last, ok := lastSeq[k]; ok && s <= last && idempotent {
			l.t.Errorf("partition %d: writer %d's record %d comes after its record %d: order broken", r.Partition, w, s, last)
		}
		lastSeq[k] = s
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	missing, dups, definiteWritten := 0, 0, 0
	for _, sr := range l.recs {
		v := recordValue(sr.writer, sr.seq)
		at := seen[v]
		if len(at) > 1 {
			dups += len(at) - 1
		}
		switch {
		case sr.err == nil && len(at) == 0:
			missing++
			if missing <= 5 {
				l.t.Errorf("record %s was acknowledged at %d@%d but is not in the log", v, sr.md.Partition, sr.md.Offset)
			}
		case sr.err == nil && idempotent && (at[0].partition != sr.md.Partition || at[0].offset != sr.md.Offset):
			l.t.Errorf("record %s acknowledged at %d@%d is at %d@%d", v, sr.md.Partition, sr.md.Offset, at[0].partition, at[0].offset)
		case sr.err == nil && sr.md.Partition != sr.partition:
			l.t.Errorf("record %s sent to partition %d acknowledged on %d", v, sr.partition, sr.md.Partition)
		case sr.err != nil && len(at) > 0 && !ambiguous(sr.err):
			definiteWritten++
			l.t.Errorf("record %s failed with %v, which says it was not written, yet it is at %d@%d", v, sr.err, at[0].partition, at[0].offset)
		}
	}
	if missing > 0 {
		l.t.Errorf("%d acknowledged records missing from the log", missing)
	}
	if idempotent && dups > 0 {
		l.t.Errorf("%d duplicate records in the log with idempotence on", dups)
	} else if dups > 0 {
		l.t.Logf("%d duplicates in the log (idempotence off: allowed)", dups)
	}
}

// readBack reads every record of topic up to the partitions' end offsets
// with an independent client.
func readBack(t testing.TB, addrs []string, topic string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("end offsets of %s: %v", topic, err)
	}
	want := int64(0)
	ends.Each(func(o kadm.ListedOffset) { want += o.Offset })
	var out []*kgo.Record
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records of %s: %v", len(out), want, topic, ctx.Err())
		}
		fs.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", tp, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}

// within runs fn, which must honour ctx, and fails the test if it returns
// later than ctx's deadline plus slack: a hang is a bug.
func within(t testing.TB, what string, limit, slack time.Duration, fn func(ctx context.Context) error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit + slack):
		t.Fatalf("%s did not return within its %v deadline + %v slack (started %v ago)", what, limit, slack, time.Since(start))
		return nil
	}
}

// recordingTB keeps the failures a ledger reports, so that the checker
// itself can be tested.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Helper()             {}
func (r *recordingTB) Logf(string, ...any) {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recordingTB) reported(sub string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.errs {
		if strings.Contains(e, sub) {
			return true
		}
	}
	return false
}

// TestLedgerCatchesBrokenPromises shows the checker fails a scenario when
// a promise is broken: a second callback, a record without outcome, an
// acknowledged record missing from the log (a broker that acknowledges
// without writing), and a duplicate with idempotence.
func TestLedgerCatchesBrokenPromises(t *testing.T) {
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(faultPartitions, faultTopic))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	addrs := fake.ListenAddrs()
	rec := &recordingTB{TB: t}
	l := newLedger(rec, faultTopic)

	_, cb := l.record(0, 0, 0)
	cb(samsa.RecordMetadata{}, nil)
	cb(samsa.RecordMetadata{}, nil)
	l.record(0, 1, 0) // never produced: no outcome
	l.checkOutcomes()
	if !rec.reported("callback called 2 times") || !rec.reported("got no outcome") {
		t.Fatalf("double callback or missing outcome not reported: %q", rec.errs)
	}

	// A lying broker: it acknowledges the first request without writing.
	fake.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		return respond.ProduceError(r.(*kmsg.ProduceRequest), 0, 0), nil, true
	})
	cfg := faultConfig(addrs, faultnet.New(0), true)
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l2 := newLedger(rec, faultTopic)
	for s := range 3 {
		r, cb := l2.record(1, s, 1)
		p.Produce(context.Background(), r, cb)
		p.Flush(context.Background())
	}
	// And a duplicate: the second record written again behind the producer's back.
	dup, _ := l2.record(1, 1, 1)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: faultTopic, Partition: 1, Value: dup.Value}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	p.Close(context.Background())
	l2.mu.Lock()
	l2.recs = l2.recs[:3] // the duplicate's entry was only a way to build its value
	l2.mu.Unlock()
	l2.checkLog(addrs, true)
	if !rec.reported("acknowledged records missing from the log") {
		t.Fatalf("an acknowledged record missing from the log was not reported: %q", rec.errs)
	}
	if !rec.reported("duplicate records in the log with idempotence on") {
		t.Fatalf("a duplicate was not reported: %q", rec.errs)
	}
}
