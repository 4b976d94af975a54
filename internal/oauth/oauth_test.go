package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// idp is a token endpoint for the tests: it checks the request and issues
// an unsigned-but-well-formed JWT whose claims the test controls.
type idp struct {
	*httptest.Server
	mu       sync.Mutex
	claims   map[string]any
	forms    []map[string]string
	auths    []string
	status   []int // statuses to answer with first, one per request
	requests atomic.Int32
}

func newIDP(t *testing.T) *idp {
	i := &idp{claims: map[string]any{"sub": "svc", "scope": "kafka"}}
	i.Server = httptest.NewServer(http.HandlerFunc(i.serve))
	t.Cleanup(i.Close)
	return i
}

func (i *idp) serve(w http.ResponseWriter, r *http.Request) {
	i.requests.Add(1)
	_ = r.ParseForm()
	i.mu.Lock()
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	i.forms = append(i.forms, form)
	i.auths = append(i.auths, r.Header.Get("Authorization"))
	status := http.StatusOK
	if len(i.status) > 0 {
		status, i.status = i.status[0], i.status[1:]
	}
	claims := map[string]any{}
	for k, v := range i.claims {
		claims[k] = v
	}
	i.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if status != http.StatusOK {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"bad\nsecret"}`))
		return
	}
	if _, ok := claims["exp"]; !ok {
		claims["exp"] = time.Now().Add(time.Hour).Unix()
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": fakeJWT(claims), "token_type": "Bearer", "expires_in": 3600})
}

func fakeJWT(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(b) + ".c2ln"
}

func baseConfig(endpoint string) Config {
	return Config{
		Endpoint: endpoint, Grant: GrantClientCredentials, ClientID: "id:1", ClientSecret: "s&cret", Scope: "kafka",
		ScopeClaim: "scope", SubClaim: "sub", ClockSkew: 30 * time.Second,
		WindowFactor: 0.8, WindowJitter: 0.05, MinPeriod: 60 * time.Second, Buffer: 300 * time.Second,
		RetryBackoff: time.Millisecond, RetryBackoffMax: 5 * time.Millisecond,
	}
}

func TestClientCredentials(t *testing.T) {
	i := newIDP(t)
	cfg := baseConfig(i.URL)
	cfg.Extensions = map[string]string{"logicalCluster": "lkc-1"}
	s := NewSource(cfg, nil)
	tok, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Extensions["logicalCluster"] != "lkc-1" || !strings.HasPrefix(tok.Value, "eyJ") {
		t.Fatalf("token %v", tok)
	}
	if f := i.forms[0]; f["grant_type"] != "client_credentials" || f["scope"] != "kafka" {
		t.Fatalf("form %v", f)
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("id:1:s&cret")); i.auths[0] != want {
		t.Fatalf("authorization %q, want %q", i.auths[0], want)
	}
	// Cached: no second request.
	if _, err := s.Token(context.Background()); err != nil || i.requests.Load() != 1 {
		t.Fatalf("second Token: %v, %d requests", err, i.requests.Load())
	}
	// URL-encoded header (sasl.oauthbearer.header.urlencode).
	cfg.URLEncodeHeader = true
	if _, err := NewSource(cfg, nil).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("id%3A1:s%26cret")); i.auths[1] != want {
		t.Fatalf("url-encoded authorization %q, want %q", i.auths[1], want)
	}
}

func TestEndpointErrors(t *testing.T) {
	i := newIDP(t)
	i.status = []int{500, 503}
	s := NewSource(baseConfig(i.URL), nil)
	if _, err := s.Token(context.Background()); err != nil || i.requests.Load() != 3 {
		t.Fatalf("after two 5xx: %v, %d requests (want a retry each)", err, i.requests.Load())
	}
	i.status = []int{401}
	s = NewSource(baseConfig(i.URL), nil)
	_, err := s.Token(context.Background())
	var ee *EndpointError
	if !errors.As(err, &ee) || ee.Status != 401 || ee.Code != "invalid_client" || strings.Contains(err.Error(), "\n") {
		t.Fatalf("401: %v", err)
	}
	if strings.Contains(err.Error(), "s&cret") {
		t.Fatalf("the error shows the secret: %v", err)
	}
}

func TestTokenChecks(t *testing.T) {
	now := time.Now()
	for name, tc := range map[string]struct {
		claims map[string]any
		cfg    func(*Config)
		want   string
	}{
		"expired":      {map[string]any{"sub": "a", "exp": now.Add(-time.Minute).Unix()}, nil, "expired at"},
		"no exp":       {map[string]any{"sub": "a", "exp": nil}, nil, `claim "exp" is not a number`},
		"no subject":   {map[string]any{"exp": now.Add(time.Hour).Unix()}, nil, `no "sub" claim`},
		"other sub":    {map[string]any{"user": "a"}, func(c *Config) { c.SubClaim = "user" }, ""},
		"future iat":   {map[string]any{"sub": "a", "iat": now.Add(time.Hour).Unix()}, nil, "issued in the future"},
		"bad scope":    {map[string]any{"sub": "a", "scope": 3}, nil, "neither a string"},
		"audience":     {map[string]any{"sub": "a", "aud": []any{"x", "kafka"}}, func(c *Config) { c.Audience = []string{"kafka"} }, ""},
		"bad audience": {map[string]any{"sub": "a", "aud": "other"}, func(c *Config) { c.Audience = []string{"kafka"} }, "not among the expected"},
		"bad issuer":   {map[string]any{"sub": "a", "iss": "evil"}, func(c *Config) { c.Issuer = "good" }, "not the expected"},
	} {
		t.Run(name, func(t *testing.T) {
			i := newIDP(t)
			i.claims = tc.claims
			if v, ok := tc.claims["exp"]; ok && v == nil {
				i.claims = map[string]any{"sub": "a"}
				i.claims["exp"] = "never"
			}
			cfg := baseConfig(i.URL)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			_, err := NewSource(cfg, nil).Token(context.Background())
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	if _, err := ParseClaims("a.b"); err == nil {
		t.Fatal("two-part token parsed")
	}
}

// TestRefreshSchedule checks the refresh point against Java's rules.
func TestRefreshSchedule(t *testing.T) {
	s := NewSource(Config{WindowFactor: 0.8, MinPeriod: 60 * time.Second, Buffer: 300 * time.Second}, nil)
	t0 := time.Unix(1_700_000_000, 0)
	h := time.Hour
	for _, tc := range []struct {
		name           string
		now, start, ex time.Time
		want           time.Time
	}{
		{"window factor", t0, t0, t0.Add(h), t0.Add(48 * time.Minute)},
		{"end buffer", t0, t0, t0.Add(20 * time.Minute), t0.Add(15 * time.Minute)},
		{"min period", t0, t0.Add(-2 * h), t0.Add(30 * time.Minute), t0.Add(time.Minute)},
		{"from iat", t0, t0.Add(-h), t0.Add(20 * time.Minute), t0.Add(4 * time.Minute)},
		{"short lifetime", t0, t0, t0.Add(10 * time.Second), t0.Add(8 * time.Second)},
	} {
		if got := s.refreshAt(tc.now, tc.start, tc.ex); !got.Equal(tc.want) {
			t.Errorf("%s: refresh at %v, want %v", tc.name, got.Sub(t0), tc.want.Sub(t0))
		}
	}
	s.cfg.WindowJitter = 0.1
	for range 100 {
		got := s.refreshAt(t0, t0, t0.Add(100*time.Second)) // short: min+buffer do not fit
		if got.Before(t0.Add(80*time.Second)) || got.After(t0.Add(90*time.Second)) {
			t.Fatalf("jittered refresh at %v", got.Sub(t0))
		}
	}
}

// TestRefreshAndFallback drives the clock: the token is refreshed after
// its refresh point, and when that refresh fails the still-valid token is
// used and the fetch retried after a backoff.
func TestRefreshAndFallback(t *testing.T) {
	i := newIDP(t)
	var clock atomic.Int64
	t0 := time.Now()
	clock.Store(t0.UnixNano())
	cfg := baseConfig(i.URL)
	cfg.WindowJitter = 0
	cfg.RetryBackoff, cfg.RetryBackoffMax = time.Second, time.Second
	cfg.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	i.claims = map[string]any{"sub": "a", "iat": t0.Unix(), "exp": t0.Add(100 * time.Second).Unix()}
	s := NewSource(cfg, nil)
	first, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clock.Store(t0.Add(79 * time.Second).UnixNano())
	if tok, _ := s.Token(context.Background()); tok.Value != first.Value || s.Fetches() != 1 {
		t.Fatal("refreshed before the refresh point")
	}
	clock.Store(t0.Add(81 * time.Second).UnixNano())
	i.mu.Lock()
	i.status = []int{400}
	i.mu.Unlock()
	tok, err := s.Token(context.Background())
	if err != nil || tok.Value != first.Value {
		t.Fatalf("a failed refresh with a valid token: %v", err)
	}
	n := i.requests.Load()
	if _, _ = s.Token(context.Background()); i.requests.Load() != n {
		t.Fatal("fetched again within the backoff")
	}
	clock.Store(t0.Add(83 * time.Second).UnixNano())
	i.mu.Lock()
	i.claims = map[string]any{"sub": "b", "exp": t0.Add(200 * time.Second).Unix()}
	i.mu.Unlock()
	tok, err = s.Token(context.Background())
	if err != nil || tok.Value == first.Value || s.Fetches() != 2 {
		t.Fatalf("after the backoff: %v, %d fetches", err, s.Fetches())
	}
	// Expired with the endpoint down: an error.
	clock.Store(t0.Add(500 * time.Second).UnixNano())
	i.mu.Lock()
	i.status = []int{400}
	i.mu.Unlock()
	if _, err := s.Token(context.Background()); err == nil {
		t.Fatal("an expired token was handed out")
	}
}

func TestTokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(fakeJWT(map[string]any{"sub": "f", "exp": time.Now().Add(time.Hour).Unix()})+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"file:" + path, "file://" + path} {
		tok, err := NewSource(baseConfig(u), nil).Token(context.Background())
		if err != nil || !strings.HasPrefix(tok.Value, "eyJ") {
			t.Fatalf("%s: %v", u, err)
		}
	}
}

func TestJWTBearerAssertion(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		alg string
		key crypto.Signer
	}{{"RS256", rsaKey}, {"ES256", ecKey}} {
		t.Run(tc.alg, func(t *testing.T) {
			i := newIDP(t)
			signer, err := NewSigner(tc.alg, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			cfg := baseConfig(i.URL)
			cfg.Grant = GrantJWTBearer
			cfg.Assertion = &Assertion{Signer: signer, Issuer: "me", Subject: "svc", Audience: i.URL,
				Expiry: 5 * time.Minute, NotBefore: time.Minute, IncludeJTI: true,
				TemplateHeader: map[string]any{"kid": "k1"}, TemplatePayload: map[string]any{"tenant": "t1"}}
			if _, err := NewSource(cfg, nil).Token(context.Background()); err != nil {
				t.Fatal(err)
			}
			f := i.forms[0]
			if f["grant_type"] != GrantJWTBearer || i.auths[0] != "" {
				t.Fatalf("form %v, authorization %q", f, i.auths[0])
			}
			header, claims := verifyJWS(t, f["assertion"], tc.key.Public())
			if header["alg"] != tc.alg || header["kid"] != "k1" {
				t.Fatalf("header %v", header)
			}
			now := float64(time.Now().Unix())
			if claims["iss"] != "me" || claims["sub"] != "svc" || claims["aud"] != i.URL || claims["tenant"] != "t1" ||
				claims["jti"] == nil || claims["exp"].(float64) < now+290 || claims["nbf"].(float64) > now-50 {
				t.Fatalf("claims %v", claims)
			}
		})
	}
	if _, err := NewSigner("RS256", ecKey); err == nil {
		t.Fatal("RS256 with an EC key accepted")
	}
	if _, err := NewSigner("HS256", rsaKey); err == nil {
		t.Fatal("HS256 accepted")
	}
}

// TestClientAssertion: client_credentials with a signed client assertion
// (KIP-1258) instead of a secret.
func TestClientAssertion(t *testing.T) {
	i := newIDP(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	signer, _ := NewSigner("RS256", key)
	cfg := baseConfig(i.URL)
	cfg.ClientSecret = ""
	cfg.Assertion = &Assertion{Signer: signer, Issuer: "id:1", Subject: "id:1", Audience: i.URL, Expiry: time.Minute}
	if _, err := NewSource(cfg, nil).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := i.forms[0]
	if f["grant_type"] != "client_credentials" || f["client_assertion_type"] != clientAssertionType || f["client_id"] != "id:1" || i.auths[0] != "" {
		t.Fatalf("form %v, authorization %q", f, i.auths[0])
	}
	verifyJWS(t, f["client_assertion"], key.Public())
}

// verifyJWS checks a compact JWS's signature with pub and returns its
// header and claims.
func verifyJWS(t *testing.T, jws string, pub crypto.PublicKey) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		t.Fatalf("assertion has %d parts", len(parts))
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig); err != nil {
			t.Fatalf("RS256 signature: %v", err)
		}
	case *ecdsa.PublicKey:
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if len(sig) != 64 || !ecdsa.Verify(k, sum[:], r, s) {
			t.Fatal("ES256 signature does not verify")
		}
	}
	var header, claims map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		t.Fatal("assertion header or claims are not JSON")
	}
	return header, claims
}
