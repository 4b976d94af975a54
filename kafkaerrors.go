package samsa

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/samsa-go/samsa/internal/kerr"
)

//go:generate go run ./internal/kerr/cmd/gensentinels -o kafkaerrors_gen.go

// KafkaError is an error code returned by a Kafka broker, with the
// broker's error message when it sent one.
//
// Every code Kafka defines has a sentinel, named Err followed by the code's
// name in CamelCase: ErrNotLeaderOrFollower for NOT_LEADER_OR_FOLLOWER,
// ErrOutOfOrderSequenceNumber, ErrTopicAuthorizationFailed, and so on, with
// the initialisms ID and SASL in capitals (ErrInvalidProducerIDMapping,
// ErrSASLAuthenticationFailed). INVALID_CONFIG's sentinel is
// ErrBrokerInvalidConfig, because ErrInvalidConfig is the producer's own
// configuration error. Kafka's MESSAGE_TOO_LARGE (ErrMessageTooLarge) is the
// broker refusing a batch; ErrRecordTooLarge is the producer refusing a
// record before it is sent.
//
// errors.Is(err, samsa.ErrNotLeaderOrFollower) matches any *KafkaError
// with that code, whatever its Message.
type KafkaError struct {
	// Code is the protocol error code.
	Code int16
	// Name is Kafka's name for the code, such as "NOT_LEADER_OR_FOLLOWER";
	// empty for a code this client does not know.
	Name string
	// Retriable reports whether the Java client classifies the code as
	// retriable (its exception extends RetriableException).
	Retriable bool
	// Message is the broker's error message, if it sent one.
	Message string
}

// Error returns the code's name and number, a description, and the
// broker's message if any, as in
// "NOT_LEADER_OR_FOLLOWER (6): the broker is not the partition's leader ...".
func (e *KafkaError) Error() string {
	name := e.Name
	desc := ""
	if info, ok := kerr.Lookup(e.Code); ok {
		if name == "" {
			name = info.Name
		}
		desc = info.Description
	}
	var s string
	if name == "" {
		s = "Kafka error code " + strconv.Itoa(int(e.Code)) + ": a code this client does not know"
	} else {
		s = name + " (" + strconv.Itoa(int(e.Code)) + ")"
		if desc != "" {
			s += ": " + desc
		}
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is reports whether target is a *KafkaError with the same Code, so that
// errors.Is matches the sentinels whatever broker message e carries.
func (e *KafkaError) Is(target error) bool {
	t, ok := target.(*KafkaError)
	return ok && t != nil && t.Code == e.Code
}

// KafkaErrorForCode returns a new *KafkaError for code carrying the
// broker's message msg (which may be empty). It returns nil for code 0
// (NONE), which is not an error. A code this client does not know still
// gives a usable error: Name is empty, Retriable is false (the Java client
// treats unknown codes as UNKNOWN_SERVER_ERROR), and Error names the code.
func KafkaErrorForCode(code int16, msg string) *KafkaError {
	if code == 0 {
		return nil
	}
	e := &KafkaError{Code: code, Message: msg}
	if info, ok := kerr.Lookup(code); ok {
		e.Name = info.Name
		e.Retriable = info.Retriable
	}
	return e
}

// IsRetriable reports whether err, or an error it wraps, is worth
// retrying:
//
//   - a *KafkaError whose Retriable is true;
//   - an error with a Retriable() bool method, which decides;
//   - a net.Error whose Timeout() is true (a connection or read timeout),
//     except context.DeadlineExceeded and context.Canceled, which mean the
//     caller's own deadline or cancellation.
//
// The first of these found while unwrapping decides. Anything else,
// including nil, is not retriable.
func IsRetriable(err error) bool {
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	// Walk the chain ourselves so that the innermost decision nearest the
	// top wins, whichever kind it is.
	queue := []error{err}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if e == nil {
			continue
		}
		switch v := e.(type) {
		case *KafkaError:
			if v != nil {
				return v.Retriable
			}
		case interface{ Retriable() bool }:
			return v.Retriable()
		case net.Error:
			if v.Timeout() {
				return true
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			queue = append(queue, u.Unwrap())
		case interface{ Unwrap() []error }:
			queue = append(queue, u.Unwrap()...)
		}
	}
	return false
}
