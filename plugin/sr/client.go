package sr

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// ClientConfig configures a Client. Only URLs is required.
type ClientConfig struct {
	// URLs are the registry's base URLs, such as
	// "https://registry.example.com:8081" or, for Apicurio's
	// Confluent-compatible API, "http://host:8080/apis/ccompat/v7". A
	// request that fails with a network or server error is retried on
	// the next URL.
	URLs []string
	// BasicAuth, when set, sends HTTP basic authentication
	// (basic.auth.user.info). It excludes BearerToken.
	BasicAuth *BasicAuth
	// BearerToken, when set, returns the token sent as "Authorization:
	// Bearer <token>" with every request; it is called per request, so it
	// may refresh the token (bearer.auth.token). It excludes BasicAuth.
	BearerToken func(ctx context.Context) (string, error)
	// Headers are added to every request (for example a logical cluster
	// id, as Confluent Cloud's target-sr-cluster).
	Headers map[string]string
	// TLS is the TLS configuration for https URLs (CA, client
	// certificate); nil uses the system roots. Ignored when HTTPClient is
	// set, whose transport decides.
	TLS *tls.Config
	// HTTPClient sends the requests; nil means a client of its own with
	// TLS and RequestTimeout.
	HTTPClient *http.Client
	// RequestTimeout bounds each attempt of a request; 0 means 30s.
	RequestTimeout time.Duration
	// Retries is how many times a request that failed with a network
	// error, a 5xx or a 429 is sent again; 0 means 3, negative means
	// never.
	Retries int
	// RetryBackoff is the first wait before a retry; it doubles per retry
	// up to RetryMaxBackoff, with full jitter. 0 means 100ms and 5s.
	RetryBackoff, RetryMaxBackoff time.Duration
	// LatestCacheTTL is how long a subject's latest version, as fetched
	// for use.latest.version, is kept before it is fetched again; 0 keeps
	// it for the Client's lifetime (as latest.cache.ttl.sec=-1), negative
	// never caches it.
	LatestCacheTTL time.Duration
}

// BasicAuth is a user name and password for HTTP basic authentication.
type BasicAuth struct {
	User, Password string
}

// Client talks to a schema registry through the Confluent Schema Registry
// REST API (served by Confluent Schema Registry, Apicurio Registry's
// ccompat API, Redpanda and others). It is safe for concurrent use.
//
// Answers that cannot change are cached for the Client's lifetime: the
// schema of an id, the id of a schema registered or looked up under a
// subject, a subject's version by number. Subjects, versions lists,
// configs and modes are always fetched.
type Client struct {
	urls    []*url.URL
	next    atomic.Uint32 // index into urls of the next request's first try
	hc      *http.Client
	cfg     ClientConfig
	retries int
	cache   cache
}

// NewClient returns a Client for the registry at cfg.URLs, or an error
// naming the setting that is wrong.
func NewClient(cfg ClientConfig) (*Client, error) {
	if len(cfg.URLs) == 0 {
		return nil, errors.New("sr: ClientConfig.URLs is empty")
	}
	if cfg.BasicAuth != nil && cfg.BearerToken != nil {
		return nil, errors.New("sr: ClientConfig.BasicAuth and BearerToken are exclusive")
	}
	c := &Client{cfg: cfg, retries: cfg.Retries}
	for _, s := range cfg.URLs {
		u, err := url.Parse(strings.TrimSuffix(s, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("sr: ClientConfig.URLs: %q is not an http or https URL", s)
		}
		c.urls = append(c.urls, u)
	}
	if c.cfg.RequestTimeout == 0 {
		c.cfg.RequestTimeout = 30 * time.Second
	}
	if c.retries == 0 {
		c.retries = 3
	} else if c.retries < 0 {
		c.retries = 0
	}
	if c.cfg.RetryBackoff <= 0 {
		c.cfg.RetryBackoff = 100 * time.Millisecond
	}
	if c.cfg.RetryMaxBackoff <= 0 {
		c.cfg.RetryMaxBackoff = 5 * time.Second
	}
	c.hc = cfg.HTTPClient
	if c.hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if cfg.TLS != nil {
			tr.TLSClientConfig = cfg.TLS.Clone()
		}
		c.hc = &http.Client{Transport: tr}
	}
	c.cache.init()
	return c, nil
}

// Close releases the Client's idle connections when it made its own HTTP
// client. The Client must not be used afterwards.
func (c *Client) Close() {
	if c.cfg.HTTPClient == nil {
		c.hc.CloseIdleConnections()
	}
}

// The media types of the registry's API.
const (
	contentType = "application/vnd.schemaregistry.v1+json"
	acceptTypes = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5"
)

// maxErrorBody bounds how much of a non-JSON error body an Error keeps.
const maxErrorBody = 512

// do sends method path (with query q) and decodes the JSON answer into
// out (unless out is nil), retrying on network and server errors with
// backoff, across the URLs.
func (c *Client) do(ctx context.Context, method string, path []string, q url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("sr: encoding the %s %s request: %w", method, strings.Join(path, "/"), err)
		}
	}
	first := int(c.next.Load())
	var err error
	for attempt := 0; ; attempt++ {
		u := c.urls[(first+attempt)%len(c.urls)]
		var retry bool
		retry, err = c.once(ctx, u, method, path, q, body, out)
		if err == nil || !retry || attempt >= c.retries {
			return err
		}
		// Start the next request at the URL after the failing one.
		c.next.Store(uint32((first + attempt + 1) % len(c.urls)))
		if werr := c.wait(ctx, attempt); werr != nil {
			return fmt.Errorf("%w (after: %w)", werr, err)
		}
	}
}

// wait sleeps before retry number attempt+1: full jitter over an
// exponential ceiling.
func (c *Client) wait(ctx context.Context, attempt int) error {
	ceil := c.cfg.RetryBackoff << min(attempt, 20)
	if ceil > c.cfg.RetryMaxBackoff || ceil <= 0 {
		ceil = c.cfg.RetryMaxBackoff
	}
	d := ceil/2 + rand.N(ceil/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once sends one attempt to base u. retry reports whether the error is
// worth another attempt.
func (c *Client) once(ctx context.Context, u *url.URL, method string, path []string, q url.Values, body []byte, out any) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	req, err := c.newRequest(ctx, u, method, path, q, body)
	if err != nil {
		return false, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// Network errors and this attempt's time-out are retried; do
		// stops when the caller's context ends.
		return true, fmt.Errorf("sr: %s %s: %w", method, redact(req.URL), err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return true, fmt.Errorf("sr: %s %s: reading the answer: %w", method, redact(req.URL), err)
	}
	if resp.StatusCode/100 != 2 {
		e := decodeError(method, redact(req.URL), resp.StatusCode, data)
		return e.retryable(), e
	}
	if out == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return false, fmt.Errorf("sr: %s %s: decoding the answer %.200q: %w", method, redact(req.URL), data, err)
	}
	return false, nil
}

// newRequest builds one attempt's request, with authentication.
func (c *Client) newRequest(ctx context.Context, base *url.URL, method string, path []string, q url.Values, body []byte) (*http.Request, error) {
	u := *base
	u.Path = base.Path + "/" + strings.Join(path, "/")
	u.RawPath = base.EscapedPath() + escapePath(path)
	u.RawQuery = q.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("sr: %s %s: %w", method, u.Path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", acceptTypes)
	for k, v := range c.cfg.Headers {
		req.Header.Set(k, v)
	}
	switch {
	case c.cfg.BasicAuth != nil:
		req.SetBasicAuth(c.cfg.BasicAuth.User, c.cfg.BasicAuth.Password)
	case c.cfg.BearerToken != nil:
		tok, err := c.cfg.BearerToken(ctx)
		if err != nil {
			return nil, fmt.Errorf("sr: bearer token for %s %s: %w", method, u.Path, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return req, nil
}

// escapePath joins the segments of path, each escaped (a subject name
// may hold a slash, as a Protobuf import path does), with a leading
// slash.
func escapePath(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// redact returns u as text without its user information.
func redact(u *url.URL) string {
	v := *u
	v.User = nil
	return v.String()
}

// decodeError turns an error answer into an *Error.
func decodeError(method, u string, status int, data []byte) *Error {
	e := &Error{Method: method, URL: u, StatusCode: status}
	if json.Unmarshal(data, e) != nil || (e.Code == 0 && e.Message == "") {
		e.Code, e.Message = 0, ""
	}
	if e.Code == 0 {
		e.Code = status
	}
	if e.Message == "" {
		msg := strings.TrimSpace(string(data))
		if len(msg) > maxErrorBody {
			msg = msg[:maxErrorBody] + "..."
		}
		if msg == "" {
			msg = http.StatusText(status)
		}
		e.Message = msg
	}
	return e
}
