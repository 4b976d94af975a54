package samsa

import (
	"context"
	"errors"
	"net"

	"github.com/samsa-go/samsa/kerr"
)

// KafkaError is an error code returned by a Kafka broker, with the
// broker's error message when it sent one. It unwraps to its Code, so
//
//	errors.Is(err, kerr.NotLeaderOrFollower)
//
// holds for any err that wraps a KafkaError with that code, whatever its
// Message; errors.As(err, &ke) with ke a *KafkaError gives the message.
// Package kerr has a constant for every code Kafka defines.
type KafkaError struct {
	// Code is the protocol error code.
	Code kerr.Code
	// Message is the broker's error message, if it sent one.
	Message string
}

// Error returns the code's name and number, a description, and the
// broker's message if any, as in
// "NOT_LEADER_OR_FOLLOWER (6): the broker is not the partition's leader ...".
func (e *KafkaError) Error() string {
	if e.Message == "" {
		return e.Code.Error()
	}
	return e.Code.Error() + ": " + e.Message
}

// Unwrap returns e.Code, which errors.Is compares with the kerr constants.
func (e *KafkaError) Unwrap() error { return e.Code }

// kafkaError returns a new *KafkaError for code carrying the broker's
// message msg (which may be empty), or nil for code 0 (NONE), which is
// not an error.
func kafkaError(code int16, msg string) *KafkaError {
	if code == 0 {
		return nil
	}
	return &KafkaError{Code: kerr.Code(code), Message: msg}
}

// IsRetriable reports whether err, or an error it wraps, is worth
// retrying:
//
//   - a *KafkaError or kerr.Code whose code Kafka classifies as retriable
//     (kerr.Code.Retriable);
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
				return v.Code.Retriable()
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
