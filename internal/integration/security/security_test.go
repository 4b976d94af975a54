package security

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/samsa-go/samsa/kerr"
)

// setup is a producer configuration with a debug log captured in a
// buffer and a Dial that counts connection attempts.
type setup struct {
	cfg     samsa.Config
	log     *itest.SyncBuffer
	dials   atomic.Int64
	start   time.Time
	dialsMu sync.Mutex
	dialLog []string // when each dial started and how long it took
}

func newSetup(c *kafkatest.Cluster, l kafkatest.Listener, proto samsa.SecurityProtocol) *setup {
	s := &setup{log: &itest.SyncBuffer{}, start: time.Now()}
	s.cfg = samsa.DefaultConfig()
	s.cfg.BootstrapServers = c.Bootstrap(l)
	s.cfg.SecurityProtocol = proto
	s.cfg.TLS.CAFile = c.CAFile()
	s.cfg.Logger = slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		s.dials.Add(1)
		at := time.Now()
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		s.dialsMu.Lock()
		s.dialLog = append(s.dialLog, fmt.Sprintf("%v(+%v)", at.Sub(s.start).Round(time.Millisecond), time.Since(at).Round(time.Millisecond)))
		s.dialsMu.Unlock()
		return conn, err
	}
	return s
}

func (s *setup) producer(t *testing.T) *samsa.Producer {
	t.Helper()
	p, err := samsa.NewProducer(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	return p
}

// records returns n records of varied shapes for topic.
func records(topic string, n int) []samsa.Record {
	out := make([]samsa.Record, n)
	for i := range out {
		r := samsa.Record{Topic: topic, Value: []byte(fmt.Sprintf("secure value %d %s", i, strings.Repeat("v", i%40)))}
		switch i % 4 {
		case 0:
			r.Key = []byte(fmt.Sprintf("key-%d", i%7))
		case 1:
			r.Key, r.Value = []byte("tombstone"), nil
		case 2:
			r.Headers = []samsa.Header{{Key: "h", Value: []byte("1")}, {Key: "nil", Value: nil}}
		case 3:
			r.Timestamp = time.UnixMilli(1_700_000_000_000 + int64(i))
		}
		out[i] = r
	}
	return out
}

// produceAndReadBack produces recs with p, checks every outcome, reads
// the topic back over PLAINTEXT and compares each record.
func produceAndReadBack(t *testing.T, c *kafkatest.Cluster, p *samsa.Producer, topic string, recs []samsa.Record) []error {
	t.Helper()
	ctx := context.Background()
	mds, errs := itest.ProduceAll(ctx, t, p, recs)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	got := itest.ConsumeAll(t, c.Bootstrap(kafkatest.PLAINTEXT), topic, len(recs), itest.ConsumeOpts{})
	if len(got) != len(recs) {
		t.Fatalf("read %d records, produced %d", len(got), len(recs))
	}
	at := itest.Positions(mds)
	for _, g := range got {
		i, ok := at[[2]int64{int64(g.Partition), g.Offset}]
		if !ok {
			t.Fatalf("record at %d/%d was not acknowledged there", g.Partition, g.Offset)
		}
		if diff := itest.Equal(g, recs[i], mds[i]); diff != "" {
			t.Errorf("record %d: %s", i, diff)
		}
	}
	return errs
}

// assertNoSecrets fails if any secret appears in the captured log, the
// producer's metrics or the formatted configuration, or in errs.
func assertNoSecrets(t *testing.T, s *setup, p *samsa.Producer, secrets []string, errs ...error) {
	t.Helper()
	log := s.log.String()
	if log == "" {
		t.Fatalf("the producer logged nothing at debug level, so grepping its log proves nothing")
	}
	places := map[string]string{
		"debug log":          log,
		"Metrics()":          fmt.Sprintf("%v %+v", p.Metrics(), p.Metrics()),
		"formatted Config":   fmt.Sprintf("%v %+v %#v", s.cfg, s.cfg, s.cfg),
		"formatted SASL/TLS": fmt.Sprintf("%v %+v %#v %+v", s.cfg.SASL, s.cfg.SASL, s.cfg.SASL, s.cfg.TLS),
	}
	var es []string
	for _, err := range errs {
		if err != nil {
			es = append(es, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		}
	}
	places["errors"] = strings.Join(es, "\n")
	for where, text := range places {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(text, secret) {
				t.Errorf("%s contains the secret %q", where, secret)
			}
		}
	}
}

// keyMaterial returns the base64 lines of a PEM private key file, each a
// piece of the key that must never be printed.
func keyMaterial(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if len(line) >= 32 && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no key material in %s", path)
	}
	return out
}

// TestSASLSSLProduce produces records of every shape over SASL_SSL with
// each mechanism, reads them back, and greps the log, metrics, formatted
// configuration and errors for the password.
func TestSASLSSLProduce(t *testing.T) {
	c := kafkatest.Shared(t)
	for _, u := range []kafkatest.User{kafkatest.PlainUser, kafkatest.Scram256User, kafkatest.Scram512User} {
		t.Run(u.Mechanism, func(t *testing.T) {
			topic := c.NewTopic(t, 3, 1)
			s := newSetup(c, kafkatest.SASLSSL, samsa.SASLSSL)
			s.cfg.SASL = samsa.SASLConfig{Mechanism: u.Mechanism, Username: u.Name, Password: u.Password}
			p := s.producer(t)
			errs := produceAndReadBack(t, c, p, topic, records(topic, 200))
			if parts, err := p.PartitionsFor(context.Background(), topic); err != nil || len(parts) != 3 {
				t.Errorf("PartitionsFor after records were acknowledged: %d partitions, %v", len(parts), err)
			}
			assertNoSecrets(t, s, p, []string{u.Password}, errs...)
		})
	}
}

// TestMutualTLSProduce produces over the listener that requires a client
// certificate and checks that no key material is printed.
func TestMutualTLSProduce(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 3, 1)
	s := newSetup(c, kafkatest.MTLS, samsa.SSL)
	s.cfg.TLS.CertFile, s.cfg.TLS.KeyFile = c.ClientCertFile(), c.ClientKeyFile()
	p := s.producer(t)
	errs := produceAndReadBack(t, c, p, topic, records(topic, 100))
	assertNoSecrets(t, s, p, keyMaterial(t, c.ClientKeyFile()), errs...)
}

// TestWrongPassword: a wrong password fails records with an
// authentication error naming the problem, no metadata ever arrives, the
// producer keeps retrying with reconnect.backoff between
// attempts rather than in a storm, and the password is never printed.
func TestWrongPassword(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 1, 1)
	for _, u := range []kafkatest.User{kafkatest.PlainUser, kafkatest.Scram512User} {
		t.Run(u.Mechanism, func(t *testing.T) {
			s := newSetup(c, kafkatest.SASLSSL, samsa.SASLSSL)
			wrong := "wrong-" + u.Password + "-x9"
			s.cfg.SASL = samsa.SASLConfig{Mechanism: u.Mechanism, Username: u.Name, Password: wrong}
			s.cfg.MaxBlock = 8 * time.Second
			s.cfg.ReconnectBackoff, s.cfg.ReconnectBackoffMax = 200*time.Millisecond, 2*time.Second
			start := time.Now()
			p := s.producer(t)
			fut := p.Send(context.Background(), samsa.Record{Topic: topic, Value: []byte("never")})
			_, err := fut.Wait(context.Background())
			if err == nil {
				t.Fatalf("record acknowledged with a wrong password")
			}
			if !errors.Is(err, kerr.SASLAuthenticationFailed) {
				t.Errorf("record failed with %v, want an error matching kerr.SASLAuthenticationFailed", err)
			}
			if !strings.Contains(err.Error(), "authentication") {
				t.Errorf("error %q does not say authentication failed", err)
			}
			if waited := time.Since(start); waited >= s.cfg.MaxBlock {
				t.Errorf("the record failed after %v: a refused login must fail it without waiting out max.block.ms=%v", waited, s.cfg.MaxBlock)
			}
			// Watch the connection attempts for 12 s in all.
			time.Sleep(12*time.Second - time.Since(start))
			dials := s.dials.Load()
			elapsed := time.Since(start)
			pctx, cancel := context.WithTimeout(context.Background(), time.Second)
			parts, perr := p.PartitionsFor(pctx, topic)
			cancel()
			if perr == nil {
				t.Errorf("PartitionsFor with a wrong password gave %d partitions: the producer got metadata", len(parts))
			}
			// With a backoff of 200 ms doubling to 2 s, 12 s allow about
			// 10 attempts per address; a storm makes hundreds.
			max := int64(2 * (elapsed/s.cfg.ReconnectBackoffMax + 4))
			s.dialsMu.Lock()
			t.Logf("%d connection attempts in %v (at %s); outcome: %v", dials, elapsed.Round(time.Millisecond), strings.Join(s.dialLog, " "), err)
			s.dialsMu.Unlock()
			if dials > max {
				t.Errorf("%d connection attempts in %v with reconnect.backoff.max.ms=%v: a reconnect storm (want at most %d)",
					dials, elapsed, s.cfg.ReconnectBackoffMax, max)
			}
			if dials < 2 {
				t.Errorf("%d connection attempts in %v: the producer gave up reconnecting", dials, elapsed)
			}
			assertNoSecrets(t, s, p, []string{wrong, u.Password}, err, perr)
		})
	}
}
