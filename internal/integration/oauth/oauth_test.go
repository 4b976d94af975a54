package oauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// newProducer connects to the SASL_PLAINTEXT listener with OAUTHBEARER and
// the given properties on top; its requests are recorded on the wire.
func newProducer(t *testing.T, c *kafkatest.Cluster, props map[string]string, edit func(*samsa.Config)) (*samsa.Producer, *itest.WireLog, error) {
	t.Helper()
	all := map[string]string{
		"bootstrap.servers": strings.Join(c.Bootstrap(kafkatest.SASLPlaintext), ","),
		"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "OAUTHBEARER", "linger.ms": "5",
	}
	for k, v := range props {
		all[k] = v
	}
	cfg, err := samsa.ConfigFromProperties(all)
	if err != nil {
		t.Fatal(err)
	}
	wire := &itest.WireLog{}
	cfg.Dial = wire.Dial
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if edit != nil {
		edit(&cfg)
	}
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = p.Close(ctx)
	})
	return p, wire, nil
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// produceAndReadBack sends n records and reads them back over PLAINTEXT,
// comparing each with what was sent and acknowledged.
func produceAndReadBack(t *testing.T, c *kafkatest.Cluster, p *samsa.Producer, topic string, n int) {
	t.Helper()
	recs := itest.Shapes(topic, 2, n)
	res := p.SendSyncAll(context.Background(), recs)
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i, r.Err)
		}
	}
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, n, itest.ConsumeOpts{})
	if len(got) != n {
		t.Fatalf("read %d records back, sent %d", len(got), n)
	}
	byPos := map[[2]int64]int{}
	for i, r := range res {
		byPos[[2]int64{int64(r.Metadata.Partition), r.Metadata.Offset}] = i
	}
	for _, g := range got {
		i, ok := byPos[[2]int64{int64(g.Partition), g.Offset}]
		if !ok {
			t.Fatalf("record at %d/%d was not acknowledged there", g.Partition, g.Offset)
		}
		if diff := itest.Equal(g, recs[i], res[i].Metadata); diff != "" {
			t.Fatalf("record %d: %s", i, diff)
		}
	}
}

// TestOAuthClientCredentials: a Java-style client.properties with the
// client-credentials grant (JAAS clientId/clientSecret/scope) gets a
// token the broker accepts; records are read back.
func TestOAuthClientCredentials(t *testing.T) {
	c := kafkatest.Shared(t)
	provider.add("cc-app", &client{secret: "cc-s3cret", audience: audience, lifetime: time.Hour})
	before := provider.tokens("cc-app") // the provider is the package's: -count runs share it
	p, wire, err := newProducer(t, c, map[string]string{
		"sasl.login.callback.handler.class":   "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
		"sasl.oauthbearer.token.endpoint.url": provider.tokenURL(),
		"sasl.oauthbearer.expected.audience":  audience,
		"sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required
			clientId="cc-app" clientSecret="cc-s3cret" scope="kafka";`,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	produceAndReadBack(t, c, p, c.NewTopic(t, 2, 1), 200)
	if n := provider.tokens("cc-app") - before; n != 1 {
		t.Fatalf("%d tokens issued, want 1 (one token serves every connection until its refresh point)", n)
	}
	if wire.Sent(kmsg.SASLAuthenticate) == 0 {
		t.Fatal("no SaslAuthenticate on the wire")
	}
}

// TestOAuthJWTBearer: the jwt-bearer grant (KIP-1139) with an assertion
// signed with the client's RSA key; the provider checks its signature
// and claims before issuing the token.
func TestOAuthJWTBearer(t *testing.T) {
	c := kafkatest.Shared(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "client.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	provider.add("jwt-issuer", &client{pub: &key.PublicKey, audience: audience, lifetime: time.Hour})
	before := provider.tokens("jwt-service")
	p, _, err := newProducer(t, c, map[string]string{
		"sasl.oauthbearer.token.endpoint.url":          provider.tokenURL(),
		"sasl.oauthbearer.jwt.retriever.class":         "org.apache.kafka.common.security.oauthbearer.JwtBearerJwtRetriever",
		"sasl.oauthbearer.assertion.private.key.file":  keyFile,
		"sasl.oauthbearer.assertion.claim.iss":         "jwt-issuer",
		"sasl.oauthbearer.assertion.claim.sub":         "jwt-service",
		"sasl.oauthbearer.assertion.claim.aud":         provider.tokenURL(),
		"sasl.oauthbearer.assertion.claim.jti.include": "true",
		"sasl.oauthbearer.scope":                       "kafka",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	produceAndReadBack(t, c, p, c.NewTopic(t, 2, 1), 100)
	if n := provider.tokens("jwt-service") - before; n != 1 {
		t.Fatalf("%d tokens issued for the assertion's subject, want 1 (refused: %v)", n, provider.refused())
	}
}

// TestOAuthWrongAudience: a token for another audience is refused by the
// broker, and the records fail at once with the broker's reason.
func TestOAuthWrongAudience(t *testing.T) {
	c := kafkatest.Shared(t)
	provider.add("aud-app", &client{secret: "aud-s3cret", audience: "some-other-service", lifetime: time.Hour})
	p, _, err := newProducer(t, c, map[string]string{
		"sasl.oauthbearer.token.endpoint.url": provider.tokenURL(),
		"sasl.oauthbearer.client.id":          "aud-app", "sasl.oauthbearer.client.secret": "aud-s3cret", "sasl.oauthbearer.scope": "kafka",
		"max.block.ms": "20000",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.SendSync(context.Background(), samsa.Record{Topic: "oauth-refused", Value: []byte("x")})
	checkRefused(t, err, start)
}

// TestOAuthExpiredToken: an expired token is refused: by the broker when
// a TokenSource hands one out, and by the client (naming the expiry)
// when the token endpoint issues one.
func TestOAuthExpiredToken(t *testing.T) {
	c := kafkatest.Shared(t)
	expired, err := provider.sign(map[string]any{"iss": provider.issuer(), "sub": "expired-app", "aud": audience, "scope": "kafka",
		"iat": time.Now().Add(-2 * time.Hour).Unix(), "exp": time.Now().Add(-time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("broker", func(t *testing.T) {
		p, _, err := newProducer(t, c, map[string]string{"max.block.ms": "20000"}, func(cfg *samsa.Config) {
			cfg.SASL.TokenSource = func(context.Context) (samsa.OAuthToken, error) { return samsa.OAuthToken{Token: expired}, nil }
		})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = p.SendSync(context.Background(), samsa.Record{Topic: "oauth-refused", Value: []byte("x")})
		checkRefused(t, err, start)
	})
	t.Run("client", func(t *testing.T) {
		provider.add("expired-app", &client{secret: "exp-s3cret", audience: audience, lifetime: time.Minute,
			issuedAt: func() time.Time { return time.Now().Add(-time.Hour) }})
		p, _, err := newProducer(t, c, map[string]string{
			"sasl.oauthbearer.token.endpoint.url": provider.tokenURL(),
			"sasl.oauthbearer.client.id":          "expired-app", "sasl.oauthbearer.client.secret": "exp-s3cret", "sasl.oauthbearer.scope": "kafka",
			"max.block.ms": "5000",
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.SendSync(context.Background(), samsa.Record{Topic: "oauth-refused", Value: []byte("x")})
		if err == nil || !strings.Contains(err.Error(), "OAuth token expired at") {
			t.Fatalf("got %v, want the client to refuse the expired token", err)
		}
		if strings.Contains(err.Error(), "exp-s3cret") {
			t.Fatalf("the error shows the client secret: %v", err)
		}
	})
}

// checkRefused asserts a record failed because the broker refused the
// token: at once (not after max.block.ms), as an authentication failure
// carrying the broker's OAUTHBEARER status.
func checkRefused(t *testing.T, err error, start time.Time) {
	t.Helper()
	if err == nil {
		t.Fatal("the record was acknowledged with a token the broker should refuse")
	}
	if !errors.Is(err, kerr.SASLAuthenticationFailed) || !strings.Contains(err.Error(), "invalid_token") {
		t.Fatalf("got %v; want SASL_AUTHENTICATION_FAILED with the broker's invalid_token status", err)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Fatalf("the refusal took %v: the record waited out max.block.ms", took)
	}
	t.Logf("refused: %v", err)
}

// TestOAuthRefreshUnderLoad produces without pause for several token
// lifetimes: tokens live 6 s and the broker makes every connection
// re-authenticate within 3 s (KIP-368), so live connections must keep
// presenting fresh tokens. Every record must be acknowledged and read
// back exactly once.
func TestOAuthRefreshUnderLoad(t *testing.T) {
	c := kafkatest.Shared(t)
	provider.add("load-app", &client{secret: "load-s3cret", audience: audience, lifetime: 6 * time.Second})
	before := provider.tokens("load-app")
	p, wire, err := newProducer(t, c, map[string]string{
		"sasl.oauthbearer.token.endpoint.url": provider.tokenURL(),
		"sasl.oauthbearer.client.id":          "load-app", "sasl.oauthbearer.client.secret": "load-s3cret", "sasl.oauthbearer.scope": "kafka",
		"sasl.oauthbearer.clock.skew.seconds": "1",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	topic := c.NewTopic(t, 3, 1)
	var (
		mu    sync.Mutex
		acked = map[string]bool{}
		fails []error
		sent  atomic.Int64
		wg    sync.WaitGroup
	)
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		v := fmt.Sprintf("load-%06d", i)
		wg.Add(1)
		sent.Add(1)
		p.Produce(context.Background(), samsa.Record{Topic: topic, Key: []byte(v), Value: []byte(v)}, func(_ samsa.RecordMetadata, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fails = append(fails, fmt.Errorf("%s: %w", v, err))
				return
			}
			acked[v] = true
		})
		if i%50 == 49 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := p.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("%d of %d records failed; first: %v", len(fails), sent.Load(), fails[0])
	}
	n := int(sent.Load())
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, n, itest.ConsumeOpts{})
	seen := map[string]bool{}
	for _, g := range got {
		if seen[string(g.Value)] || !acked[string(g.Value)] {
			t.Fatalf("record %s read twice or never acknowledged", g.Value)
		}
		seen[string(g.Value)] = true
	}
	if len(seen) != n {
		t.Fatalf("read %d distinct records, sent %d", len(seen), n)
	}
	tokens := provider.tokens("load-app") - before
	conns, auths := wire.Conns(), wire.Sent(kmsg.SASLAuthenticate)
	if tokens < 3 {
		t.Fatalf("%d tokens issued in 20 s of 6 s tokens: the producer did not refresh", tokens)
	}
	if auths < 2*conns {
		t.Fatalf("%d SaslAuthenticate on %d connections: connections did not re-authenticate", auths, conns)
	}
	t.Logf("%d records; %d tokens; %d connections, %d authentications", n, tokens, conns, auths)
}
