package sasl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// Mechanism is one SASL mechanism with its credentials.
type Mechanism interface {
	// Name is the mechanism's IANA name, such as "SCRAM-SHA-256".
	Name() string
	// Start begins one authentication exchange with the broker at addr. It
	// returns the exchange's state and the client's first message.
	Start(ctx context.Context, addr string) (Session, []byte, error)
}

// Session is one authentication exchange in progress.
//
// A Session may also have a method Err() error that returns what it
// learned from the server about a failure (OAUTHBEARER's error status);
// the connection layer attaches it to the AuthError it reports when the
// broker then fails the exchange.
type Session interface {
	// Next takes the server's latest message. It returns done when the
	// exchange is complete (the server's final message was verified), or
	// the client's next message.
	Next(ctx context.Context, server []byte) (done bool, msg []byte, err error)
}

// ErrEmptyCredentials is returned by mechanisms built with an empty user
// name or password.
var ErrEmptyCredentials = errors.New("sasl: empty user name or password")

// Redacted replaces secrets wherever a value holding one is formatted.
const Redacted = "[redacted]"

// redacted implements fmt.Formatter and slog.LogValuer for a type holding
// a secret: whatever the verb, only desc is printed.
type redacted string

func (r redacted) format(f fmt.State) { _, _ = f.Write([]byte(r)) }

// Plain returns the PLAIN mechanism (RFC 4616) for user and pass. Use it
// only over TLS: PLAIN sends the password as it is.
func Plain(user, pass string) Mechanism { return plain{user: user, pass: pass} }

type plain struct{ user, pass string }

func (plain) Name() string { return "PLAIN" }

func (p plain) Start(context.Context, string) (Session, []byte, error) {
	if p.user == "" || p.pass == "" {
		return nil, nil, ErrEmptyCredentials
	}
	msg := make([]byte, 0, 2+len(p.user)+len(p.pass))
	msg = append(msg, 0)
	msg = append(msg, p.user...)
	msg = append(msg, 0)
	msg = append(msg, p.pass...)
	return plainSession{}, msg, nil
}

// String hides the password if the mechanism is ever printed.
func (p plain) String() string { return "PLAIN(user=" + p.user + ", password=" + Redacted + ")" }

// GoString hides the password from %#v as well.
func (p plain) GoString() string { return p.String() }

// Format hides the password from every other verb (%d, %x, ...).
func (p plain) Format(f fmt.State, _ rune) { redacted(p.String()).format(f) }

// LogValue hides the password from slog handlers.
func (p plain) LogValue() slog.Value { return slog.StringValue(p.String()) }

type plainSession struct{}

// Next accepts the broker's (empty) answer: with SaslAuthenticate a failed
// PLAIN exchange is reported as an error code, never as a message.
func (plainSession) Next(context.Context, []byte) (bool, []byte, error) { return true, nil, nil }
