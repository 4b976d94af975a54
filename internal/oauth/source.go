package oauth

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/sasl"
)

// Source hands out OAUTHBEARER tokens, fetching one when it has none that
// is due for no refresh yet. It is safe for concurrent use; at most one
// fetch runs at a time.
type Source struct {
	cfg    Config
	log    *slog.Logger
	flight chan struct{} // a token of 1: the right to fetch

	mu       lockorder.Mutex[lockorder.OAuth] // guards the fields below; a leaf lock
	cur      *held
	failures int
	nextTry  time.Time // no new fetch before, while cur is valid
	fetches  int
}

// held is a token with its schedule.
type held struct {
	value     string
	principal string
	expiry    time.Time
	refreshAt time.Time
}

// NewSource returns a Source for cfg; log may be nil.
func NewSource(cfg Config, log *slog.Logger) *Source {
	if log == nil {
		log = slog.New(discard{})
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http0
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg, log: log, flight: make(chan struct{}, 1)}
}

// Fetches counts the tokens fetched so far, for tests and metrics.
func (s *Source) Fetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// Token returns the current token, fetching a new one first when the
// current one reached its refresh point. When a refresh fails while the
// current token is still valid, that token is returned and the refresh is
// tried again after a backoff.
func (s *Source) Token(ctx context.Context) (sasl.Token, error) {
	if tok, ok := s.fresh(); ok {
		return tok, nil
	}
	select {
	case s.flight <- struct{}{}:
	case <-ctx.Done():
		if tok, ok := s.valid(); ok {
			return tok, nil
		}
		return sasl.Token{}, fmt.Errorf("waiting for an OAuth token: %w", ctx.Err())
	}
	defer func() { <-s.flight }()
	if tok, ok := s.fresh(); ok { // another caller fetched it meanwhile
		return tok, nil
	}
	now := s.cfg.Now()
	s.mu.Lock()
	wait := now.Before(s.nextTry)
	s.mu.Unlock()
	if tok, ok := s.valid(); ok && wait {
		return tok, nil
	}
	h, err := s.fetch(ctx)
	if err != nil {
		s.mu.Lock()
		s.failures++
		s.nextTry = now.Add(backoff(s.cfg.RetryBackoff, s.cfg.RetryBackoffMax, s.failures))
		s.mu.Unlock()
		if tok, ok := s.valid(); ok {
			s.log.Warn("OAuth token refresh failed; the current token is still valid", "err", err)
			return tok, nil
		}
		return sasl.Token{}, err
	}
	s.mu.Lock()
	s.cur, s.failures, s.nextTry = h, 0, time.Time{}
	s.fetches++
	s.mu.Unlock()
	s.log.Info("OAuth token fetched", "principal", h.principal, "expires", h.expiry, "refresh_at", h.refreshAt)
	return s.token(h), nil
}

// fresh returns the current token if its refresh point is still ahead.
func (s *Source) fresh() (sasl.Token, bool) {
	s.mu.Lock()
	h := s.cur
	s.mu.Unlock()
	if h == nil || !s.cfg.Now().Before(h.refreshAt) {
		return sasl.Token{}, false
	}
	return s.token(h), true
}

// valid returns the current token if it has not expired.
func (s *Source) valid() (sasl.Token, bool) {
	s.mu.Lock()
	h := s.cur
	s.mu.Unlock()
	if h == nil || !s.cfg.Now().Before(h.expiry) {
		return sasl.Token{}, false
	}
	return s.token(h), true
}

func (s *Source) token(h *held) sasl.Token {
	return sasl.Token{Value: h.value, Extensions: s.cfg.Extensions}
}

// fetch gets a token and checks it.
func (s *Source) fetch(ctx context.Context) (*held, error) {
	var value string
	var err error
	if path, ok := strings.CutPrefix(s.cfg.Endpoint, "file:"); ok {
		value, err = readTokenFile(path)
	} else {
		value, err = s.request(ctx)
	}
	if err != nil {
		return nil, err
	}
	return s.check(value)
}

// check validates a token as Java's ClientJwtValidator does, plus the
// expected audience and issuer when they are configured, and schedules
// its refresh.
func (s *Source) check(value string) (*held, error) {
	if err := sasl.CheckBearer(value); err != nil {
		return nil, fmt.Errorf("the token endpoint returned a token that cannot be sent: %w", err)
	}
	claims, err := ParseClaims(value)
	if err != nil {
		return nil, fmt.Errorf("the OAuth token is %w", err)
	}
	now := s.cfg.Now()
	exp, ok, err := claims.Time("exp")
	if err != nil {
		return nil, fmt.Errorf("the OAuth token's %w", err)
	}
	if !ok {
		return nil, errors.New("the OAuth token has no exp (expiration) claim")
	}
	if !exp.After(now.Add(-s.cfg.ClockSkew)) {
		return nil, fmt.Errorf("the OAuth token expired at %s, %v ago (allowed clock skew %v)",
			exp.UTC().Format(time.RFC3339), now.Sub(exp).Round(time.Second), s.cfg.ClockSkew)
	}
	start := now
	if iat, ok, err := claims.Time("iat"); err != nil {
		return nil, fmt.Errorf("the OAuth token's %w", err)
	} else if ok {
		if iat.After(now.Add(s.cfg.ClockSkew)) {
			return nil, fmt.Errorf("the OAuth token was issued in the future (iat %s; allowed clock skew %v)",
				iat.UTC().Format(time.RFC3339), s.cfg.ClockSkew)
		}
		start = iat
	}
	sub, ok := claims.String(s.cfg.SubClaim)
	if !ok || strings.TrimSpace(sub) == "" {
		return nil, fmt.Errorf("the OAuth token has no %q claim (sasl.oauthbearer.sub.claim.name) naming its subject", s.cfg.SubClaim)
	}
	if _, present := claims.raw[s.cfg.ScopeClaim]; present {
		if _, ok := claims.Strings(s.cfg.ScopeClaim); !ok {
			return nil, fmt.Errorf("the OAuth token's %q claim (sasl.oauthbearer.scope.claim.name) is neither a string nor a list of strings", s.cfg.ScopeClaim)
		}
	}
	if len(s.cfg.Audience) > 0 {
		aud, _ := claims.Strings("aud")
		if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(s.cfg.Audience, a) }) {
			return nil, fmt.Errorf("the OAuth token's audience %q is not among the expected %q (sasl.oauthbearer.expected.audience)", aud, s.cfg.Audience)
		}
	}
	if s.cfg.Issuer != "" {
		if iss, _ := claims.String("iss"); iss != s.cfg.Issuer {
			return nil, fmt.Errorf("the OAuth token's issuer %q is not the expected %q (sasl.oauthbearer.expected.issuer)", iss, s.cfg.Issuer)
		}
	}
	return &held{value: value, principal: sub, expiry: exp, refreshAt: s.refreshAt(now, start, exp)}, nil
}

// refreshAt is when a token valid from start to exp, received at now, is
// refreshed (Java's ExpiringCredentialRefreshingLogin): at the window
// factor of its lifetime plus jitter, but no earlier than min.period after
// now and no later than buffer before exp; when the remaining lifetime is
// shorter than min.period plus buffer, at the window factor of what
// remains.
func (s *Source) refreshAt(now, start, exp time.Time) time.Time {
	pct := s.cfg.WindowFactor + s.cfg.WindowJitter*rand.Float64()
	if now.Add(s.cfg.MinPeriod + s.cfg.Buffer).After(exp) {
		return now.Add(time.Duration(float64(exp.Sub(now)) * pct))
	}
	at := start.Add(time.Duration(float64(exp.Sub(start)) * pct))
	if end := exp.Add(-s.cfg.Buffer); at.After(end) {
		at = end
	}
	if first := now.Add(s.cfg.MinPeriod); at.Before(first) {
		at = first
	}
	return at
}

// backoff is the wait after n consecutive failures: base doubling up to
// max, with up to 20% jitter.
func backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }
