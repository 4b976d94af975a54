package samsa

import (
	"context"

	"github.com/samsa-go/samsa/internal/sasl"
)

// SASLMechanism is a SASL mechanism implemented outside samsa: set it in
// Config.SASL.Custom to authenticate with it. samsa drives it through
// Kafka's SaslHandshake and SaslAuthenticate requests (KIP-152) on every
// new connection, and again when the broker asks for re-authentication
// (KIP-368). plugin/awsmskiam implements AWS_MSK_IAM with it.
//
// A mechanism must not put secrets into its errors, and should format
// without them (fmt, slog) if it is ever printed.
type SASLMechanism interface {
	// Name is the mechanism's name as the broker knows it, such as
	// "AWS_MSK_IAM"; it is sent in SaslHandshake.
	Name() string
	// Start begins one authentication exchange with the broker at
	// broker (host:port, as dialed) and returns the exchange's state and
	// the client's first message. It is called for every connection and
	// every re-authentication; ctx bounds the exchange.
	Start(ctx context.Context, broker string) (SASLSession, []byte, error)
}

// SASLSession is one authentication exchange of a SASLMechanism.
type SASLSession interface {
	// Next takes the broker's latest message. It returns done when the
	// exchange is complete (after checking the broker's final message, if
	// the mechanism has one), or the client's next message.
	Next(ctx context.Context, challenge []byte) (done bool, response []byte, err error)
}

// customMechanism adapts a SASLMechanism to the connection layer.
type customMechanism struct{ m SASLMechanism }

func (c customMechanism) Name() string { return c.m.Name() }

func (c customMechanism) Start(ctx context.Context, addr string) (sasl.Session, []byte, error) {
	s, msg, err := c.m.Start(ctx, addr)
	if err != nil {
		return nil, nil, err
	}
	return s, msg, nil
}

// String names the mechanism without its credentials.
func (c customMechanism) String() string { return c.m.Name() + " (custom)" }
