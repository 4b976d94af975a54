package oauth

import (
	"net/http"
	"time"
)

// Grant types.
const (
	GrantClientCredentials = "client_credentials"
	GrantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	// clientAssertionType is the client_assertion_type of a client
	// authenticating with a signed JWT (RFC 7523 section 2.2).
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// Config is what a Source needs. The root package fills it from
// samsa.OAuthConfig after checking it, so it is not checked again here.
type Config struct {
	// Endpoint is the token endpoint: http(s)://, or file: for a token
	// kept in a file (re-read at every refresh).
	Endpoint string
	// Grant is GrantClientCredentials or GrantJWTBearer.
	Grant        string
	ClientID     string
	ClientSecret string
	Scope        string
	// URLEncodeHeader URL-encodes the client id and secret before they
	// are put in the Basic authorization header (RFC 6749 section 2.3.1).
	URLEncodeHeader bool

	// Assertion, when set, makes the JWT sent as the jwt-bearer grant's
	// assertion, or as the client_credentials grant's client assertion.
	Assertion *Assertion

	// ScopeClaim and SubClaim name the token's scope and subject claims.
	ScopeClaim, SubClaim string
	// Audience, when not empty, must meet the token's aud claim; Issuer,
	// when set, must equal its iss claim.
	Audience []string
	Issuer   string
	// ClockSkew is allowed between this clock and the token's exp and iat.
	ClockSkew time.Duration

	Extensions map[string]string

	// The refresh schedule, as Java's sasl.login.refresh.*.
	WindowFactor, WindowJitter float64
	MinPeriod, Buffer          time.Duration
	// RetryBackoff and RetryBackoffMax space failed fetches.
	RetryBackoff, RetryBackoffMax time.Duration

	// HTTP performs the requests; its Timeout bounds each one.
	HTTP *http.Client
	// Now is the clock, for tests; nil means time.Now.
	Now func() time.Time
}

// Assertion makes the signed JWTs of the jwt-bearer grant (KIP-1139) and
// of client assertions (KIP-1258), or reads a ready one from File.
type Assertion struct {
	// File holds a ready assertion, re-read for every request.
	File string
	// Signer signs assertions made from the claims below.
	Signer *Signer
	// Template holds extra header and payload claims ({"header": {...},
	// "payload": {...}}), from sasl.oauthbearer.assertion.template.file.
	TemplateHeader, TemplatePayload map[string]any
	Issuer, Subject, Audience       string
	Expiry, NotBefore               time.Duration
	IncludeJTI                      bool
}
