package sasl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/xdg-go/scram"
)

// ErrServerSignature reports a SCRAM server-final message whose signature
// did not verify: the server does not know the password (it is not the
// broker it claims to be), or the exchange was tampered with.
var ErrServerSignature = errors.New("sasl: the server's SCRAM signature did not verify")

// ScramSHA256 returns the SCRAM-SHA-256 mechanism (RFC 5802, RFC 7677) for
// user and pass.
//
// As Kafka's own client and broker do, the password is used as its UTF-8
// bytes without SASLprep normalization, so that every password that works
// with the Java client works here too.
func ScramSHA256(user, pass string) Mechanism {
	return newScram("SCRAM-SHA-256", scram.SHA256, user, pass)
}

// ScramSHA512 returns the SCRAM-SHA-512 mechanism for user and pass; see
// ScramSHA256.
func ScramSHA512(user, pass string) Mechanism {
	return newScram("SCRAM-SHA-512", scram.SHA512, user, pass)
}

// scramMinIterations is the fewest PBKDF2 iterations accepted from a
// server, as Kafka's own SCRAM mechanisms require.
const scramMinIterations = 4096

func newScram(name string, h scram.HashGeneratorFcn, user, pass string) Mechanism {
	m := &scramMech{name: name, user: user, empty: user == "" || pass == ""}
	if !m.empty {
		// NewClientUnprepped never fails. The client caches the salted
		// keys per salt and iteration count, so re-authentication does
		// not run PBKDF2 again.
		c, _ := h.NewClientUnprepped(user, pass, "")
		m.client = c.WithMinIterations(scramMinIterations)
	}
	return m
}

// scramMech holds the password only inside client.
type scramMech struct {
	name   string
	user   string
	empty  bool
	client *scram.Client
}

func (m *scramMech) Name() string { return m.name }

func (m *scramMech) Start(context.Context, string) (Session, []byte, error) {
	if m.empty {
		return nil, nil, ErrEmptyCredentials
	}
	conv := m.client.NewConversation()
	first, err := conv.Step("")
	if err != nil {
		return nil, nil, fmt.Errorf("sasl: %s: %w", m.name, err)
	}
	return &scramSession{name: m.name, conv: conv}, []byte(first), nil
}

// String hides the password and salted keys.
func (m *scramMech) String() string {
	return m.name + "(user=" + m.user + ", password=" + Redacted + ")"
}

// GoString hides the password and salted keys from %#v.
func (m *scramMech) GoString() string { return m.String() }

// Format hides the password and salted keys from every verb.
func (m *scramMech) Format(f fmt.State, _ rune) { redacted(m.String()).format(f) }

// LogValue hides the password and salted keys from slog handlers.
func (m *scramMech) LogValue() slog.Value { return slog.StringValue(m.String()) }

// scramSession is one SCRAM exchange: client-first (sent by Start),
// server-first, client-final, server-final.
type scramSession struct {
	name string
	conv *scram.ClientConversation
	step int // server messages taken so far
}

func (s *scramSession) Next(_ context.Context, server []byte) (bool, []byte, error) {
	s.step++
	switch s.step {
	case 1: // server-first: answer with client-final and its proof
		final, err := s.conv.Step(string(server))
		if err != nil {
			return false, nil, fmt.Errorf("sasl: %s: server-first message: %w", s.name, err)
		}
		return false, []byte(final), nil
	case 2: // server-final: verify the server's signature
		msg := string(server)
		if e, ok := strings.CutPrefix(msg, "e="); ok {
			if i := strings.IndexByte(e, ','); i >= 0 {
				e = e[:i]
			}
			return false, nil, fmt.Errorf("sasl: %s: the server refused the exchange: %s", s.name, printable(e, 100))
		}
		if _, err := s.conv.Step(msg); err != nil || !s.conv.Valid() {
			if err == nil || strings.HasPrefix(msg, "v=") {
				return false, nil, fmt.Errorf("sasl: %s: %w", s.name, ErrServerSignature)
			}
			return false, nil, fmt.Errorf("sasl: %s: server-final message: %w", s.name, err)
		}
		return true, nil, nil
	}
	return false, nil, fmt.Errorf("sasl: %s: unexpected server message after the exchange completed", s.name)
}

// String describes the session without its keys.
func (s *scramSession) String() string { return s.name + " session" }

// GoString describes the session without its keys.
func (s *scramSession) GoString() string { return s.String() }

// Format hides the session's keys from every verb.
func (s *scramSession) Format(f fmt.State, _ rune) { redacted(s.String()).format(f) }

// LogValue hides the session's keys from slog handlers.
func (s *scramSession) LogValue() slog.Value { return slog.StringValue(s.String()) }

// printable returns s cut to max bytes with bytes outside printable ASCII
// replaced, for quoting a server's words in an error.
func printable(s string, max int) string {
	if len(s) > max {
		s = s[:max] + "..."
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}
