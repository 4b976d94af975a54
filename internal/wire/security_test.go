package wire

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/samsa-go/samsa/internal/sasl"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Wrong passwords the tests try; like the right ones, they must never
// show up in a log line or an error.
const (
	wrongPlainPassword  = "wr0ng-plain-Pa55"
	wrongScramPassword  = "wr0ng-scram-Pa55"
	oauthTokenSubject   = "oauth-user"
	secDialTimeout      = 20 * time.Second
	secRequestTimeout   = 15 * time.Second
	reauthTestDuration  = 20 * time.Second // more than three sessions of reauthMs
	minReauthsInTheTest = 3
)

// secEnv is what every security test shares: the cluster, a debug-level
// log capture that every connection logs into, and every error a test saw.
type secEnv struct {
	c    *kafkatest.Cluster
	logs *logCapture

	mu   sync.Mutex
	errs []string
	// secrets are the passwords, tokens and key material that must appear
	// nowhere in logs or errors.
	secrets []string
}

// logCapture is a slog handler target that keeps everything.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (e *secEnv) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// record keeps err's text, and %+v and %#v forms, for the leak check.
func (e *secEnv) record(err error) {
	if err == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
}

// checkNoSecrets greps the logs and errors for every secret.
func (e *secEnv) checkNoSecrets(t *testing.T) {
	t.Helper()
	logs := e.logs.String()
	e.mu.Lock()
	errs := strings.Join(e.errs, "\n")
	e.mu.Unlock()
	if logs == "" && len(errs) == 0 {
		t.Log("nothing was logged or failed (subtests filtered out?): no leak check")
		return
	}
	if !strings.Contains(logs, "level=DEBUG") || !strings.Contains(logs, "connected") {
		t.Fatalf("the log capture caught no debug output; the leak check would prove nothing:\n%s", logs)
	}
	for _, s := range e.secrets {
		if strings.Contains(logs, s) {
			t.Errorf("a secret (%d bytes) appears in the debug log", len(s))
		}
		if strings.Contains(errs, s) {
			t.Errorf("a secret (%d bytes) appears in an error", len(s))
		}
	}
	t.Logf("checked %d log bytes and %d error strings for %d secrets", len(logs), len(e.errs), len(e.secrets))
}

// TestSecurity runs every TLS, mTLS, SASL and re-authentication test
// against the real Kafka, logging at debug level into one capture, and
// at the end greps that log and every error for the passwords, tokens
// and client key.
func TestSecurity(t *testing.T) {
	c := kafkatest.Shared(t)
	env := &secEnv{c: c, logs: &logCapture{}}
	for _, u := range []kafkatest.User{kafkatest.PlainUser, kafkatest.Scram256User, kafkatest.Scram512User} {
		env.secrets = append(env.secrets, u.Password)
	}
	env.secrets = append(env.secrets, wrongPlainPassword, wrongScramPassword)
	key, err := os.ReadFile(c.ClientKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(key)
	if blk == nil {
		t.Fatal("client key file holds no PEM")
	}
	// The key's DER, as base64 pieces and raw, in any form it could leak.
	b64 := base64.StdEncoding.EncodeToString(blk.Bytes)
	for i := 0; i+32 <= len(b64); i += 16 {
		env.secrets = append(env.secrets, b64[i:i+32])
	}
	env.secrets = append(env.secrets, string(blk.Bytes), fmt.Sprintf("%x", blk.Bytes))

	t.Run("TLS", func(t *testing.T) { testTLS(t, env) })
	t.Run("MTLS", func(t *testing.T) { testMTLS(t, env) })
	t.Run("SASL", func(t *testing.T) { testSASL(t, env) })
	t.Run("OAUTHBEARER", func(t *testing.T) { testOAuthBearer(t, env) })
	t.Run("Reauth", func(t *testing.T) { testReauth(t, env) })
	env.checkNoSecrets(t)
}

func secCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// dialCounter counts transport dials, to prove failed authentications are
// not retried.
type dialCounter struct{ n atomic.Int32 }

func (d *dialCounter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.n.Add(1)
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func (e *secEnv) options(tlsCfg *tls.Config, mech sasl.Mechanism, dc *dialCounter) *Options {
	o := &Options{
		ClientID:       "samsa-security-test",
		DialTimeout:    secDialTimeout,
		RequestTimeout: secRequestTimeout,
		TLS:            tlsCfg,
		SASL:           mech,
		Logger:         e.logger(),
	}
	if dc != nil {
		o.Dial = dc.dial
	}
	return o
}

// dial connects and fails t if it cannot.
func (e *secEnv) dial(t *testing.T, addr string, o *Options) *Conn {
	t.Helper()
	conn, err := Dial(secCtx(t), addr, o)
	e.record(err)
	if err != nil {
		t.Fatalf("Dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// dialFail dials expecting a failure and returns it.
func (e *secEnv) dialFail(t *testing.T, addr string, o *Options) error {
	t.Helper()
	conn, err := Dial(secCtx(t), addr, o)
	e.record(err)
	if err == nil {
		conn.Close()
		t.Fatalf("Dial %s succeeded, want an error", addr)
	}
	return err
}

// checkMetadata sends a Metadata request on conn and checks the broker
// answered it: one broker, node 1, advertised at the very address (the
// listener) the connection was made to.
func checkMetadata(t *testing.T, conn *Conn, addr string) {
	t.Helper()
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{}
	resp, err := conn.Do(secCtx(t), req)
	if err != nil {
		t.Fatalf("Metadata over %s: %v", addr, err)
	}
	md := resp.(*kmsg.MetadataResponse)
	if len(md.Brokers) != 1 || md.Brokers[0].NodeID != 1 || int(md.Brokers[0].Port) != port {
		t.Fatalf("Metadata over %s: brokers %+v, want node 1 at port %d", addr, md.Brokers, port)
	}
	if h := md.Brokers[0].Host; h != "127.0.0.1" && h != host {
		t.Fatalf("Metadata over %s: broker host %q", addr, h)
	}
	if md.ClusterID == nil || *md.ClusterID == "" {
		t.Fatalf("Metadata over %s: no cluster id", addr)
	}
}

func caPool(t *testing.T, c *kafkatest.Cluster) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(c.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatal("no certificates in the CA file")
	}
	return pool
}

// tlsConfig trusts the cluster's CA and verifies host names, as
// samsa's TLSConfig builds it by default.
func tlsConfig(t *testing.T, c *kafkatest.Cluster) *tls.Config {
	return &tls.Config{RootCAs: caPool(t, c), MinVersion: tls.VersionTLS12}
}

// withHost returns addr with its host replaced.
func withHost(addr, host string) string {
	_, port, _ := net.SplitHostPort(addr)
	return net.JoinHostPort(host, port)
}

func testTLS(t *testing.T, env *secEnv) {
	c := env.c
	t.Run("verified", func(t *testing.T) {
		// The broker certificate names 127.0.0.1 and localhost; the host
		// dialed is the host verified.
		for _, host := range []string{"127.0.0.1", "localhost"} {
			addr := withHost(c.Addr(1, kafkatest.SSL), host)
			conn := env.dial(t, addr, env.options(tlsConfig(t, c), nil, nil))
			if _, ok := conn.nc.(*tls.Conn); !ok {
				t.Fatalf("connection to %s is %T, not TLS", addr, conn.nc)
			}
			st := conn.nc.(*tls.Conn).ConnectionState()
			if !st.HandshakeComplete || st.Version < tls.VersionTLS12 || len(st.VerifiedChains) == 0 {
				t.Fatalf("TLS state: complete %v, version %x, verified chains %d", st.HandshakeComplete, st.Version, len(st.VerifiedChains))
			}
			checkMetadata(t, conn, addr)
		}
	})
	t.Run("wrong host", func(t *testing.T) {
		for _, host := range []string{"127.0.0.1", "localhost"} {
			addr := withHost(c.Addr(1, kafkatest.SSLWrongHost), host)
			err := env.dialFail(t, addr, env.options(tlsConfig(t, c), nil, nil))
			var hostErr x509.HostnameError
			var de *DialError
			if !errors.As(err, &hostErr) || !errors.As(err, &de) || de.Step != "connect" {
				t.Fatalf("%s: %v (%T), want a DialError wrapping an x509.HostnameError", addr, err, err)
			}
			if !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "TLS handshake") {
				t.Fatalf("error does not name the broker and the TLS handshake: %v", err)
			}
			if host == "localhost" && !strings.Contains(err.Error(), "certificate is valid for "+kafkatest.WrongHostName+", not localhost") {
				t.Fatalf("error does not say which names the certificate holds: %v", err)
			}
			t.Logf("refused as it should be: %v", err)
		}
		// Asking for the name the certificate holds makes it acceptable:
		// the refusal above was about the name, nothing else.
		cfg := tlsConfig(t, c)
		cfg.ServerName = kafkatest.WrongHostName
		addr := c.Addr(1, kafkatest.SSLWrongHost)
		checkMetadata(t, env.dial(t, addr, env.options(cfg, nil, nil)), addr)
	})
	t.Run("expired", func(t *testing.T) {
		addr := c.Addr(1, kafkatest.SSLExpired)
		err := env.dialFail(t, addr, env.options(tlsConfig(t, c), nil, nil))
		var inv x509.CertificateInvalidError
		if !errors.As(err, &inv) || inv.Reason != x509.Expired || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("%v, want an x509.CertificateInvalidError for an expired certificate", err)
		}
		t.Logf("refused as it should be: %v", err)
	})
	t.Run("untrusted", func(t *testing.T) {
		// The system roots do not include the test CA.
		addr := c.Addr(1, kafkatest.SSL)
		err := env.dialFail(t, addr, env.options(&tls.Config{MinVersion: tls.VersionTLS12}, nil, nil))
		var ua x509.UnknownAuthorityError
		if !errors.As(err, &ua) {
			t.Fatalf("%v, want an x509.UnknownAuthorityError", err)
		}
	})
	t.Run("plaintext client to TLS listener", func(t *testing.T) {
		// No TLS configured against a TLS listener: the broker sees
		// garbage and drops the connection; the dial fails rather than
		// hangs.
		addr := c.Addr(1, kafkatest.SSL)
		o := env.options(nil, nil, nil)
		o.DialTimeout = 5 * time.Second
		err := env.dialFail(t, addr, o)
		var de *DialError
		if !errors.As(err, &de) || de.Step != "ApiVersions" {
			t.Fatalf("%v, want a DialError in the ApiVersions step", err)
		}
	})
}

func testMTLS(t *testing.T, env *secEnv) {
	c := env.c
	addr := c.Addr(1, kafkatest.MTLS)
	t.Run("with client certificate", func(t *testing.T) {
		cert, err := tls.LoadX509KeyPair(c.ClientCertFile(), c.ClientKeyFile())
		if err != nil {
			t.Fatal(err)
		}
		cfg := tlsConfig(t, c)
		cfg.Certificates = []tls.Certificate{cert}
		conn := env.dial(t, addr, env.options(cfg, nil, nil))
		checkMetadata(t, conn, addr)
	})
	t.Run("without client certificate", func(t *testing.T) {
		for _, maxVer := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
			cfg := tlsConfig(t, c)
			cfg.MaxVersion = maxVer
			err := env.dialFail(t, addr, env.options(cfg, nil, nil))
			// TLS 1.2 fails in the handshake; TLS 1.3 completes the
			// client's side first and then reads the broker's alert.
			if !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("TLS %x: %v, want the broker's certificate alert", maxVer, err)
			}
			var de *DialError
			if !errors.As(err, &de) || de.Broker != addr {
				t.Fatalf("TLS %x: %v (%T), want a DialError naming %s", maxVer, err, err, addr)
			}
			t.Logf("TLS %x refused as it should be: %v", maxVer, err)
		}
	})
}

// countingMech counts the exchanges a mechanism starts and completes.
type countingMech struct {
	sasl.Mechanism
	starts, completed atomic.Int32
	// onStart, when set, runs as each exchange starts.
	onStart func()
}

func (m *countingMech) Start(ctx context.Context, addr string) (sasl.Session, []byte, error) {
	m.starts.Add(1)
	if m.onStart != nil {
		m.onStart()
	}
	s, msg, err := m.Mechanism.Start(ctx, addr)
	if err != nil {
		return nil, nil, err
	}
	return &countingSession{s, m}, msg, nil
}

type countingSession struct {
	sasl.Session
	m *countingMech
}

func (s *countingSession) Next(ctx context.Context, server []byte) (bool, []byte, error) {
	done, msg, err := s.Session.Next(ctx, server)
	if done && err == nil {
		s.m.completed.Add(1)
	}
	return done, msg, err
}

// Err forwards the wrapped session's failure detail (OAUTHBEARER's).
func (s *countingSession) Err() error {
	if e, ok := s.Session.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}

func mechFor(u kafkatest.User, pass string) sasl.Mechanism {
	switch u.Mechanism {
	case "PLAIN":
		return sasl.Plain(u.Name, pass)
	case "SCRAM-SHA-256":
		return sasl.ScramSHA256(u.Name, pass)
	case "SCRAM-SHA-512":
		return sasl.ScramSHA512(u.Name, pass)
	}
	panic("unknown mechanism " + u.Mechanism)
}

// checkAuthError checks err is an AuthError for mech at addr, made on one
// dial and one exchange, without any password in it.
func checkAuthError(t *testing.T, err error, addr, mech string, dc *dialCounter, cm *countingMech, passwords ...string) *AuthError {
	t.Helper()
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("%v (%T), want a *AuthError", err, err)
	}
	if ae.Broker != addr || ae.Mechanism != mech {
		t.Fatalf("AuthError names broker %q mechanism %q, want %q %q", ae.Broker, ae.Mechanism, addr, mech)
	}
	if n := dc.n.Load(); n != 1 {
		t.Fatalf("%d dials for one failed authentication: it was retried", n)
	}
	if cm != nil && (cm.starts.Load() != 1 || cm.completed.Load() != 0) {
		t.Fatalf("%d exchanges started, %d completed; want 1 and 0", cm.starts.Load(), cm.completed.Load())
	}
	for _, p := range passwords {
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(s, p) {
				t.Fatalf("the error contains a password: %s", s)
			}
		}
	}
	return ae
}

func testSASL(t *testing.T, env *secEnv) {
	c := env.c
	users := []kafkatest.User{kafkatest.PlainUser, kafkatest.Scram256User, kafkatest.Scram512User}
	for _, l := range []kafkatest.Listener{kafkatest.SASLPlaintext, kafkatest.SASLSSL} {
		var tlsCfg *tls.Config
		if l == kafkatest.SASLSSL {
			tlsCfg = tlsConfig(t, c)
		}
		addr := c.Addr(1, l)
		for _, u := range users {
			t.Run(string(l)+"/"+u.Mechanism, func(t *testing.T) {
				cm := &countingMech{Mechanism: mechFor(u, u.Password)}
				dc := &dialCounter{}
				conn := env.dial(t, addr, env.options(tlsCfg, cm, dc))
				if _, isTLS := conn.nc.(*tls.Conn); isTLS != (tlsCfg != nil) {
					t.Fatalf("TLS %v on %s", isTLS, l)
				}
				if cm.starts.Load() != 1 || cm.completed.Load() != 1 {
					t.Fatalf("%d exchanges started, %d completed; want 1 and 1", cm.starts.Load(), cm.completed.Load())
				}
				if conn.reauthAt.Load() == 0 {
					t.Fatal("no re-authentication scheduled though the broker sets a session lifetime")
				}
				checkMetadata(t, conn, addr)
			})
			t.Run(string(l)+"/"+u.Mechanism+"/wrong password", func(t *testing.T) {
				wrong := wrongScramPassword
				if u.Mechanism == "PLAIN" {
					wrong = wrongPlainPassword
				}
				cm := &countingMech{Mechanism: mechFor(u, wrong)}
				dc := &dialCounter{}
				err := env.dialFail(t, addr, env.options(tlsCfg, cm, dc))
				ae := checkAuthError(t, err, addr, u.Mechanism, dc, cm, wrong, u.Password)
				if !strings.Contains(ae.Msg, "Authentication failed") {
					t.Fatalf("AuthError message %q does not carry the broker's", ae.Msg)
				}
				t.Logf("refused as it should be: %v", err)
			})
		}
		t.Run(string(l)+"/user of another mechanism", func(t *testing.T) {
			// The SCRAM-SHA-256 user has no SCRAM-SHA-512 credential.
			u := kafkatest.Scram256User
			dc := &dialCounter{}
			err := env.dialFail(t, addr, env.options(tlsCfg, sasl.ScramSHA512(u.Name, u.Password), dc))
			checkAuthError(t, err, addr, "SCRAM-SHA-512", dc, nil, u.Password)
		})
		t.Run(string(l)+"/unsupported mechanism", func(t *testing.T) {
			dc := &dialCounter{}
			err := env.dialFail(t, addr, env.options(tlsCfg, namedMech("GSSAPI"), dc))
			ae := checkAuthError(t, err, addr, "GSSAPI", dc, nil)
			if !strings.Contains(ae.Msg, "SCRAM-SHA-512") || !strings.Contains(ae.Msg, "error code 33") {
				t.Fatalf("AuthError %q does not list the broker's mechanisms", ae.Msg)
			}
		})
	}
	t.Run("SASL client on the TLS listener without TLS", func(t *testing.T) {
		addr := c.Addr(1, kafkatest.SSL)
		o := env.options(nil, sasl.Plain(kafkatest.PlainUser.Name, kafkatest.PlainUser.Password), nil)
		o.DialTimeout = 5 * time.Second
		err := env.dialFail(t, addr, o)
		if strings.Contains(err.Error(), kafkatest.PlainUser.Password) {
			t.Fatalf("error holds the password: %v", err)
		}
	})
}

// namedMech is a mechanism the broker does not offer.
type namedMech string

func (m namedMech) Name() string { return string(m) }

func (m namedMech) Start(context.Context, string) (sasl.Session, []byte, error) {
	return nil, nil, errors.New("namedMech never starts")
}

func testOAuthBearer(t *testing.T, env *secEnv) {
	c := env.c
	for _, l := range []kafkatest.Listener{kafkatest.SASLPlaintext, kafkatest.SASLSSL} {
		var tlsCfg *tls.Config
		if l == kafkatest.SASLSSL {
			tlsCfg = tlsConfig(t, c)
		}
		addr := c.Addr(1, l)
		t.Run(string(l), func(t *testing.T) {
			var calls atomic.Int32
			src := func(ctx context.Context) (sasl.Token, error) {
				calls.Add(1)
				tok := kafkatest.UnsecuredJWT(oauthTokenSubject, time.Now().Add(time.Hour))
				env.addSecret(tok)
				return sasl.Token{Value: tok, Extensions: map[string]string{"traceId": "samsa-test"}}, nil
			}
			cm := &countingMech{Mechanism: sasl.OAuthBearer(src)}
			conn := env.dial(t, addr, env.options(tlsCfg, cm, nil))
			if calls.Load() != 1 || cm.completed.Load() != 1 {
				t.Fatalf("token source called %d times, %d exchanges completed", calls.Load(), cm.completed.Load())
			}
			checkMetadata(t, conn, addr)
		})
		t.Run(string(l)+"/expired token", func(t *testing.T) {
			src := func(ctx context.Context) (sasl.Token, error) {
				tok := kafkatest.UnsecuredJWT(oauthTokenSubject, time.Now().Add(-time.Hour))
				env.addSecret(tok)
				return sasl.Token{Value: tok}, nil
			}
			cm := &countingMech{Mechanism: sasl.OAuthBearer(src)}
			dc := &dialCounter{}
			err := env.dialFail(t, addr, env.options(tlsCfg, cm, dc))
			ae := checkAuthError(t, err, addr, "OAUTHBEARER", dc, cm)
			// The broker answered the token with its JSON error, samsa sent
			// the ^A dummy response, and the broker then failed the
			// exchange; the server's status reaches the error.
			var oe *sasl.OAuthBearerError
			if !errors.As(err, &oe) || oe.Status != "invalid_token" {
				t.Fatalf("%v (Msg %q), want the server's invalid_token status", err, ae.Msg)
			}
			t.Logf("refused as it should be: %v", err)
		})
	}
}

func (e *secEnv) addSecret(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.secrets = append(e.secrets, s)
}

// testReauth keeps connections busy with pipelined requests across
// several session lifetimes (reauthMs) and checks that each session was
// renewed before it ran out, with no request failing and the broker never
// closing the connection.
func testReauth(t *testing.T, env *secEnv) {
	c := env.c
	cases := []struct {
		name string
		l    kafkatest.Listener
		mech func(calls *atomic.Int32) sasl.Mechanism
	}{
		{"SASL_SSL/SCRAM-SHA-512", kafkatest.SASLSSL, func(*atomic.Int32) sasl.Mechanism {
			return mechFor(kafkatest.Scram512User, kafkatest.Scram512User.Password)
		}},
		{"SASL_PLAINTEXT/PLAIN", kafkatest.SASLPlaintext, func(*atomic.Int32) sasl.Mechanism {
			return mechFor(kafkatest.PlainUser, kafkatest.PlainUser.Password)
		}},
		{"SASL_SSL/OAUTHBEARER", kafkatest.SASLSSL, func(calls *atomic.Int32) sasl.Mechanism {
			return sasl.OAuthBearer(func(ctx context.Context) (sasl.Token, error) {
				calls.Add(1)
				tok := kafkatest.UnsecuredJWT(oauthTokenSubject, time.Now().Add(time.Hour))
				env.addSecret(tok)
				return sasl.Token{Value: tok}, nil
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var tlsCfg *tls.Config
			if tc.l == kafkatest.SASLSSL {
				tlsCfg = tlsConfig(t, c)
			}
			addr := c.Addr(1, tc.l)
			var calls atomic.Int32
			cm := &countingMech{Mechanism: tc.mech(&calls)}
			// Record how many requests were in flight as each
			// re-authentication began (the one that triggered it holds a
			// slot too, without having been written).
			var connPtr atomic.Pointer[Conn]
			var maxInFlight atomic.Int32
			cm.onStart = func() {
				if c := connPtr.Load(); c != nil {
					if n := int32(len(c.slots)); n > maxInFlight.Load() {
						maxInFlight.Store(n)
					}
				}
			}
			o := env.options(tlsCfg, cm, nil)
			o.MaxInFlight = 5
			conn := env.dial(t, addr, o)
			connPtr.Store(conn)

			// Pipelined traffic: 8 goroutines share 5 in-flight slots.
			ctx := secCtx(t)
			deadline := time.Now().Add(reauthTestDuration)
			var wg sync.WaitGroup
			var ok atomic.Int64
			errc := make(chan error, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for time.Now().Before(deadline) {
						req := kmsg.NewPtrMetadataRequest()
						req.Topics = []kmsg.MetadataRequestTopic{}
						resp, err := conn.Do(ctx, req)
						if err != nil {
							errc <- err
							return
						}
						if md := resp.(*kmsg.MetadataResponse); len(md.Brokers) != 1 {
							errc <- fmt.Errorf("metadata with %d brokers", len(md.Brokers))
							return
						}
						ok.Add(1)
						time.Sleep(5 * time.Millisecond)
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				env.record(err)
				t.Errorf("request failed during re-authentication: %v", err)
			}
			if err := conn.Err(); err != nil {
				t.Fatalf("connection ended: %v", err)
			}
			// The session lasted at most reauthMs; the connection was used
			// for reauthTestDuration, so the broker would have closed it
			// had it not been re-authenticated.
			n := cm.completed.Load()
			if n < 1+minReauthsInTheTest || cm.starts.Load() != n {
				t.Fatalf("%d exchanges started, %d completed in %v with sessions of %dms; want at least %d re-authentications",
					cm.starts.Load(), n, reauthTestDuration, reauthMs, minReauthsInTheTest)
			}
			if maxInFlight.Load() < 2 {
				t.Fatalf("no re-authentication began with other requests in flight (at most %d slots taken)", maxInFlight.Load())
			}
			if tc.name == "SASL_SSL/OAUTHBEARER" && calls.Load() != n {
				t.Fatalf("token source called %d times for %d exchanges", calls.Load(), n)
			}
			checkMetadata(t, conn, addr)
			t.Logf("%d requests, %d SASL exchanges (%d re-authentications, up to %d slots taken as one began) on one connection",
				ok.Load(), n, n-1, maxInFlight.Load())
		})
	}
	t.Run("expiry without re-authentication closes the connection", func(t *testing.T) {
		t.Parallel()
		// The control for the test above: the broker does enforce the
		// session lifetime. With re-authentication suppressed, the first
		// request after the session expired ends the connection.
		addr := c.Addr(1, kafkatest.SASLPlaintext)
		conn := env.dial(t, addr, env.options(nil, mechFor(kafkatest.PlainUser, kafkatest.PlainUser.Password), nil))
		checkMetadata(t, conn, addr)
		conn.reauthAt.Store(0)
		time.Sleep(reauthMs*time.Millisecond + 500*time.Millisecond)
		req := kmsg.NewPtrMetadataRequest()
		req.Topics = []kmsg.MetadataRequestTopic{}
		_, err := conn.Do(secCtx(t), req)
		env.record(err)
		if err == nil {
			t.Fatal("the broker answered on an expired session: the re-authentication test proves nothing")
		}
		t.Logf("expired session ended as expected: %v", err)
	})
}

// fakeSASLBroker is a minimal broker speaking just enough of the protocol
// (ApiVersions, Metadata, SaslHandshake, SaslAuthenticate) to script the
// SASL failures a real Kafka does not produce on demand.
type fakeSASLBroker struct {
	// handshake is called for each SaslHandshake (n counts from 1); it may
	// sleep, or return false to drop the connection instead of answering.
	handshake func(n int) bool
	// authenticate answers each SaslAuthenticate.
	authenticate func(n int, msg []byte) *kmsg.SASLAuthenticateResponse

	// tls, when set, makes the broker speak TLS.
	tls *tls.Config

	handshakes, auths atomic.Int32
}

func (f *fakeSASLBroker) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				if f.tls != nil {
					conn = tls.Server(conn, f.tls)
				}
				f.serve(conn)
			}()
		}
	}()
	return ln.Addr().String()
}

func (f *fakeSASLBroker) serve(conn net.Conn) {
	for {
		var size [4]byte
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			return
		}
		frame := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(conn, frame); err != nil {
			return
		}
		key := int16(binary.BigEndian.Uint16(frame))
		ver := int16(binary.BigEndian.Uint16(frame[2:]))
		corr := int32(binary.BigEndian.Uint32(frame[4:]))
		idLen := int(int16(binary.BigEndian.Uint16(frame[8:])))
		body := frame[10+max(idLen, 0):]
		req := kmsg.RequestForKey(key)
		req.SetVersion(ver)
		if req.IsFlexible() {
			body = body[1:] // request header v2: no tagged fields
		}
		if err := req.ReadFrom(body); err != nil {
			return
		}
		var resp kmsg.Response
		switch r := req.(type) {
		case *kmsg.ApiVersionsRequest:
			av := kmsg.NewPtrApiVersionsResponse()
			for _, k := range []kmsg.Key{kmsg.ApiVersions, kmsg.Metadata, kmsg.Produce, kmsg.SASLHandshake, kmsg.SASLAuthenticate} {
				av.ApiKeys = append(av.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: k.Int16(), MaxVersion: k.Request().MaxVersion()})
			}
			resp = av
		case *kmsg.SASLHandshakeRequest:
			if !f.handshake(int(f.handshakes.Add(1))) {
				return
			}
			hr := kmsg.NewPtrSASLHandshakeResponse()
			hr.SupportedMechanisms = []string{r.Mechanism}
			resp = hr
		case *kmsg.SASLAuthenticateRequest:
			ar := f.authenticate(int(f.auths.Add(1)), r.SASLAuthBytes)
			if ar == nil {
				return
			}
			resp = ar
		case *kmsg.MetadataRequest:
			md := kmsg.NewPtrMetadataResponse()
			host, port, _ := net.SplitHostPort(conn.LocalAddr().String())
			p, _ := strconv.Atoi(port)
			md.Brokers = []kmsg.MetadataResponseBroker{{NodeID: 1, Host: host, Port: int32(p)}}
			id := "fake"
			md.ClusterID = &id
			resp = md
		default:
			return
		}
		resp.SetVersion(ver)
		out := binary.BigEndian.AppendUint32(nil, uint32(corr))
		if resp.IsFlexible() && key != kmsg.ApiVersions.Int16() {
			out = append(out, 0)
		}
		out = resp.AppendTo(out)
		if _, err := conn.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(out))), out...)); err != nil {
			return
		}
	}
}

func okAuth(lifetimeMs int64) *kmsg.SASLAuthenticateResponse {
	r := kmsg.NewPtrSASLAuthenticateResponse()
	r.SessionLifetimeMillis = lifetimeMs
	return r
}

// A connection that breaks during the SASL exchange is a connection
// failure, not an authentication failure: nothing was learned about the
// credentials, and a new connection may well succeed.
func TestSASLConnectionLossIsNotAuthError(t *testing.T) {
	for _, where := range []string{"SaslHandshake", "SaslAuthenticate"} {
		t.Run(where, func(t *testing.T) {
			f := &fakeSASLBroker{
				// Close the connection instead of answering.
				handshake:    func(int) bool { return where != "SaslHandshake" },
				authenticate: func(int, []byte) *kmsg.SASLAuthenticateResponse { return nil },
			}
			addr := f.start(t)
			o := &Options{DialTimeout: 5 * time.Second, SASL: sasl.Plain("u", "fake-secret")}
			_, err := Dial(context.Background(), addr, o)
			var ae *AuthError
			var de *DialError
			if errors.As(err, &ae) || !errors.As(err, &de) || de.Step != "SASL" {
				t.Fatalf("%v (%T), want a DialError in the SASL step and no AuthError", err, err)
			}
			if strings.Contains(err.Error(), "fake-secret") {
				t.Fatalf("error holds the password: %v", err)
			}
		})
	}
}

// A broker that cannot prove it knows the SCRAM password (its server-final
// signature is wrong) is refused even though it said authentication
// succeeded.
func TestSCRAMImpostorBrokerRefused(t *testing.T) {
	f := &fakeSASLBroker{
		handshake: func(int) bool { return true },
		authenticate: func(n int, msg []byte) *kmsg.SASLAuthenticateResponse {
			r := okAuth(0)
			switch n {
			case 1: // client-first: extend the nonce
				nonce := string(msg[strings.Index(string(msg), ",r=")+3:])
				r.SASLAuthBytes = []byte("r=" + nonce + "impostor,s=c2FsdHNhbHQ=,i=4096")
			default: // client-final: accept, with a made-up signature
				r.SASLAuthBytes = []byte("v=" + base64.StdEncoding.EncodeToString(make([]byte, 64)))
			}
			return r
		},
	}
	addr := f.start(t)
	_, err := Dial(context.Background(), addr, &Options{DialTimeout: 5 * time.Second, SASL: sasl.ScramSHA512("u", "scram-secret")})
	var ae *AuthError
	if !errors.As(err, &ae) || !errors.Is(err, sasl.ErrServerSignature) || ae.Mechanism != "SCRAM-SHA-512" {
		t.Fatalf("%v (%T), want an AuthError wrapping sasl.ErrServerSignature", err, err)
	}
	if strings.Contains(err.Error(), "scram-secret") {
		t.Fatalf("error holds the password: %v", err)
	}
}

// Re-authentication belongs to the connection: a request whose context
// ends while the re-authentication it triggered is under way must not
// abandon the exchange halfway and so break the connection for everyone.
func TestReauthSurvivesCallerCancel(t *testing.T) {
	f := &fakeSASLBroker{
		handshake: func(n int) bool {
			if n == 2 {
				time.Sleep(300 * time.Millisecond) // a slow re-authentication
			}
			return true
		},
		authenticate: func(int, []byte) *kmsg.SASLAuthenticateResponse { return okAuth(200) },
	}
	addr := f.start(t)
	conn, err := Dial(context.Background(), addr, &Options{DialTimeout: 5 * time.Second, SASL: sasl.Plain("u", "p")})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(250 * time.Millisecond) // past 85-95% of the 200ms session
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, _ = conn.Do(ctx, kmsg.NewPtrMetadataRequest())
	cancel()
	if err := conn.Err(); err != nil {
		t.Fatalf("the connection died with the caller's context: %v", err)
	}
	if n := f.auths.Load(); n != 2 {
		t.Fatalf("%d SaslAuthenticate exchanges, want 2", n)
	}
	resp, err := conn.Do(context.Background(), kmsg.NewPtrMetadataRequest())
	if err != nil {
		t.Fatalf("request after re-authentication: %v", err)
	}
	if md := resp.(*kmsg.MetadataResponse); len(md.Brokers) != 1 || *md.ClusterID != "fake" {
		t.Fatalf("metadata %+v", md)
	}
}

// With host name verification off (InsecureSkipVerify, or chain-only
// verification through VerifyConnection, which needs InsecureSkipVerify),
// the broker's host name is still sent as SNI, which SNI-routing proxies
// in front of brokers depend on.
func TestTLSSendsSNIWithoutHostnameVerification(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "elsewhere"},
		DNSNames: []string{"elsewhere.example"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	var sni atomic.Value
	f := &fakeSASLBroker{tls: &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			sni.Store(h.ServerName)
			return nil, nil
		},
	}}
	addr := withHost(f.start(t), "localhost")
	var verified atomic.Bool
	cfg := &tls.Config{InsecureSkipVerify: true, VerifyConnection: func(cs tls.ConnectionState) error {
		verified.Store(len(cs.PeerCertificates) == 1)
		return nil
	}}
	conn, err := Dial(context.Background(), addr, &Options{DialTimeout: 5 * time.Second, TLS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	checkMetadata(t, conn, addr)
	if got, _ := sni.Load().(string); got != "localhost" {
		t.Fatalf("SNI %q, want localhost", got)
	}
	if !verified.Load() {
		t.Fatal("VerifyConnection was not called")
	}
	if cfg.ServerName != "" {
		t.Fatal("Dial changed the caller's tls.Config")
	}
}
