package security

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest/pkcs8"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/samsa-go/samsa/kerr"
)

// tokens is an OAUTHBEARER token source that remembers every token it
// handed out, each a secret.
type tokens struct {
	mu     sync.Mutex
	issued []string
	exp    time.Duration
}

func (s *tokens) source(context.Context) (samsa.OAuthToken, error) {
	tok := kafkatest.UnsecuredJWT("oauth-user", time.Now().Add(s.exp))
	s.mu.Lock()
	s.issued = append(s.issued, tok, strings.Split(tok, ".")[1]) // the claims alone are secret too
	s.mu.Unlock()
	return samsa.OAuthToken{Token: tok, Extensions: map[string]string{"traceId": "samsa-test"}}, nil
}

func (s *tokens) secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// TestOAuthBearerProduceLogsNoToken: records go through SASL_SSL with
// OAUTHBEARER and are read back; the tokens appear nowhere in the debug
// log, metrics, configuration or errors. An expired token fails the
// records with an authentication error that does not print it either.
func TestOAuthBearerProduceLogsNoToken(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 3, 1)
	src := &tokens{exp: time.Hour}
	s := newSetup(c, kafkatest.SASLSSL, samsa.SASLSSL)
	s.cfg.SASL = samsa.SASLConfig{Mechanism: "OAUTHBEARER", TokenSource: src.source}
	p := s.producer(t)
	errs := produceAndReadBack(t, c, p, topic, records(topic, 100))
	if len(src.secrets()) == 0 {
		t.Fatal("the token source was never called")
	}
	assertNoSecrets(t, s, p, src.secrets(), errs...)

	expired := &tokens{exp: -time.Hour}
	s2 := newSetup(c, kafkatest.SASLSSL, samsa.SASLSSL)
	s2.cfg.SASL = samsa.SASLConfig{Mechanism: "OAUTHBEARER", TokenSource: expired.source}
	s2.cfg.MaxBlock = 5 * time.Second
	p2 := s2.producer(t)
	_, err := p2.SendSync(context.Background(), samsa.Record{Topic: topic, Value: []byte("never")})
	if !errors.Is(err, kerr.SASLAuthenticationFailed) {
		t.Fatalf("an expired token gave %v, want SASL_AUTHENTICATION_FAILED", err)
	}
	assertNoSecrets(t, s2, p2, expired.secrets(), err)
}

// TestEncryptedKeyLogsNoKey: a client key encrypted with a password (PBES2,
// as openssl pkcs8 -topk8 -v2 writes) authenticates over mutual TLS;
// neither the password nor any piece of the key, encrypted or not,
// appears in the debug log, metrics, configuration or errors. A wrong
// password is refused by NewProducer with an error that does not print it.
func TestEncryptedKeyLogsNoKey(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 2, 1)
	const password = "k3y-pa55-f0r-th3-client"
	plain, err := os.ReadFile(c.ClientKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(plain)
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		t.Fatal(err)
	}
	enc, err := pkcs8.Encrypt(block.Bytes, password, pkcs8.AES256SHA256)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "client.enc.key")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc}), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newSetup(c, kafkatest.MTLS, samsa.SSL)
	s.cfg.TLS.CertFile, s.cfg.TLS.KeyFile, s.cfg.TLS.KeyPassword = c.ClientCertFile(), keyFile, password
	p := s.producer(t)
	errs := produceAndReadBack(t, c, p, topic, records(topic, 60))
	secrets := append([]string{password}, keyMaterial(t, c.ClientKeyFile())...)
	secrets = append(secrets, keyMaterial(t, keyFile)...)
	assertNoSecrets(t, s, p, secrets, errs...)

	wrong := newSetup(c, kafkatest.MTLS, samsa.SSL)
	wrong.cfg.TLS.CertFile, wrong.cfg.TLS.KeyFile, wrong.cfg.TLS.KeyPassword = c.ClientCertFile(), keyFile, "not-"+password
	_, err = samsa.NewProducer(wrong.cfg)
	if err == nil || !strings.Contains(err.Error(), "KeyPassword") {
		t.Fatalf("a wrong key password gave %v, want an error naming KeyPassword", err)
	}
	for _, secret := range append(secrets, "not-"+password) {
		if strings.Contains(err.Error(), secret) || strings.Contains(wrong.log.String(), secret) {
			t.Fatalf("the wrong-password error or log holds the secret %q: %v", secret, err)
		}
	}
}
