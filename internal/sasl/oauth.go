package sasl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// Token is an OAUTHBEARER bearer token with the SASL extensions sent
// alongside it (KIP-342).
type Token struct {
	// Value is the bearer token, such as a JWT.
	Value string
	// Extensions are sent as key=value pairs after the token. Keys are
	// letters only and not "auth"; values are printable ASCII, space,
	// tab, CR or LF.
	Extensions map[string]string
}

// String hides the token value (extension values too, which may carry
// secrets of their own).
func (t Token) String() string {
	var b strings.Builder
	b.WriteString("Token{Value:")
	if t.Value == "" {
		b.WriteString(`""`)
	} else {
		b.WriteString(Redacted)
	}
	if len(t.Extensions) > 0 {
		keys := make([]string, 0, len(t.Extensions))
		for k := range t.Extensions {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString(" Extensions:[")
		b.WriteString(strings.Join(keys, " "))
		b.WriteString("]")
	}
	b.WriteString("}")
	return b.String()
}

// GoString hides the token from %#v.
func (t Token) GoString() string { return t.String() }

// Format hides the token from every verb.
func (t Token) Format(f fmt.State, _ rune) { redacted(t.String()).format(f) }

// LogValue hides the token from slog handlers.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON hides the token from encoding/json.
func (t Token) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// TokenSource returns the token for one authentication exchange. It is
// called for every new connection and every re-authentication, so it may
// return a fresh token each time; it should cache tokens that are still
// valid rather than fetch one per connection.
type TokenSource func(ctx context.Context) (Token, error)

// OAuthBearer returns the OAUTHBEARER mechanism (RFC 7628, KIP-255) that
// authenticates with the tokens src returns.
func OAuthBearer(src TokenSource) Mechanism { return oauthBearer{src: src} }

type oauthBearer struct{ src TokenSource }

func (oauthBearer) Name() string { return "OAUTHBEARER" }

// ErrNoTokenSource is returned by an OAUTHBEARER mechanism built without
// a token source.
var ErrNoTokenSource = errors.New("sasl: OAUTHBEARER needs a token source")

// TokenError reports a token or extension that cannot be sent: it names
// the problem, never the token or a value.
type TokenError struct {
	// Extension is the offending extension's key; empty when the token
	// itself is at fault.
	Extension string
	Reason    string
}

// Error says which part of the token is at fault and why.
func (e *TokenError) Error() string {
	if e.Extension == "" {
		return "sasl: OAUTHBEARER token: " + e.Reason
	}
	return fmt.Sprintf("sasl: OAUTHBEARER extension %q: %s", e.Extension, e.Reason)
}

func (m oauthBearer) Start(ctx context.Context, _ string) (Session, []byte, error) {
	if m.src == nil {
		return nil, nil, ErrNoTokenSource
	}
	tok, err := m.src(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("sasl: OAUTHBEARER token source: %w", err)
	}
	msg, err := initialResponse(tok)
	if err != nil {
		return nil, nil, err
	}
	return &oauthSession{}, msg, nil
}

// String describes the mechanism.
func (m oauthBearer) String() string { return "OAUTHBEARER" }

// GoString describes the mechanism.
func (m oauthBearer) GoString() string { return m.String() }

// initialResponse builds the client's initial response (RFC 7628 section
// 3.1) with no authorization identity:
//
//	n,,^Aauth=Bearer <token>^A<key>=<value>^A...^A
func initialResponse(tok Token) ([]byte, error) {
	if err := CheckBearer(tok.Value); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(tok.Extensions))
	size := len("n,,\x01auth=Bearer \x01\x01") + len(tok.Value)
	for k, v := range tok.Extensions {
		if err := checkExtension(k, v); err != nil {
			return nil, err
		}
		keys = append(keys, k)
		size += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	msg := make([]byte, 0, size)
	msg = append(msg, "n,,\x01auth=Bearer "...)
	msg = append(msg, tok.Value...)
	msg = append(msg, 1)
	for _, k := range keys {
		msg = append(msg, k...)
		msg = append(msg, '=')
		msg = append(msg, tok.Extensions[k]...)
		msg = append(msg, 1)
	}
	msg = append(msg, 1)
	return msg, nil
}

// CheckBearer checks the token against RFC 6750's b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func CheckBearer(v string) error {
	if v == "" {
		return &TokenError{Reason: "empty"}
	}
	pad := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '=':
			if i == 0 {
				return &TokenError{Reason: "starts with '='"}
			}
			pad = true
		case pad:
			return &TokenError{Reason: "has characters after '=' padding at byte " + strconv.Itoa(i)}
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return &TokenError{Reason: "has a character not allowed in a bearer token (RFC 6750) at byte " + strconv.Itoa(i)}
		}
	}
	return nil
}

// checkExtension checks an extension against RFC 7628: key = 1*ALPHA,
// value = *(VCHAR / SP / HTAB / CR / LF); "auth" is reserved.
func checkExtension(k, v string) error {
	if k == "" {
		return &TokenError{Extension: k, Reason: "empty key"}
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return &TokenError{Extension: printable(k, 64), Reason: "keys must be letters only"}
		}
	}
	if k == "auth" {
		return &TokenError{Extension: k, Reason: "the key is reserved for the token"}
	}
	if v == "" {
		return &TokenError{Extension: k, Reason: "empty value"}
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(0x21 <= c && c <= 0x7e || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			return &TokenError{Extension: k, Reason: "the value has a character not allowed at byte " + strconv.Itoa(i)}
		}
	}
	return nil
}

// OAuthBearerError is the server's refusal of a token (RFC 7628 section
// 3.2.2), from the JSON error it sends before failing the exchange.
type OAuthBearerError struct {
	Status string // such as "invalid_token"
	Scope  string // the scope the server requires, if it said
	// OpenIDConfiguration is the server's OpenID discovery URL, if it
	// said.
	OpenIDConfiguration string
}

// Error reports the server's status, and the scope and OpenID discovery
// URL if the server gave them.
func (e *OAuthBearerError) Error() string {
	s := "sasl: OAUTHBEARER: the server refused the token"
	if e.Status != "" {
		s += ": status " + printable(e.Status, 100)
	}
	if e.Scope != "" {
		s += ", scope " + printable(e.Scope, 200)
	}
	if e.OpenIDConfiguration != "" {
		s += ", openid-configuration " + printable(e.OpenIDConfiguration, 200)
	}
	return s
}

// oauthSession follows RFC 7628: the server answers the initial response
// with nothing (success) or a JSON error, to which the client must send a
// single ^A before the server fails the exchange.
type oauthSession struct{ refused *OAuthBearerError }

func (s *oauthSession) Next(_ context.Context, server []byte) (bool, []byte, error) {
	if s.refused != nil {
		// The server accepted the ^A instead of failing; fail here.
		return false, nil, s.refused
	}
	if len(server) == 0 {
		return true, nil, nil
	}
	var body struct {
		Status string `json:"status"`
		Scope  string `json:"scope"`
		OpenID string `json:"openid-configuration"`
	}
	s.refused = &OAuthBearerError{Status: "unparsable error response"}
	if json.Unmarshal(server, &body) == nil {
		s.refused = &OAuthBearerError{Status: body.Status, Scope: body.Scope, OpenIDConfiguration: body.OpenID}
	}
	return false, []byte{1}, nil
}

// Err returns the server's refusal after it sent its JSON error, so that
// the failure the broker reports next can carry the server's status.
func (s *oauthSession) Err() error {
	if s.refused == nil {
		return nil
	}
	return s.refused
}
