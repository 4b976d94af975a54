package sender

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/kerr"
)

// outcome classes of a record.
const (
	ok       = "ok"
	broker   = "broker"   // *BrokerError with the scripted code
	timeout  = "timeout"  // *TimeoutError
	tooLarge = "tooLarge" // *TooLargeError
)

// classOf returns the outcome class of err.
func classOf(err error) string {
	var (
		te *TimeoutError
		tl *TooLargeError
		be *BrokerError
	)
	switch {
	case err == nil:
		return ok
	case errors.As(err, &te):
		return timeout
	case errors.As(err, &tl):
		return tooLarge
	case errors.As(err, &be):
		return broker
	}
	return "other: " + err.Error()
}

// values returns n record values with prefix.
func values(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

// oneBatch is a linger longer than any test: the records a test appends
// before produce's Flush share one batch, so that the first (scripted)
// response decides all of them. With 1 ms, a loaded machine split them
// into batches that kfake answered itself: unscripted successes, and
// sequence errors for a batch whose predecessor was refused, which made
// these tests fail or hang at random.
const oneBatch = time.Hour

// TestResponseDecisions scripts the broker's answer to the first Produce
// requests and checks each record's outcome and how many requests the
// sender spent: retriable codes are retried (within retries and the
// delivery timeout), others fail the batch at once, DUPLICATE_SEQUENCE
// counts as written.
func TestResponseDecisions(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     harnessOpts
		code     kerr.Code
		n        int32 // scripted responses; -1: every one
		want     string
		attempts int32 // scripted requests the sender spent (0: don't check)
	}{
		{"success", harnessOpts{acks: -1}, 0, 0, ok, 0},
		{"NOT_LEADER retried", harnessOpts{acks: -1}, kerr.NotLeaderOrFollower, 2, ok, 2},
		{"LEADER_NOT_AVAILABLE retried", harnessOpts{acks: 1}, kerr.LeaderNotAvailable, 1, ok, 1},
		{"REQUEST_TIMED_OUT retried", harnessOpts{acks: -1}, kerr.RequestTimedOut, 1, ok, 1},
		{"NOT_ENOUGH_REPLICAS retried", harnessOpts{acks: -1}, kerr.NotEnoughReplicas, 3, ok, 3},
		{"KAFKA_STORAGE_ERROR retried", harnessOpts{acks: -1}, kerr.KafkaStorageError, 1, ok, 1},
		{"TOPIC_AUTHORIZATION fails", harnessOpts{acks: -1}, kerr.TopicAuthorizationFailed, 1, broker, 1},
		{"INVALID_RECORD fails", harnessOpts{acks: -1}, kerr.InvalidRecord, 1, broker, 1},
		{"CORRUPT_MESSAGE retried", harnessOpts{acks: -1}, kerr.CorruptMessage, 1, ok, 1},
		{"retries exhausted", harnessOpts{acks: -1, retries: 2}, kerr.NotLeaderOrFollower, -1, broker, 3},
		{"delivery timeout", harnessOpts{acks: -1, delivery: 300 * time.Millisecond}, kerr.NotLeaderOrFollower, -1, timeout, 0},
		{"DUPLICATE_SEQUENCE is written", harnessOpts{idempotent: true}, kerr.DuplicateSequenceNumber, 1, ok, 1},
		{"idempotent NOT_LEADER retried", harnessOpts{idempotent: true}, kerr.NotLeaderOrFollower, 2, ok, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.linger = oneBatch
			h := newHarness(t, o)
			hits := h.script(tc.n, tc.code)
			vals := values("r", 20)
			h.produce(0, vals...)
			out := h.wait()
			for _, v := range vals {
				err := out[v]
				if got := classOf(err); got != tc.want {
					t.Fatalf("%s: outcome %v (%s), want %s", v, err, got, tc.want)
				}
				if tc.want == broker && brokerCode(err) != tc.code {
					t.Fatalf("%s: outcome %v, want the broker's %v", v, err, tc.code.Name())
				}
			}
			if tc.attempts > 0 && hits.Load() != tc.attempts {
				t.Fatalf("%d scripted requests answered, want %d", hits.Load(), tc.attempts)
			}
			if tc.want == ok && tc.code != kerr.DuplicateSequenceNumber { // that answer is scripted, offsets and all
				// Every record written once, in order.
				for i := 1; i < len(vals); i++ {
					if h.offsets[vals[i]] != h.offsets[vals[i-1]]+1 {
						t.Fatalf("offsets %d then %d", h.offsets[vals[i-1]], h.offsets[vals[i]])
					}
				}
			}
			if h.ids != nil {
				if handled, _ := h.ids.asked(); len(handled) != 0 {
					t.Fatalf("the producer was asked about %v", handled)
				}
			}
		})
	}
}

// TestAcksZero: with acks=0 the broker does not answer, and every record
// succeeds without an offset once its request is written.
func TestAcksZero(t *testing.T) {
	h := newHarness(t, harnessOpts{acks: 0})
	vals := values("z", 10)
	h.produce(1, vals...)
	for v, err := range h.wait() {
		if err != nil || h.offsets[v] != -1 {
			t.Fatalf("%s: %v at offset %d, want success without an offset", v, err, h.offsets[v])
		}
	}
}

// TestSequenceErrorsAskTheProducer: sequence and producer-id errors of an
// idempotent batch go to the producer (the transaction manager), whose
// verdict the sender follows: retry, wait for earlier batches, or fail
// (which asks for a new epoch, since a sequenced batch left a hole).
func TestSequenceErrorsAskTheProducer(t *testing.T) {
	for _, tc := range []struct {
		code    kerr.Code
		verdict Verdict
		want    string
		bump    bool
	}{
		{kerr.OutOfOrderSequenceNumber, VerdictRetry, ok, false},
		{kerr.OutOfOrderSequenceNumber, VerdictWaitTurn, ok, false},
		{kerr.UnknownProducerID, VerdictRetry, ok, false},
		{kerr.InvalidProducerEpoch, VerdictRetry, ok, false},
		{kerr.OutOfOrderSequenceNumber, VerdictFail, broker, true},
		{kerr.InvalidProducerEpoch, VerdictFail, broker, true},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.code.Name(), tc.verdict), func(t *testing.T) {
			h := newHarness(t, harnessOpts{idempotent: true, linger: oneBatch})
			h.ids.verdict = tc.verdict
			h.script(1, tc.code)
			vals := values("s", 5)
			h.produce(0, vals...)
			for _, v := range vals {
				if got := classOf(h.wait()[v]); got != tc.want {
					t.Fatalf("%s: %s, want %s", v, got, tc.want)
				}
			}
			handled, bumps := h.ids.asked()
			if len(handled) != 1 || handled[0] != tc.code {
				t.Fatalf("HandleError got %v, want [%v]", handled, tc.code.Name())
			}
			if (len(bumps) > 0) != tc.bump {
				t.Fatalf("bumps requested: %v, want any=%v", bumps, tc.bump)
			}
		})
	}
}

// TestMessageTooLarge: a multi-record batch the broker refuses as too
// large is split and its records written; a single record it refuses
// fails with a TooLargeError carrying the broker's error.
func TestMessageTooLarge(t *testing.T) {
	t.Run("split", func(t *testing.T) {
		// A linger the 30 appends fit in, under -race on a loaded machine:
		// a first batch of one record cannot be split.
		h := newHarness(t, harnessOpts{acks: -1, linger: 200 * time.Millisecond})
		hits := h.script(1, kerr.MessageTooLarge)
		vals := values(strings.Repeat("x", 200), 30)
		h.produce(0, vals...)
		for v, err := range h.wait() {
			if err != nil {
				t.Fatalf("%s: %v", v[len(v)-3:], err)
			}
		}
		if hits.Load() != 1 || h.s.Stats.Total.Splits.Load() == 0 {
			t.Fatalf("%d refusals, %d splits", hits.Load(), h.s.Stats.Total.Splits.Load())
		}
	})
	t.Run("single record", func(t *testing.T) {
		h := newHarness(t, harnessOpts{acks: -1})
		h.script(-1, kerr.RecordListTooLarge)
		h.produce(0, "alone")
		err := h.wait()["alone"]
		var tl *TooLargeError
		if !errors.As(err, &tl) || brokerCode(err) != kerr.RecordListTooLarge || tl.Size <= 0 {
			t.Fatalf("outcome %v, want a TooLargeError from RECORD_LIST_TOO_LARGE", err)
		}
	})
}

// TestStatsCount: requests, batches, records and retries are counted per
// broker and topic.
func TestStatsCount(t *testing.T) {
	h := newHarness(t, harnessOpts{acks: -1})
	h.script(1, kerr.NotLeaderOrFollower)
	h.produce(0, values("m", 8)...)
	h.wait()
	st := &h.s.Stats
	if st.Total.Records.Load() != 8 || st.Total.Retries.Load() == 0 || st.Topic("t").Records.Load() != 8 {
		t.Fatalf("records %d (topic %d), retries %d", st.Total.Records.Load(), st.Topic("t").Records.Load(), st.Total.Retries.Load())
	}
	if len(st.Brokers()) == 0 || len(st.Topics()) != 1 {
		t.Fatalf("%d brokers, %d topics in the stats", len(st.Brokers()), len(st.Topics()))
	}
}

// TestErrorsText: the sender's errors say what happened and unwrap to
// their cause.
func TestErrorsText(t *testing.T) {
	be := &BrokerError{Code: int16(kerr.NotLeaderOrFollower), Msg: "moved"}
	for _, c := range []struct {
		err  error
		want string
		wrap bool
	}{
		{be, "NOT_LEADER_OR_FOLLOWER: moved", false},
		{&BrokerError{Code: 4242}, "error code 4242", false},
		{&TimeoutError{Timeout: time.Second, Attempts: 3, Last: be}, "delivery timeout 1s after 3 attempts", true},
		{&TooLargeError{Size: 10, Err: be}, "refused a 10-byte record batch", true},
		{&UnknownOutcomeError{Last: be}, "may or may not have been written", true},
		{&AbortedError{Last: be}, "transaction aborted", true},
	} {
		if !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%q lacks %q", c.err.Error(), c.want)
		}
		if c.wrap && !errors.Is(c.err, be) {
			t.Errorf("%T does not unwrap to its cause", c.err)
		}
	}
	if !be.Retriable() || (&BrokerError{Code: int16(kerr.TopicAuthorizationFailed)}).Retriable() {
		t.Error("retriability")
	}
	for code, want := range map[kerr.Code]bool{kerr.NotLeaderOrFollower: true, kerr.UnknownTopicOrPartition: true,
		kerr.FencedLeaderEpoch: true, kerr.NotEnoughReplicas: false, kerr.MessageTooLarge: false} {
		if refreshesMetadata(int16(code)) != want {
			t.Errorf("refreshesMetadata(%v) != %v", code.Name(), want)
		}
	}
}
