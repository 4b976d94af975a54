package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// apiVersionsTry is the first ApiVersions version samsa sends: v3 carries
// the client software name and version (KIP-511) and is answered by every
// Kafka since 2.4; older brokers answer UNSUPPORTED_VERSION and their range.
const apiVersionsTry = 3

// errUnsupportedVersion is UNSUPPORTED_VERSION, as the int16 a response
// carries.
const errUnsupportedVersion = int16(kerr.UnsupportedVersion)

// handshake negotiates versions and authenticates a new connection.
func (c *Conn) handshake(ctx context.Context) error {
	if err := c.negotiate(ctx); err != nil {
		return &DialError{Broker: c.addr, Step: "ApiVersions", Err: err}
	}
	if c.opts.SASL != nil {
		c.writeMu.Lock()
		err := c.authenticate(ctx)
		c.writeMu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Conn) negotiate(ctx context.Context) error {
	ver := int16(apiVersionsTry)
	for range 3 {
		req := kmsg.NewPtrApiVersionsRequest()
		req.SetVersion(ver)
		req.ClientSoftwareName = c.opts.SoftwareName
		req.ClientSoftwareVersion = c.opts.SoftwareVersion
		if req.ClientSoftwareName == "" {
			req.ClientSoftwareName, req.ClientSoftwareVersion = "samsa", "dev"
		}
		raw, err := c.rawApiVersions(ctx, req)
		if err != nil {
			return err
		}
		resp, err := parseApiVersions(raw, ver)
		if err != nil {
			return err
		}
		if resp.ErrorCode == errUnsupportedVersion {
			next := int16(0)
			for _, k := range resp.ApiKeys {
				if k.ApiKey == kmsg.ApiVersions.Int16() {
					next = min(k.MaxVersion, ver-1)
				}
			}
			if len(resp.ApiKeys) == 0 && ver > 0 {
				// No readable version range (librdkafka's mock
				// cluster sends a malformed one): v0 is always
				// supported.
				next = 0
			}
			if next >= ver || next < 0 {
				return fmt.Errorf("broker rejected ApiVersions v%d without offering an older version", ver)
			}
			ver = next
			continue
		}
		if resp.ErrorCode != 0 {
			return fmt.Errorf("ApiVersions failed with error code %d", resp.ErrorCode)
		}
		c.versions = newVersions(resp)
		if _, ok := c.versions.Max(kmsg.Produce.Int16()); !ok {
			return fmt.Errorf("broker does not support Produce: %w", &UnsupportedError{Broker: c.addr, APIKey: 0})
		}
		return nil
	}
	return errors.New("ApiVersions negotiation did not converge")
}

// rawApiVersions sends an ApiVersions request and returns the raw body,
// which may be a v0 error response whatever version was sent.
func (c *Conn) rawApiVersions(ctx context.Context, req *kmsg.ApiVersionsRequest) ([]byte, error) {
	ch := make(chan []byte, 1)
	errc := make(chan error, 1)
	r := &Request{
		Key: req.Key(), Version: req.GetVersion(), Flexible: req.IsFlexible(),
		Body: [][]byte{req.AppendTo(nil)},
		Done: func(body []byte, err error) int32 {
			if err != nil {
				errc <- err
				return 0
			}
			ch <- append([]byte(nil), body...)
			return 0
		},
	}
	if err := c.Send(ctx, r); err != nil {
		return nil, err
	}
	select {
	case b := <-ch:
		return b, nil
	case err := <-errc:
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// parseApiVersions decodes an ApiVersions response sent in reply to
// version ver; an UNSUPPORTED_VERSION reply comes in v0 format.
func parseApiVersions(body []byte, ver int16) (*kmsg.ApiVersionsResponse, error) {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(ver)
	if err := resp.ReadFrom(body); err == nil && resp.ErrorCode != errUnsupportedVersion {
		return resp, nil
	}
	v0 := kmsg.NewPtrApiVersionsResponse()
	v0.SetVersion(0)
	if err := v0.ReadFrom(body); err != nil {
		if len(body) >= 2 && int16(binary.BigEndian.Uint16(body)) == errUnsupportedVersion {
			// A rejection whose version range is unreadable: report
			// it without a range, so that negotiate falls back to v0.
			return &kmsg.ApiVersionsResponse{Version: 0, ErrorCode: errUnsupportedVersion}, nil
		}
		return nil, fmt.Errorf("decoding ApiVersions response: %w", err)
	}
	return v0, nil
}

// AuthError reports a SASL authentication failure: wrong credentials, an
// unsupported mechanism, or a broker that refused the exchange. Retrying
// with the same credentials does not help.
type AuthError struct {
	Broker    string
	Mechanism string
	Msg       string // the broker's message, which never holds the secret
	Err       error
}

func (e *AuthError) Error() string {
	s := fmt.Sprintf("SASL %s authentication with broker %s failed", e.Mechanism, e.Broker)
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error, if any.
func (e *AuthError) Unwrap() error { return e.Err }

// authenticate runs one SASL exchange; c.writeMu is held so that no other
// request interleaves with it, as Kafka requires during re-authentication.
func (c *Conn) authenticate(ctx context.Context) error {
	mech := c.opts.SASL
	fail := func(msg string, err error) error {
		return &AuthError{Broker: c.addr, Mechanism: mech.Name(), Msg: msg, Err: err}
	}
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Mechanism = mech.Name()
	ver, err := c.versions.Pick(c.addr, hs.Key(), hs.MaxVersion())
	if err != nil {
		return fail("", err)
	}
	hs.SetVersion(ver)
	r, err := c.doVersioned(ctx, hs, true)
	if err != nil {
		return saslIOError(c.addr, err)
	}
	if hr := r.(*kmsg.SASLHandshakeResponse); hr.ErrorCode != 0 {
		return fail(fmt.Sprintf("broker offers mechanisms %v (error code %d)", hr.SupportedMechanisms, hr.ErrorCode), nil)
	}
	sess, msg, err := mech.Start(ctx, c.addr)
	if err != nil {
		return fail("", err)
	}
	for {
		auth := kmsg.NewPtrSASLAuthenticateRequest()
		auth.SASLAuthBytes = msg
		ver, err := c.versions.Pick(c.addr, auth.Key(), auth.MaxVersion())
		if err != nil {
			return fail("", err)
		}
		auth.SetVersion(ver)
		r, err := c.doVersioned(ctx, auth, true)
		if err != nil {
			return saslIOError(c.addr, err)
		}
		ar := r.(*kmsg.SASLAuthenticateResponse)
		if ar.ErrorCode != 0 {
			m := "error code " + fmt.Sprint(ar.ErrorCode)
			if ar.ErrorMessage != nil {
				m = *ar.ErrorMessage
			}
			// A session that learned why from the server's last message
			// (OAUTHBEARER's JSON error) has a typed error for it.
			var serr error
			if s, ok := sess.(interface{ Err() error }); ok {
				serr = s.Err()
			}
			return fail(m, serr)
		}
		done, next, err := sess.Next(ctx, ar.SASLAuthBytes)
		if err != nil {
			return fail("", err)
		}
		if done {
			c.scheduleReauth(ar.SessionLifetimeMillis)
			return nil
		}
		msg = next
	}
}

// saslIOError reports a request of the SASL exchange that got no answer
// (the connection broke or timed out). Unlike an AuthError, it says
// nothing about the credentials, and a new connection may well succeed.
func saslIOError(addr string, err error) error {
	return &DialError{Broker: addr, Step: "SASL", Err: err}
}

// scheduleReauth arms re-authentication (KIP-368) at a random point
// between 85% and 95% of the session lifetime the broker granted.
func (c *Conn) scheduleReauth(lifetimeMs int64) {
	if lifetimeMs <= 0 {
		c.reauthAt.Store(0)
		return
	}
	life := time.Duration(lifetimeMs) * time.Millisecond
	frac := 0.85 + 0.10*rand.Float64()
	c.reauthAt.Store(time.Now().Add(time.Duration(float64(life) * frac)).UnixNano())
	c.log.Debug("SASL session", "broker", c.node, "addr", c.addr, "lifetime", life)
}

// reauthenticate runs a new SASL exchange on this connection, with every
// other writer held off until it completes.
//
// The exchange belongs to the connection, not to the request that
// happened to trigger it: it runs under the dial timeout, whatever the
// caller's context, since abandoning it halfway would leave the
// connection unusable for every other request on it.
func (c *Conn) reauthenticate(ctx context.Context) error {
	c.writeMu.Lock()
	defer c.unlockWrite()
	at := c.reauthAt.Load()
	if at == 0 || time.Now().UnixNano() < at {
		return nil // another sender did it
	}
	timeout := c.opts.DialTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := c.authenticate(ctx); err != nil {
		c.failLocked(err) // closed once writeMu is released
		return err
	}
	c.log.Debug("re-authenticated", "broker", c.node, "addr", c.addr)
	return nil
}
