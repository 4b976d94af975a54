package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// Claims are the claims of a JWT's payload that matter here.
type Claims struct {
	raw map[string]any
}

// ParseClaims decodes the payload of a JWT (header.payload.signature)
// without verifying its signature: the client cannot, and the broker
// does. The error never quotes the token.
func ParseClaims(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("not a JWT: %d dot-separated parts, want 3", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, errors.New("not a JWT: the payload is not base64url")
	}
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Claims{}, errors.New("not a JWT: the payload is not a JSON object")
	}
	return Claims{raw: raw}, nil
}

// Time returns a NumericDate claim (seconds since the epoch).
func (c Claims) Time(name string) (time.Time, bool, error) {
	v, ok := c.raw[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, true, fmt.Errorf("claim %q is not a number of seconds", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// String returns a string claim.
func (c Claims) String(name string) (string, bool) {
	s, ok := c.raw[name].(string)
	return s, ok
}

// Strings returns a claim that is a string or a list of strings (aud,
// scope as a list).
func (c Claims) Strings(name string) ([]string, bool) {
	switch v := c.raw[name].(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// Signer signs JWT assertions with RS256 or ES256.
type Signer struct {
	Alg string // "RS256" or "ES256"
	Key crypto.Signer
}

// NewSigner checks that key suits alg.
func NewSigner(alg string, key crypto.Signer) (*Signer, error) {
	switch alg {
	case "RS256":
		if _, ok := key.Public().(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("algorithm RS256 needs an RSA private key, the key is %T", key.Public())
		}
	case "ES256":
		pub, ok := key.Public().(*ecdsa.PublicKey)
		if !ok || pub.Curve.Params().BitSize != 256 {
			return nil, errors.New("algorithm ES256 needs an ECDSA P-256 private key")
		}
	default:
		return nil, fmt.Errorf("algorithm %q is not supported: use RS256 or ES256", alg)
	}
	return &Signer{Alg: alg, Key: key}, nil
}

// Sign returns the compact JWS of claims under header (alg and typ are
// set here).
func (s *Signer) Sign(header, claims map[string]any) (string, error) {
	h := map[string]any{}
	for k, v := range header {
		h[k] = v
	}
	h["alg"], h["typ"] = s.Alg, "JWT"
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	switch s.Alg {
	case "RS256":
		sig, err = s.Key.Sign(rand.Reader, sum[:], crypto.SHA256)
	case "ES256":
		sig, err = signES256(s.Key, sum[:])
	}
	if err != nil {
		return "", fmt.Errorf("signing the assertion: %w", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// signES256 signs digest and encodes the signature as JWS wants it (RFC
// 7518 section 3.4): R and S, 32 bytes each, instead of ASN.1.
func signES256(key crypto.Signer, digest []byte) ([]byte, error) {
	if k, ok := key.(*ecdsa.PrivateKey); ok {
		r, s, err := ecdsa.Sign(rand.Reader, k, digest)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, nil
	}
	der, err := key.Sign(rand.Reader, digest, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}

// newJTI returns a random JWT ID.
func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
