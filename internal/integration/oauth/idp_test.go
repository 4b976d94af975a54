package oauth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// idp is the identity provider the tests serve on loopback: a token
// endpoint for the client-credentials and jwt-bearer grants and the JWKS
// the broker validates tokens with. Its RS256 key is made per run.
type idp struct {
	srv *httptest.Server
	key *rsa.PrivateKey

	mu      sync.Mutex
	clients map[string]*client // by client id (client credentials) or assertion issuer (jwt-bearer)
	issued  map[string]int     // tokens issued per subject
	errs    []string           // requests refused, and why
}

// client is what the provider knows of one client.
type client struct {
	secret   string            // client credentials
	pub      *rsa.PublicKey    // jwt-bearer: the key its assertions are signed with
	audience string            // the aud of its tokens
	lifetime time.Duration     // of its tokens
	issuedAt func() time.Time  // iat; nil: now
	extra    map[string]string // more claims
}

const (
	audience = "kafka-broker"
	kid      = "test-key-1"
)

func newIDP() (*idp, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	i := &idp{key: key, clients: map[string]*client{}, issued: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/jwks", i.jwks)
	mux.HandleFunc("/token", i.token)
	i.srv = httptest.NewServer(mux)
	return i, nil
}

func (i *idp) issuer() string   { return i.srv.URL }
func (i *idp) jwksURL() string  { return i.srv.URL + "/jwks" }
func (i *idp) tokenURL() string { return i.srv.URL + "/token" }

func (i *idp) add(id string, c *client) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.clients[id] = c
}

func (i *idp) tokens(sub string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.issued[sub]
}

func (i *idp) refused() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.errs...)
}

func (i *idp) jwks(w http.ResponseWriter, _ *http.Request) {
	pub := i.key.PublicKey
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func (i *idp) token(w http.ResponseWriter, r *http.Request) {
	sub, c, err := i.authenticate(r)
	if err != nil {
		i.mu.Lock()
		i.errs = append(i.errs, err.Error())
		i.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": err.Error()})
		return
	}
	now := time.Now()
	if c.issuedAt != nil {
		now = c.issuedAt()
	}
	claims := map[string]any{
		"iss": i.issuer(), "sub": sub, "aud": c.audience, "scope": "kafka",
		"iat": now.Unix(), "exp": now.Add(c.lifetime).Unix(),
	}
	for k, v := range c.extra {
		claims[k] = v
	}
	tok, err := i.sign(claims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	i.mu.Lock()
	i.issued[sub]++
	i.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(c.lifetime.Seconds())})
}

// authenticate checks the grant and returns the token's subject.
func (i *idp) authenticate(r *http.Request) (string, *client, error) {
	if err := r.ParseForm(); err != nil {
		return "", nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	switch g := r.PostForm.Get("grant_type"); g {
	case "client_credentials":
		id, secret, ok := r.BasicAuth()
		c := i.clients[id]
		if !ok || c == nil || c.secret == "" || secret != c.secret {
			return "", nil, fmt.Errorf("client credentials of %q refused", id)
		}
		if r.PostForm.Get("scope") != "kafka" {
			return "", nil, fmt.Errorf("scope %q refused", r.PostForm.Get("scope"))
		}
		return id, c, nil
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		claims, err := verify(r.PostForm.Get("assertion"), func(iss string) *rsa.PublicKey {
			if c := i.clients[iss]; c != nil {
				return c.pub
			}
			return nil
		})
		if err != nil {
			return "", nil, fmt.Errorf("assertion refused: %w", err)
		}
		if claims["aud"] != i.tokenURL() {
			return "", nil, fmt.Errorf("assertion audience %v, want %s", claims["aud"], i.tokenURL())
		}
		exp, _ := claims["exp"].(float64)
		if time.Unix(int64(exp), 0).Before(time.Now()) {
			return "", nil, errors.New("assertion expired")
		}
		sub, _ := claims["sub"].(string)
		return sub, i.clients[claims["iss"].(string)], nil
	default:
		return "", nil, fmt.Errorf("grant type %q refused", g)
	}
}

// sign makes an RS256 JWT with the provider's key.
func (i *idp) sign(claims map[string]any) (string, error) {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, i.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// verify checks an RS256 JWS with the key keyOf returns for its issuer.
func verify(jws string, keyOf func(iss string) *rsa.PublicKey) (map[string]any, error) {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWS")
	}
	var header, claims map[string]any
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	if json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		return nil, errors.New("header or claims are not JSON")
	}
	if header["alg"] != "RS256" {
		return nil, fmt.Errorf("alg %v", header["alg"])
	}
	iss, _ := claims["iss"].(string)
	pub := keyOf(iss)
	if pub == nil {
		return nil, fmt.Errorf("unknown issuer %q", iss)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	return claims, nil
}
