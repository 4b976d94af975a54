package config

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/oauth"
)

// OAuth is samsa.OAuthConfig, field for field but for its nested types,
// which are this package's (the root package converts them).
type OAuth struct {
	TokenEndpointURL              string
	GrantType                     string
	ClientID, ClientSecret        string
	Scope                         string
	HeaderURLEncode               bool
	Assertion                     OAuthAssertion
	ScopeClaimName, SubClaimName  string
	ExpectedAudience              []string
	ExpectedIssuer                string
	ClockSkew                     time.Duration
	Extensions                    map[string]string
	Refresh                       OAuthRefresh
	ConnectTimeout, ReadTimeout   time.Duration
	RetryBackoff, RetryBackoffMax time.Duration
	HTTPClient                    *http.Client
}

// OAuthAssertion is samsa.OAuthAssertion, field for field.
type OAuthAssertion struct {
	File                                 string
	Algorithm                            string
	PrivateKeyFile, PrivateKeyPassphrase string
	TemplateFile                         string
	Issuer, Subject, Audience            string
	Expiry                               time.Duration
	NotBefore                            time.Duration
	IncludeJTI                           bool
}

// OAuthRefresh is samsa.OAuthRefresh, field for field.
type OAuthRefresh struct {
	WindowFactor float64
	WindowJitter float64
	MinPeriod    time.Duration
	Buffer       time.Duration
}

// Set reports whether o configures a token endpoint.
func (o *OAuth) Set() bool { return o.TokenEndpointURL != "" }

// HasAssertion reports whether an assertion is configured.
func (a *OAuthAssertion) HasAssertion() bool { return a.File != "" || a.PrivateKeyFile != "" }

// Validate checks the settings that need no file.
func (o *OAuth) Validate() error {
	bad := func(key, field, value, reason string) error {
		return Invalid(key, "SASL.OAuth."+field, value, reason)
	}
	u := o.TokenEndpointURL
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "file:") {
		return bad("sasl.oauthbearer.token.endpoint.url", "TokenEndpointURL", u, "must be an https://, http:// or file: URL")
	}
	r := o.Refresh
	switch {
	case r.WindowFactor < 0.5 || r.WindowFactor > 1:
		return bad("sasl.login.refresh.window.factor", "Refresh.WindowFactor", fmt.Sprint(r.WindowFactor), "must be from 0.5 to 1.0")
	case r.WindowJitter < 0 || r.WindowJitter > 0.25:
		return bad("sasl.login.refresh.window.jitter", "Refresh.WindowJitter", fmt.Sprint(r.WindowJitter), "must be from 0 to 0.25")
	case r.MinPeriod < 0 || r.MinPeriod > 900*time.Second:
		return bad("sasl.login.refresh.min.period.seconds", "Refresh.MinPeriod", r.MinPeriod.String(), "must be from 0 to 900 seconds")
	case r.Buffer < 0 || r.Buffer > 3600*time.Second:
		return bad("sasl.login.refresh.buffer.seconds", "Refresh.Buffer", r.Buffer.String(), "must be from 0 to 3600 seconds")
	case o.ClockSkew < 0:
		return bad("sasl.oauthbearer.clock.skew.seconds", "ClockSkew", o.ClockSkew.String(), "must not be negative")
	case o.SubClaimName == "" || o.ScopeClaimName == "":
		return bad("sasl.oauthbearer.sub.claim.name", "SubClaimName", "", "the subject and scope claim names must not be empty")
	}
	if strings.HasPrefix(u, "file:") {
		return nil // the token comes from the file: no grant
	}
	a := &o.Assertion
	switch o.GrantType {
	case "", oauth.GrantClientCredentials:
		if o.ClientID == "" && !a.HasAssertion() {
			return bad("sasl.oauthbearer.client.credentials.client.id", "ClientID", "", "the client-credentials grant needs a client id")
		}
		if o.ClientSecret == "" && !a.HasAssertion() {
			return bad("sasl.oauthbearer.client.credentials.client.secret", "ClientSecret", "",
				"the client-credentials grant needs a client secret, or a client assertion (sasl.oauthbearer.assertion.*)")
		}
	case oauth.GrantJWTBearer:
		if !a.HasAssertion() {
			return bad("sasl.oauthbearer.assertion.private.key.file", "Assertion.PrivateKeyFile", "",
				"the jwt-bearer grant needs an assertion: a private key to sign one, or a file holding one")
		}
	default:
		return bad("sasl.oauthbearer.grant.type", "GrantType", o.GrantType,
			"must be client_credentials or "+oauth.GrantJWTBearer)
	}
	if a.PrivateKeyFile != "" && a.File != "" {
		return bad("sasl.oauthbearer.assertion.file", "Assertion.File", a.File,
			"conflicts with sasl.oauthbearer.assertion.private.key.file: give a ready assertion or a key to sign one, not both")
	}
	if a.PrivateKeyFile != "" && a.Algorithm != "RS256" && a.Algorithm != "ES256" {
		return bad("sasl.oauthbearer.assertion.algorithm", "Assertion.Algorithm", a.Algorithm, "must be RS256 or ES256")
	}
	if a.PrivateKeyFile != "" && (a.Expiry <= 0 || a.NotBefore < 0) {
		return bad("sasl.oauthbearer.assertion.claim.exp.seconds", "Assertion.Expiry", a.Expiry.String(),
			"the assertion's lifetime must be positive and its nbf offset not negative")
	}
	return nil
}
