package kerr

import (
	"strconv"

	"github.com/samsa-go/samsa/internal/kerr"
)

//go:generate go run ../internal/kerr/cmd/gencodes -o codes.go

// Code is a Kafka protocol error code. It is an error itself, as
// syscall.Errno is: the producer's *samsa.KafkaError unwraps to its Code,
// so errors.Is(err, kerr.NotLeaderOrFollower) holds for any error that
// wraps a KafkaError with that code, whatever message the broker sent.
//
// Code 0 (NONE) means no error and has no constant; never return a Code
// of 0 as an error.
type Code int16

// Error returns the code's Kafka name and number and a one-line
// description, as in "NOT_LEADER_OR_FOLLOWER (6): the broker is not the
// partition's leader ...", or names the number for a code this package
// does not know.
func (c Code) Error() string {
	info, ok := kerr.Lookup(int16(c))
	if !ok {
		return "Kafka error code " + strconv.Itoa(int(c)) + ": a code this client does not know"
	}
	return info.Name + " (" + strconv.Itoa(int(c)) + "): " + info.Description
}

// Name returns Kafka's name for the code, such as
// "NOT_LEADER_OR_FOLLOWER", or "" for a code this package does not know.
func (c Code) Name() string {
	info, _ := kerr.Lookup(int16(c))
	return info.Name
}

// Retriable reports whether the Java client classifies the code as
// retriable (its exception class extends RetriableException). It is false
// for a code this package does not know, as the Java client treats such a
// code as UNKNOWN_SERVER_ERROR. samsa.IsRetriable uses it.
func (c Code) Retriable() bool {
	info, _ := kerr.Lookup(int16(c))
	return info.Retriable
}
