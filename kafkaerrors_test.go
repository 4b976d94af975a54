package samsa

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	ikerr "github.com/samsa-go/samsa/internal/kerr"
	"github.com/samsa-go/samsa/kerr"
)

func TestKafkaErrorCoversTable(t *testing.T) {
	for _, info := range ikerr.All() {
		e := kafkaError(info.Code, "")
		if info.Code == 0 {
			if e != nil {
				t.Errorf("kafkaError(0) = %v; want nil", e)
			}
			continue
		}
		if e.Code != kerr.Code(info.Code) || e.Code.Name() != info.Name {
			t.Errorf("kafkaError(%d) = %+v; want %+v", info.Code, e, info)
		}
		if !strings.HasPrefix(e.Error(), fmt.Sprintf("%s (%d): ", info.Name, info.Code)) {
			t.Errorf("kafkaError(%d).Error() = %q", info.Code, e.Error())
		}
		if IsRetriable(e) != info.Retriable {
			t.Errorf("IsRetriable(%s) = %v; want %v", info.Name, !info.Retriable, info.Retriable)
		}
		if !errors.Is(fmt.Errorf("w: %w", e), kerr.Code(info.Code)) {
			t.Errorf("errors.Is(wrapped %s, its kerr.Code) = false", info.Name)
		}
	}
}

func TestKafkaErrorMessageAndIs(t *testing.T) {
	e := kafkaError(6, "leader moved to broker 3")
	want := "NOT_LEADER_OR_FOLLOWER (6): the broker is not the partition's leader (or not one of its replicas); metadata is stale: leader moved to broker 3"
	if e.Error() != want {
		t.Errorf("Error() = %q; want %q", e.Error(), want)
	}
	wrapped := fmt.Errorf("producing to t[0]: %w", e)
	if !errors.Is(wrapped, kerr.NotLeaderOrFollower) {
		t.Error("errors.Is(wrapped NOT_LEADER_OR_FOLLOWER with message, kerr.NotLeaderOrFollower) = false")
	}
	if errors.Is(wrapped, kerr.LeaderNotAvailable) {
		t.Error("errors.Is matched a different code")
	}
	if errors.Is(wrapped, ErrRecordTooLarge) || errors.Is(kerr.MessageTooLarge, ErrRecordTooLarge) {
		t.Error("a Kafka error matched the client-side ErrRecordTooLarge")
	}
	var ke *KafkaError
	if !errors.As(wrapped, &ke) || ke.Message != "leader moved to broker 3" {
		t.Errorf("errors.As gave %+v", ke)
	}
	var code kerr.Code
	if !errors.As(wrapped, &code) || code != kerr.NotLeaderOrFollower {
		t.Errorf("errors.As(wrapped, *kerr.Code) gave %d", code)
	}
	if got := (&KafkaError{Code: kerr.RequestTimedOut}).Error(); got != kerr.RequestTimedOut.Error() {
		t.Errorf("Error() without a message = %q; want the code's %q", got, kerr.RequestTimedOut.Error())
	}
}

func TestKafkaErrorUnknownCode(t *testing.T) {
	e := kafkaError(4242, "something new")
	if e == nil || e.Code != 4242 || e.Code.Name() != "" || IsRetriable(e) {
		t.Fatalf("kafkaError(4242) = %+v", e)
	}
	if got, want := e.Error(), "Kafka error code 4242: a code this client does not know: something new"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if !errors.Is(e, kerr.Code(4242)) || errors.Is(e, kerr.UnknownServerError) {
		t.Error("unknown code matched wrongly")
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
		{"retriable kafka", kafkaError(19, ""), true},
		{"retriable bare code", kerr.NotEnoughReplicas, true},
		{"fatal kafka", kafkaError(29, ""), false},
		{"wrapped retriable kafka", fmt.Errorf("a: %w", kerr.NotLeaderOrFollower), true},
		{"Retriable() true", keRetriableErr(true), true},
		{"Retriable() false", fmt.Errorf("w: %w", keRetriableErr(false)), false},
		{"net timeout", &net.OpError{Op: "read", Err: keTimeoutErr{true}}, true},
		{"net non-timeout", &net.OpError{Op: "read", Err: keTimeoutErr{false}}, false},
		{"os deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), true},
		{"context deadline", context.DeadlineExceeded, false},
		{"context canceled", fmt.Errorf("w: %w", context.Canceled), false},
		{"joined", errors.Join(errors.New("a"), kerr.RequestTimedOut), true},
		{"outer decides", fmt.Errorf("w: %w", &keWrapRetriable{retriable: false, err: kerr.NotLeaderOrFollower}), false},
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
