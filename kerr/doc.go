// Package kerr names every Kafka protocol error code, for testing the
// producer's errors with errors.Is:
//
//	if errors.Is(err, kerr.TopicAuthorizationFailed) { ... }
//
// Each constant is a Code, named after Kafka's name for it in CamelCase
// (NOT_LEADER_OR_FOLLOWER is NotLeaderOrFollower), with the initialisms ID
// and SASL in capitals (InvalidProducerIDMapping, SASLAuthenticationFailed).
// The constants cover every code of Kafka 4.3 and the codes newer brokers
// define after it; a code this package does not know is still a Code, with
// an empty Name.
//
// A broker's error reaches the caller as a *samsa.KafkaError, which carries
// the Code and the broker's message and unwraps to the Code: errors.Is
// matches the constant, errors.As with a *samsa.KafkaError gives the
// message, and errors.As with a kerr.Code gives the code alone.
//
// Errors the producer raises itself (samsa.ErrRecordTooLarge,
// samsa.ErrDeliveryTimeout, ...) live in package samsa.
package kerr
