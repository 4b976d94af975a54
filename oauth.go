package samsa

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/samsa-go/samsa/internal/config"
	"github.com/samsa-go/samsa/internal/oauth"
	"github.com/samsa-go/samsa/internal/pemkey"
)

// OAuthGrantJWTBearer is the JWT-bearer grant type (RFC 7523, KIP-1139):
// the client presents a JWT it signed (or one it was given) as its grant.
const OAuthGrantJWTBearer = oauth.GrantJWTBearer

// OAuthGrantClientCredentials is the client-credentials grant type (RFC
// 6749 section 4.4), the default.
const OAuthGrantClientCredentials = oauth.GrantClientCredentials

// OAuthConfig fetches OAUTHBEARER tokens from an OAuth 2 / OpenID Connect
// token endpoint, as the Java client does with
// sasl.oauthbearer.token.endpoint.url, and refreshes them before they
// expire. It is used when SASL.Mechanism is OAUTHBEARER, TokenEndpointURL
// is set and SASL.TokenSource is nil.
//
// Tokens must be JWTs with an exp claim and a subject claim (SubClaimName),
// as Java's ClientJwtValidator requires; a token that is not is an error
// naming the claim. DefaultConfig sets Java's defaults.
type OAuthConfig struct {
	// TokenEndpointURL is the token endpoint
	// (sasl.oauthbearer.token.endpoint.url): https:// (or http://), or
	// file:/path for a token kept in a file, read again at every refresh.
	TokenEndpointURL string
	// GrantType is OAuthGrantClientCredentials (the default when empty)
	// or OAuthGrantJWTBearer (sasl.oauthbearer.grant.type; Java selects
	// it with sasl.oauthbearer.jwt.retriever.class=JwtBearerJwtRetriever).
	GrantType string
	// ClientID and ClientSecret authenticate the client-credentials grant
	// with HTTP Basic authentication
	// (sasl.oauthbearer.client.credentials.client.id and .client.secret,
	// or the JAAS options clientId and clientSecret). With Assertion set
	// and no ClientSecret, the client authenticates with a signed
	// assertion instead (RFC 7523 client authentication, KIP-1258).
	ClientID, ClientSecret string
	// Scope is requested with the token (sasl.oauthbearer.scope, or the
	// JAAS option scope).
	Scope string
	// HeaderURLEncode URL-encodes the client id and secret in the
	// authorization header (sasl.oauthbearer.header.urlencode).
	HeaderURLEncode bool
	// Assertion makes the JWT of the jwt-bearer grant, or the client
	// assertion of the client-credentials grant.
	Assertion OAuthAssertion

	// ScopeClaimName and SubClaimName name the token's scope and subject
	// claims (sasl.oauthbearer.scope.claim.name, default "scope";
	// sasl.oauthbearer.sub.claim.name, default "sub").
	ScopeClaimName, SubClaimName string
	// ExpectedAudience and ExpectedIssuer, when set, are checked against
	// the token's aud and iss claims before it is sent
	// (sasl.oauthbearer.expected.audience, .expected.issuer); the broker
	// checks them too.
	ExpectedAudience []string
	ExpectedIssuer   string
	// ClockSkew is the clock difference allowed when checking exp and iat
	// (sasl.oauthbearer.clock.skew.seconds, default 30 s).
	ClockSkew time.Duration
	// Extensions are SASL extensions sent with every token (KIP-342; the
	// JAAS options extension_<name>, or librdkafka's
	// sasl.oauthbearer.extensions).
	Extensions map[string]string

	// Refresh is when a token is replaced (sasl.login.refresh.*).
	Refresh OAuthRefresh
	// ConnectTimeout and ReadTimeout bound each token request
	// (sasl.login.connect.timeout.ms, sasl.login.read.timeout.ms; 0: 10 s
	// and 30 s).
	ConnectTimeout, ReadTimeout time.Duration
	// RetryBackoff and RetryBackoffMax space retries of a failed token
	// request (sasl.login.retry.backoff.ms, default 100 ms;
	// sasl.login.retry.backoff.max.ms, default 10 s).
	RetryBackoff, RetryBackoffMax time.Duration
	// HTTPClient, when set, makes the token requests (for a proxy or a
	// private CA); ConnectTimeout and ReadTimeout then do not apply.
	HTTPClient *http.Client
}

// OAuthRefresh says when a token is refreshed, as Java's
// sasl.login.refresh.* settings do: at WindowFactor (plus up to
// WindowJitter) of its lifetime, but no sooner than MinPeriod after it
// arrived and no later than Buffer before it expires; when the lifetime
// left is shorter than MinPeriod plus Buffer, at WindowFactor of what is
// left. A refresh that fails while the token is still valid is retried
// after a backoff, and the token is used meanwhile.
type OAuthRefresh struct {
	// WindowFactor: 0.5 to 1.0, default 0.8 (sasl.login.refresh.window.factor).
	WindowFactor float64
	// WindowJitter: 0 to 0.25, default 0.05 (sasl.login.refresh.window.jitter).
	WindowJitter float64
	// MinPeriod: 0 to 900 s, default 60 s (sasl.login.refresh.min.period.seconds).
	MinPeriod time.Duration
	// Buffer: 0 to 3600 s, default 300 s (sasl.login.refresh.buffer.seconds).
	Buffer time.Duration
}

// OAuthAssertion makes the signed JWT sent to the token endpoint: the
// assertion of the jwt-bearer grant (KIP-1139), or the client assertion of
// the client-credentials grant (KIP-1258). Either File names a ready
// assertion, or PrivateKeyFile and the claims make one for every request.
type OAuthAssertion struct {
	// File holds a ready assertion, read again for every request
	// (sasl.oauthbearer.assertion.file).
	File string
	// Algorithm is RS256 (the default) or ES256
	// (sasl.oauthbearer.assertion.algorithm).
	Algorithm string
	// PrivateKeyFile is a PEM PKCS#8 (or PKCS#1, SEC 1) private key,
	// encrypted PKCS#8 with PrivateKeyPassphrase
	// (sasl.oauthbearer.assertion.private.key.file, .passphrase).
	PrivateKeyFile, PrivateKeyPassphrase string
	// TemplateFile is a JSON file {"header": {...}, "payload": {...}} of
	// claims added to every assertion
	// (sasl.oauthbearer.assertion.template.file).
	TemplateFile string
	// Issuer, Subject and Audience are the iss, sub and aud claims
	// (sasl.oauthbearer.assertion.claim.iss, .sub, .aud).
	Issuer, Subject, Audience string
	// Expiry is how long an assertion is valid (exp), default 300 s
	// (sasl.oauthbearer.assertion.claim.exp.seconds).
	Expiry time.Duration
	// NotBefore dates nbf back, default 60 s
	// (sasl.oauthbearer.assertion.claim.nbf.seconds).
	NotBefore time.Duration
	// IncludeJTI adds a random jti claim
	// (sasl.oauthbearer.assertion.claim.jti.include).
	IncludeJTI bool
}

// defaultOAuth is Java's defaults.
func defaultOAuth() OAuthConfig {
	return OAuthConfig{
		ScopeClaimName: "scope", SubClaimName: "sub", ClockSkew: 30 * time.Second,
		Refresh:      OAuthRefresh{WindowFactor: 0.8, WindowJitter: 0.05, MinPeriod: 60 * time.Second, Buffer: 300 * time.Second},
		RetryBackoff: 100 * time.Millisecond, RetryBackoffMax: 10 * time.Second,
		Assertion: OAuthAssertion{Algorithm: "RS256", Expiry: 300 * time.Second, NotBefore: 60 * time.Second},
	}
}

// source builds the token source: it reads the key and template files.
func (o *OAuthConfig) source(log *slog.Logger) (*oauth.Source, error) {
	settings := o.settings()
	if err := settings.Validate(); err != nil {
		return nil, configError(err)
	}
	cfg := oauth.Config{
		Endpoint: o.TokenEndpointURL, Grant: o.GrantType, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		Scope: o.Scope, URLEncodeHeader: o.HeaderURLEncode,
		ScopeClaim: o.ScopeClaimName, SubClaim: o.SubClaimName, Audience: o.ExpectedAudience, Issuer: o.ExpectedIssuer,
		ClockSkew: o.ClockSkew, Extensions: o.Extensions,
		WindowFactor: o.Refresh.WindowFactor, WindowJitter: o.Refresh.WindowJitter, MinPeriod: o.Refresh.MinPeriod, Buffer: o.Refresh.Buffer,
		RetryBackoff: max(o.RetryBackoff, time.Millisecond), RetryBackoffMax: max(o.RetryBackoffMax, o.RetryBackoff, time.Millisecond),
		HTTP: o.HTTPClient,
	}
	if cfg.Grant == "" {
		cfg.Grant = OAuthGrantClientCredentials
	}
	if cfg.HTTP == nil {
		cfg.HTTP = oauthHTTPClient(o.ConnectTimeout, o.ReadTimeout)
	}
	if a := &o.Assertion; (*config.OAuthAssertion)(a).HasAssertion() {
		oa, err := a.build()
		if err != nil {
			return nil, err
		}
		cfg.Assertion = oa
	}
	return oauth.NewSource(cfg, log), nil
}

// oauthHTTPClient returns a client whose dial and whole-request time-outs
// are connect and read (0: 10 s and 30 s).
func oauthHTTPClient(connect, read time.Duration) *http.Client {
	if connect <= 0 {
		connect = 10 * time.Second
	}
	if read <= 0 {
		read = 30 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSHandshakeTimeout = connect
	tr.DialContext = (&net.Dialer{Timeout: connect}).DialContext
	return &http.Client{Transport: tr, Timeout: connect + read}
}

// build reads the assertion's key and template.
func (a *OAuthAssertion) build() (*oauth.Assertion, error) {
	oa := &oauth.Assertion{File: a.File, Issuer: a.Issuer, Subject: a.Subject, Audience: a.Audience,
		Expiry: a.Expiry, NotBefore: a.NotBefore, IncludeJTI: a.IncludeJTI}
	if a.File != "" {
		return oa, nil
	}
	const keyProp, keyField = "sasl.oauthbearer.assertion.private.key.file", "SASL.OAuth.Assertion.PrivateKeyFile"
	b, err := os.ReadFile(a.PrivateKeyFile)
	if err != nil {
		return nil, &ConfigError{Key: keyProp, Field: keyField, Value: a.PrivateKeyFile, Reason: "cannot read the file: " + pathErr(err)}
	}
	key, reason := pemkey.ParsePrivateKey(pemkey.Blocks(b), a.PrivateKeyPassphrase)
	if reason != "" {
		return nil, &ConfigError{Key: keyProp, Field: keyField, Value: a.PrivateKeyFile, Reason: reason}
	}
	if oa.Signer, err = oauth.NewSigner(a.Algorithm, key); err != nil {
		return nil, &ConfigError{Key: "sasl.oauthbearer.assertion.algorithm", Field: "SASL.OAuth.Assertion.Algorithm", Value: a.Algorithm, Reason: err.Error()}
	}
	if a.TemplateFile != "" {
		const tProp, tField = "sasl.oauthbearer.assertion.template.file", "SASL.OAuth.Assertion.TemplateFile"
		tb, err := os.ReadFile(a.TemplateFile)
		if err != nil {
			return nil, &ConfigError{Key: tProp, Field: tField, Value: a.TemplateFile, Reason: "cannot read the file: " + pathErr(err)}
		}
		var tmpl struct {
			Header  map[string]any `json:"header"`
			Payload map[string]any `json:"payload"`
		}
		if err := json.Unmarshal(tb, &tmpl); err != nil {
			return nil, &ConfigError{Key: tProp, Field: tField, Value: a.TemplateFile, Reason: "not a JSON object with header and payload objects: " + err.Error()}
		}
		oa.TemplateHeader, oa.TemplatePayload = tmpl.Header, tmpl.Payload
	}
	return oa, nil
}

// pathErr describes a file error without repeating the path, which the
// ConfigError names.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// oauthShown is OAuthConfig without its methods, for printing.
type oauthShown OAuthConfig

// redacted returns o with ClientSecret and the assertion key's passphrase
// replaced, and HTTPClient left out.
func (o OAuthConfig) redacted() oauthShown {
	s := oauthShown(o)
	s.ClientSecret = secretText(s.ClientSecret)
	s.Assertion.PrivateKeyPassphrase = secretText(s.Assertion.PrivateKeyPassphrase)
	s.HTTPClient = nil
	return s
}

// Format prints the configuration with ClientSecret and
// Assertion.PrivateKeyPassphrase redacted, whatever the verb.
func (o OAuthConfig) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "%+v", o.redacted()) }

// LogValue logs the configuration with its secrets redacted.
func (o OAuthConfig) LogValue() slog.Value { return slog.StringValue(fmt.Sprintf("%+v", o.redacted())) }

// MarshalJSON encodes the configuration with its secrets redacted.
func (o OAuthConfig) MarshalJSON() ([]byte, error) {
	return json.Marshal(o.redacted()) //nolint:staticcheck // SA1026: redacted sets HTTPClient, whose CheckRedirect is a func, to nil
}
