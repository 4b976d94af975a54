package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// http0 is the client used when Config.HTTP is nil.
var http0 = http.Client{Timeout: 30 * time.Second}

// maxResponse bounds the token endpoint's answer.
const maxResponse = 1 << 20

// EndpointError is a token endpoint's refusal: its HTTP status and the
// OAuth error it gave (RFC 6749 section 5.2).
type EndpointError struct {
	URL         string
	Status      int
	Code        string // such as "invalid_client"
	Description string
}

// Error names the endpoint, the status and the OAuth error.
func (e *EndpointError) Error() string {
	s := fmt.Sprintf("OAuth token endpoint %s answered HTTP %d", e.URL, e.Status)
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Description != "" {
		s += " (" + e.Description + ")"
	}
	return s
}

// retriable reports whether a later attempt may succeed.
func (e *EndpointError) retriable() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout
}

// request asks the token endpoint for a token, retrying failed attempts
// that may succeed later (network errors, 5xx, 429) with backoff until
// ctx ends.
func (s *Source) request(ctx context.Context) (string, error) {
	for attempt := 1; ; attempt++ {
		tok, err := s.requestOnce(ctx)
		if err == nil {
			return tok, nil
		}
		var ee *EndpointError
		if errors.As(err, &ee) && !ee.retriable() {
			return "", err
		}
		if errors.Is(err, errNotRetriable) {
			return "", err
		}
		wait := backoff(s.cfg.RetryBackoff, s.cfg.RetryBackoffMax, attempt)
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", err
		case <-time.After(wait):
		}
	}
}

var errNotRetriable = errors.New("not retriable")

// requestOnce makes one token request.
func (s *Source) requestOnce(ctx context.Context) (string, error) {
	form := url.Values{}
	form.Set("grant_type", s.cfg.Grant)
	if s.cfg.Scope != "" {
		form.Set("scope", s.cfg.Scope)
	}
	basic := false
	switch {
	case s.cfg.Grant == GrantJWTBearer:
		a, err := s.cfg.Assertion.make(s.cfg.Now())
		if err != nil {
			return "", fmt.Errorf("%w: %w", errNotRetriable, err)
		}
		form.Set("assertion", a)
	case s.cfg.Assertion != nil: // client_credentials with a client assertion (KIP-1258)
		a, err := s.cfg.Assertion.make(s.cfg.Now())
		if err != nil {
			return "", fmt.Errorf("%w: %w", errNotRetriable, err)
		}
		form.Set("client_assertion_type", clientAssertionType)
		form.Set("client_assertion", a)
		if s.cfg.ClientID != "" {
			form.Set("client_id", s.cfg.ClientID)
		}
	default:
		basic = true
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.Endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("%w: OAuth token endpoint: %w", errNotRetriable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cache-Control", "no-cache")
	if basic {
		id, secret := s.cfg.ClientID, s.cfg.ClientSecret
		if s.cfg.URLEncodeHeader {
			id, secret = url.QueryEscape(id), url.QueryEscape(secret)
		}
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":"+secret)))
	}
	resp, err := s.cfg.HTTP.Do(req)
	if err != nil {
		return "", fmt.Errorf("OAuth token endpoint %s: %w", s.cfg.Endpoint, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return "", fmt.Errorf("OAuth token endpoint %s: reading the answer: %w", s.cfg.Endpoint, err)
	}
	var answer struct {
		AccessToken      string `json:"access_token"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	jsonErr := json.Unmarshal(body, &answer)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", &EndpointError{URL: s.cfg.Endpoint, Status: resp.StatusCode,
			Code: printable(answer.Error, 100), Description: printable(answer.ErrorDescription, 300)}
	}
	if jsonErr != nil {
		return "", fmt.Errorf("%w: OAuth token endpoint %s answered HTTP %d with a body that is not JSON", errNotRetriable, s.cfg.Endpoint, resp.StatusCode)
	}
	if answer.AccessToken == "" {
		return "", fmt.Errorf("%w: OAuth token endpoint %s answered without an access_token", errNotRetriable, s.cfg.Endpoint)
	}
	return answer.AccessToken, nil
}

// readTokenFile reads a token from a file: URL's path.
func readTokenFile(path string) (string, error) {
	if strings.HasPrefix(path, "//") {
		u, err := url.Parse("file:" + path)
		if err != nil {
			return "", fmt.Errorf("token file URL: %w", err)
		}
		path = u.Path
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the OAuth token file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// make returns an assertion: the file's, or one signed now.
func (a *Assertion) make(now time.Time) (string, error) {
	if a.File != "" {
		b, err := os.ReadFile(a.File)
		if err != nil {
			return "", fmt.Errorf("reading the assertion file (sasl.oauthbearer.assertion.file): %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	claims := map[string]any{}
	for k, v := range a.TemplatePayload {
		claims[k] = v
	}
	set := func(k, v string) {
		if v != "" {
			claims[k] = v
		}
	}
	set("iss", a.Issuer)
	set("sub", a.Subject)
	set("aud", a.Audience)
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(a.Expiry).Unix()
	claims["nbf"] = now.Add(-a.NotBefore).Unix()
	if a.IncludeJTI {
		claims["jti"] = newJTI()
	}
	return a.Signer.Sign(a.TemplateHeader, claims)
}

// printable keeps an endpoint's text short and free of control
// characters.
func printable(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
