package sender

import (
	"errors"
	"fmt"
	"time"

	"github.com/samsa-go/samsa/kerr"
)

// BrokerError is a produce error code a broker returned for a batch.
type BrokerError struct {
	Code int16
	Msg  string // the broker's error message, if any
}

func (e *BrokerError) Error() string {
	name := kerr.Code(e.Code).Name()
	if name == "" {
		name = fmt.Sprintf("error code %d", e.Code)
	}
	if e.Msg != "" {
		return name + ": " + e.Msg
	}
	return name
}

// Retriable reports whether Kafka classes the code as retriable.
func (e *BrokerError) Retriable() bool {
	return kerr.Code(e.Code).Retriable()
}

// TimeoutError is the outcome of a batch whose delivery timeout passed.
type TimeoutError struct {
	Timeout  time.Duration
	Attempts int
	Last     error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("delivery timeout %v after %d attempts: %v", e.Timeout, e.Attempts, e.Last)
}

// Unwrap returns the last attempt's error.
func (e *TimeoutError) Unwrap() error { return e.Last }

// TooLargeError is the outcome of a single-record batch the broker refused
// as too large.
type TooLargeError struct {
	Size int
	Err  *BrokerError
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the broker refused a %d-byte record batch as too large: %v", e.Size, e.Err)
}

// Unwrap returns the broker's error.
func (e *TooLargeError) Unwrap() error { return e.Err }

// ErrClosed is the outcome of batches cut off by Close.
var ErrClosed = errors.New("producer closed")

// refreshesMetadata reports codes after which the partition's leader is in
// doubt: the Java client's InvalidMetadataException family, plus storage
// errors that usually precede a leader change.
func refreshesMetadata(code int16) bool {
	switch kerr.Code(code) {
	case kerr.UnknownTopicOrPartition, kerr.LeaderNotAvailable, kerr.NotLeaderOrFollower,
		kerr.KafkaStorageError, kerr.FencedLeaderEpoch, kerr.UnknownLeaderEpoch, kerr.NetworkException:
		return true
	}
	return false
}

// UnknownOutcomeError is the outcome of a batch an earlier attempt may
// have written, when the producer had to move to a new epoch before the
// broker confirmed it. Sending it again could write it twice.
type UnknownOutcomeError struct {
	Last error // the error that left the earlier attempt unanswered
}

func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("the batch may or may not have been written (its earlier attempt ended with %v) "+
		"and the producer epoch was bumped; it was not resent, to avoid writing it twice", e.Last)
}

// Unwrap returns the earlier attempt's error.
func (e *UnknownOutcomeError) Unwrap() error { return e.Last }

// AbortedError is the outcome of a transactional batch that came back
// with an error while its transaction was being aborted.
type AbortedError struct{ Last error }

func (e *AbortedError) Error() string {
	return "transaction aborted; the batch's last attempt ended with: " + e.Last.Error()
}

// Unwrap returns the last attempt's error.
func (e *AbortedError) Unwrap() error { return e.Last }
