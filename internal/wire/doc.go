// Package wire is samsa's connection layer: one TCP (optionally TLS)
// connection to one Kafka broker, with ApiVersions negotiation, SASL
// authentication and re-authentication, and pipelined requests matched to
// their responses by correlation id.
//
// A Conn accepts franz-go kmsg request structs (Do) for everything off the
// produce hot path, and pre-encoded request bodies (Send) for produce
// requests, whose record batches are written to the socket with writev and
// no further copy.
//
// Frames read from the network are untrusted: a length prefix above the
// configured maximum, a truncated frame, or a response whose correlation id
// is not the oldest one in flight closes the connection with an error. The
// frame reader grows its buffer only as bytes actually arrive, so a hostile
// length prefix never makes it allocate the claimed size.
package wire
