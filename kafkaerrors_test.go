package samsa

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/samsa-go/samsa/internal/kerr"
)

func TestKafkaErrorSentinelsMatchTable(t *testing.T) {
	// A spot check that the generated sentinels carry the table's values.
	cases := []struct {
		err       *KafkaError
		code      int16
		name      string
		retriable bool
	}{
		{ErrUnknownServerError, -1, "UNKNOWN_SERVER_ERROR", false},
		{ErrNotLeaderOrFollower, 6, "NOT_LEADER_OR_FOLLOWER", true},
		{ErrMessageTooLarge, 10, "MESSAGE_TOO_LARGE", false},
		{ErrNotEnoughReplicas, 19, "NOT_ENOUGH_REPLICAS", true},
		{ErrTopicAuthorizationFailed, 29, "TOPIC_AUTHORIZATION_FAILED", false},
		{ErrBrokerInvalidConfig, 40, "INVALID_CONFIG", false},
		{ErrOutOfOrderSequenceNumber, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false},
		{ErrInvalidProducerIDMapping, 49, "INVALID_PRODUCER_ID_MAPPING", false},
		{ErrConcurrentTransactions, 51, "CONCURRENT_TRANSACTIONS", true},
		{ErrSASLAuthenticationFailed, 58, "SASL_AUTHENTICATION_FAILED", false},
		{ErrUnknownProducerID, 59, "UNKNOWN_PRODUCER_ID", false},
		{ErrProducerFenced, 90, "PRODUCER_FENCED", false},
		{ErrTransactionAbortable, 120, "TRANSACTION_ABORTABLE", false},
		{ErrShareSessionLimitReached, 133, "SHARE_SESSION_LIMIT_REACHED", true},
	}
	for _, c := range cases {
		if c.err.Code != c.code || c.err.Name != c.name || c.err.Retriable != c.retriable {
			t.Errorf("sentinel %s = {%d %s %v}; want {%d %s %v}", c.name, c.err.Code, c.err.Name, c.err.Retriable, c.code, c.name, c.retriable)
		}
	}
}

func TestKafkaErrorForCodeCoversTable(t *testing.T) {
	for _, info := range kerr.All() {
		e := KafkaErrorForCode(info.Code, "")
		if info.Code == 0 {
			if e != nil {
				t.Errorf("KafkaErrorForCode(0) = %v; want nil", e)
			}
			continue
		}
		if e.Code != info.Code || e.Name != info.Name || e.Retriable != info.Retriable {
			t.Errorf("KafkaErrorForCode(%d) = %+v; want %+v", info.Code, e, info)
		}
		if !strings.HasPrefix(e.Error(), fmt.Sprintf("%s (%d): ", info.Name, info.Code)) {
			t.Errorf("KafkaErrorForCode(%d).Error() = %q", info.Code, e.Error())
		}
		if IsRetriable(e) != info.Retriable {
			t.Errorf("IsRetriable(%s) = %v; want %v", info.Name, !info.Retriable, info.Retriable)
		}
	}
}

func TestKafkaErrorMessageAndIs(t *testing.T) {
	e := KafkaErrorForCode(6, "leader moved to broker 3")
	want := "NOT_LEADER_OR_FOLLOWER (6): the broker is not the partition's leader (or not one of its replicas); metadata is stale: leader moved to broker 3"
	if e.Error() != want {
		t.Errorf("Error() = %q; want %q", e.Error(), want)
	}
	wrapped := fmt.Errorf("producing to t[0]: %w", e)
	if !errors.Is(wrapped, ErrNotLeaderOrFollower) {
		t.Error("errors.Is(wrapped NOT_LEADER_OR_FOLLOWER with message, ErrNotLeaderOrFollower) = false")
	}
	if errors.Is(wrapped, ErrLeaderNotAvailable) {
		t.Error("errors.Is matched a different code")
	}
	if errors.Is(wrapped, ErrRecordTooLarge) || errors.Is(ErrMessageTooLarge, ErrRecordTooLarge) {
		t.Error("a Kafka error matched the client-side ErrRecordTooLarge")
	}
	var ke *KafkaError
	if !errors.As(wrapped, &ke) || ke.Message != "leader moved to broker 3" {
		t.Errorf("errors.As gave %+v", ke)
	}
	var nilKE *KafkaError
	if e.Is(nilKE) {
		t.Error("Is(nil *KafkaError) = true")
	}
}

func TestKafkaErrorUnknownCode(t *testing.T) {
	e := KafkaErrorForCode(4242, "something new")
	if e == nil || e.Code != 4242 || e.Name != "" || e.Retriable {
		t.Fatalf("KafkaErrorForCode(4242) = %+v", e)
	}
	if got, want := e.Error(), "Kafka error code 4242: a code this client does not know: something new"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if !errors.Is(e, &KafkaError{Code: 4242}) || errors.Is(e, ErrUnknownServerError) {
		t.Error("unknown code matched wrongly")
	}
	// A hand-built error with only a code takes its name from the table.
	if got := (&KafkaError{Code: 7}).Error(); !strings.HasPrefix(got, "REQUEST_TIMED_OUT (7): ") {
		t.Errorf("Error() of a bare code = %q", got)
	}
}

type keRetriableErr bool

func (r keRetriableErr) Error() string   { return "custom" }
func (r keRetriableErr) Retriable() bool { return bool(r) }

type keTimeoutErr struct{ timeout bool }

func (e keTimeoutErr) Error() string   { return "net" }
func (e keTimeoutErr) Timeout() bool   { return e.timeout }
func (e keTimeoutErr) Temporary() bool { return false }

func TestIsRetriable(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("x"), false},
		{"retriable kafka", KafkaErrorForCode(19, ""), true},
		{"fatal kafka", ErrTopicAuthorizationFailed, false},
		{"wrapped retriable kafka", fmt.Errorf("a: %w", ErrNotLeaderOrFollower), true},
		{"Retriable() true", keRetriableErr(true), true},
		{"Retriable() false", fmt.Errorf("w: %w", keRetriableErr(false)), false},
		{"net timeout", &net.OpError{Op: "read", Err: keTimeoutErr{true}}, true},
		{"net non-timeout", &net.OpError{Op: "read", Err: keTimeoutErr{false}}, false},
		{"os deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), true},
		{"context deadline", context.DeadlineExceeded, false},
		{"context canceled", fmt.Errorf("w: %w", context.Canceled), false},
		{"joined", errors.Join(errors.New("a"), ErrRequestTimedOut), true},
		{"outer decides", fmt.Errorf("w: %w", &keWrapRetriable{retriable: false, err: ErrNotLeaderOrFollower}), false},
	}
	for _, c := range cases {
		if got := IsRetriable(c.err); got != c.want {
			t.Errorf("%s: IsRetriable(%v) = %v; want %v", c.name, c.err, got, c.want)
		}
	}
}

type keWrapRetriable struct {
	retriable bool
	err       error
}

func (w *keWrapRetriable) Error() string   { return "wrap: " + w.err.Error() }
func (w *keWrapRetriable) Unwrap() error   { return w.err }
func (w *keWrapRetriable) Retriable() bool { return w.retriable }
