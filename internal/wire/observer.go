package wire

import "time"

// Observer is told of connections and requests, for the producer's hooks.
// Its methods run on connection goroutines, with no lock of the connection
// held, and must not block for long.
type Observer interface {
	// Connected reports a dial: the time it took (TCP, TLS, ApiVersions
	// and SASL) and its error, nil when the connection is ready.
	Connected(node int32, addr string, took time.Duration, err error)
	// Disconnected reports the end of a connection that was ready: how
	// long it was up and why it ended (nil when closed on purpose).
	Disconnected(node int32, addr string, up time.Duration, err error)
	// Request reports a request's end. ev is valid only during the call.
	Request(ev *RequestEvent)
}

// RequestEvent describes one request and its response.
type RequestEvent struct {
	Node     int32 // the broker's id, negative for a bootstrap address
	Addr     string
	Key      int16 // Kafka API key
	Version  int16
	Written  int           // request bytes, size prefix included
	Read     int           // response bytes, size prefix included; 0 without a response
	Latency  time.Duration // from the write to the response (or, without one, the end of the write)
	Throttle time.Duration // the throttle time the response asked for
	Err      error         // what ended the request without a response
}
