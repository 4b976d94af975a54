package kafkatest

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// sharedReauthMs is the re-authentication interval of this package's
// shared cluster, checked by TestReauthInterval.
const sharedReauthMs = 45000

func TestMain(m *testing.M) {
	Main(m, Options{Security: true, ReauthMs: sharedReauthMs})
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func newClient(t *testing.T, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produceConsume produces one record to a new topic and reads it back
// with a group consumer, all through the given client options.
func produceConsume(t *testing.T, c *Cluster, opts ...kgo.Opt) {
	t.Helper()
	ctx := testCtx(t, 60*time.Second)
	topic := c.NewTopic(t, 1, -1)
	p := newClient(t, opts...)
	if err := p.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte("k"), Value: []byte("hello")}).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	cons := newClient(t, append(slices.Clone(opts),
		kgo.ConsumeTopics(topic),
		kgo.ConsumerGroup(topic+"-group"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	for {
		fs := cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consume: %v", err)
		}
		if errs := fs.Errors(); len(errs) > 0 {
			t.Fatalf("consume: %v", errs[0].Err)
		}
		if recs := fs.Records(); len(recs) > 0 {
			if string(recs[0].Value) != "hello" || string(recs[0].Key) != "k" {
				t.Fatalf("consumed %q=%q, want k=hello", recs[0].Key, recs[0].Value)
			}
			return
		}
	}
}

func TestSingleNode(t *testing.T) {
	c := Shared(t)
	ctx := testCtx(t, 60*time.Second)
	if got := c.NodeIDs(); !slices.Equal(got, []int32{1}) {
		t.Fatalf("NodeIDs = %v", got)
	}
	cl := newClient(t, kgo.SeedBrokers(c.Bootstrap(PLAINTEXT)...))
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{}
	md, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Brokers) != 1 || md.Brokers[0].NodeID != 1 || md.Brokers[0].Port != int32(c.nodes[0].ports[PLAINTEXT]) {
		t.Fatalf("brokers = %+v", md.Brokers)
	}
	produceConsume(t, c, kgo.SeedBrokers(c.Bootstrap(PLAINTEXT)...))
}

func TestTransactionsSingleNode(t *testing.T) {
	c := Shared(t)
	ctx := testCtx(t, 60*time.Second)
	transact(ctx, t, c)
}

// transact commits one transaction with a kgo transactional producer.
func transact(ctx context.Context, t *testing.T, c *Cluster) {
	t.Helper()
	topic := c.NewTopic(t, 2, -1)
	cl := newClient(t, kgo.SeedBrokers(c.Bootstrap(PLAINTEXT)...), kgo.TransactionalID(topic+"-txn"), kgo.DefaultProduceTopic(topic))
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, kgo.StringRecord("in a transaction")).FirstErr(); err != nil {
		t.Fatalf("transactional produce: %v", err)
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func TestSecurityListeners(t *testing.T) {
	c := Shared(t)
	tlsCfg, err := c.TLSConfig(false)
	if err != nil {
		t.Fatal(err)
	}
	mtlsCfg, err := c.TLSConfig(true)
	if err != nil {
		t.Fatal(err)
	}
	mech := func(u User) sasl.Mechanism {
		switch u.Mechanism {
		case "PLAIN":
			return plain.Auth{User: u.Name, Pass: u.Password}.AsMechanism()
		case "SCRAM-SHA-256":
			return scram.Auth{User: u.Name, Pass: u.Password}.AsSha256Mechanism()
		default:
			return scram.Auth{User: u.Name, Pass: u.Password}.AsSha512Mechanism()
		}
	}
	type tc struct {
		name    string
		l       Listener
		opts    []kgo.Opt
		wantErr string // substring of the error; "" means success
	}
	cases := []tc{
		{"SSL", SSL, []kgo.Opt{kgo.DialTLSConfig(tlsCfg)}, ""},
		{"MTLS", MTLS, []kgo.Opt{kgo.DialTLSConfig(mtlsCfg)}, ""},
		{"MTLS/no-client-cert", MTLS, []kgo.Opt{kgo.DialTLSConfig(tlsCfg)}, "certificate"},
		{"SSL/untrusted", SSL, []kgo.Opt{kgo.DialTLSConfig(&tls.Config{})}, "certificate signed by unknown authority"},
		{"SSL_WRONGHOST", SSLWrongHost, []kgo.Opt{kgo.DialTLSConfig(tlsCfg)}, "doesn't contain any IP SANs"},
		{"SSL_WRONGHOST/by-name", SSLWrongHost, []kgo.Opt{kgo.DialTLSConfig(withServerName(tlsCfg, "localhost"))}, "valid for " + WrongHostName},
		{"SSL_EXPIRED", SSLExpired, []kgo.Opt{kgo.DialTLSConfig(tlsCfg)}, "expired"},
		{"SASL_PLAINTEXT/bad-password", SASLPlaintext, []kgo.Opt{kgo.SASL(plain.Auth{User: PlainUser.Name, Pass: "wrong"}.AsMechanism())}, "SASL"},
		{"SASL_PLAINTEXT/scram-user-as-plain", SASLPlaintext, []kgo.Opt{kgo.SASL(plain.Auth{User: Scram256User.Name, Pass: Scram256User.Password}.AsMechanism())}, "SASL"},
	}
	for _, u := range []User{PlainUser, Scram256User, Scram512User} {
		cases = append(cases,
			tc{"SASL_PLAINTEXT/" + u.Mechanism, SASLPlaintext, []kgo.Opt{kgo.SASL(mech(u))}, ""},
			tc{"SASL_SSL/" + u.Mechanism, SASLSSL, []kgo.Opt{kgo.SASL(mech(u)), kgo.DialTLSConfig(tlsCfg)}, ""},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t, 20*time.Second)
			opts := append([]kgo.Opt{kgo.SeedBrokers(c.Bootstrap(tc.l)...), kgo.RequestRetries(0)}, tc.opts...)
			cl := newClient(t, opts...)
			err := cl.Ping(ctx)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Ping over %s: %v", tc.l, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("Ping over %s succeeded, want an error with %q", tc.l, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("Ping over %s: %v, want an error with %q", tc.l, err, tc.wantErr)
			}
			if err != nil {
				t.Logf("expected error: %v", err)
			}
		})
	}
	// One full round trip over the most involved listener.
	t.Run("SASL_SSL/produce-consume", func(t *testing.T) {
		produceConsume(t, c, kgo.SeedBrokers(c.Bootstrap(SASLSSL)...), kgo.DialTLSConfig(mtlsCfg), kgo.SASL(mech(Scram512User)))
	})
}

// TestReauthInterval checks that connections.max.reauth.ms reaches the
// SASL listeners: SaslAuthenticate reports the session lifetime.
func TestReauthInterval(t *testing.T) {
	c := Shared(t)
	ctx := testCtx(t, 20*time.Second)
	conn, err := dialRaw(ctx, c.Addr(1, SASLPlaintext))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.SetVersion(1)
	hs.Mechanism = "PLAIN"
	resp, err := conn.request(ctx, hs)
	if err != nil {
		t.Fatal(err)
	}
	if ec := resp.(*kmsg.SASLHandshakeResponse).ErrorCode; ec != 0 {
		t.Fatalf("SaslHandshake error %d", ec)
	}
	auth := kmsg.NewPtrSASLAuthenticateRequest()
	auth.SetVersion(1)
	auth.SASLAuthBytes = []byte("\x00" + PlainUser.Name + "\x00" + PlainUser.Password)
	resp, err = conn.request(ctx, auth)
	if err != nil {
		t.Fatal(err)
	}
	ar := resp.(*kmsg.SASLAuthenticateResponse)
	if ar.ErrorCode != 0 {
		t.Fatalf("SaslAuthenticate error %d: %v", ar.ErrorCode, ar.ErrorMessage)
	}
	// The broker may shorten the lifetime, never lengthen it.
	if ar.SessionLifetimeMillis <= 0 || ar.SessionLifetimeMillis > sharedReauthMs {
		t.Fatalf("SessionLifetimeMillis = %d, want (0, %d]", ar.SessionLifetimeMillis, sharedReauthMs)
	}
}

func TestThreeNodes(t *testing.T) {
	RequireTools(t, "")
	ctx := testCtx(t, 5*time.Minute)
	start := time.Now()
	c, err := Start(ctx, Options{Nodes: 3, MinInsyncReplicas: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Logf("3 nodes ready in %v (format %v, JVM launch to ready %v)", time.Since(start).Round(time.Millisecond),
		c.formatTime.Round(time.Millisecond), c.readyTime.Round(time.Millisecond))

	for _, id := range c.NodeIDs() {
		md, err := probe(ctx, c.Addr(id, PLAINTEXT), []string{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int32
		for _, b := range md.Brokers {
			ids = append(ids, b.NodeID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []int32{1, 2, 3}) {
			t.Fatalf("node %d lists brokers %v", id, ids)
		}
	}

	topic := c.NewTopic(t, 3, 3)
	before, err := c.Partition(ctx, 0, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Replicas) != 3 {
		t.Fatalf("replicas %v, want 3", before.Replicas)
	}
	victim := before.Leader
	killed := time.Now()
	if err := c.Kill(victim); err != nil {
		t.Fatal(err)
	}
	if c.Running(victim) {
		t.Fatalf("node %d still running after Kill", victim)
	}
	var after PartitionInfo
	for {
		after, err = c.Partition(ctx, 0, topic, 0)
		if err == nil && after.Leader >= 0 && after.Leader != victim {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no new leader after killing %d: %+v, %v", victim, after, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("leader moved from %d to %d in %v", victim, after.Leader, time.Since(killed).Round(time.Millisecond))

	restarted := time.Now()
	if err := c.Restart(ctx, victim); err != nil {
		t.Fatal(err)
	}
	t.Logf("node %d restarted and ready in %v", victim, time.Since(restarted).Round(time.Millisecond))
	for {
		p, err := c.Partition(ctx, victim, topic, 0)
		if err == nil && slices.Contains(p.ISR, victim) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("node %d did not rejoin the ISR: %+v, %v", victim, p, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("node %d back in the ISR %v after the restart", victim, time.Since(restarted).Round(time.Millisecond))

	// Groups and transactions work with the internal topics replicated.
	phase := time.Now()
	produceConsume(t, c, kgo.SeedBrokers(c.Bootstrap(PLAINTEXT)...))
	t.Logf("produce and group consume: %v", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()
	transact(ctx, t, c)
	t.Logf("transaction: %v", time.Since(phase).Round(time.Millisecond))

	// A graceful stop and restart also works.
	phase = time.Now()
	if err := c.Stop(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if c.Running(2) {
		t.Fatal("node 2 still running after Stop")
	}
	t.Logf("graceful stop: %v", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()
	if err := c.Restart(ctx, 2); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart: %v", time.Since(phase).Round(time.Millisecond))
}

// TestKafka39 starts the newest Kafka 3.9 with the security listeners,
// which uses another logging backend and lacks some 4.x features.
func TestKafka39(t *testing.T) {
	const v = "3.9.2"
	if env := os.Getenv(EnvVersion); env != "" && !strings.HasPrefix(env, "3.9") {
		// The run targets another version; still exercise 3.9 below.
		t.Logf("%s=%s; testing %s here anyway", EnvVersion, env, v)
	}
	RequireTools(t, v)
	ctx := testCtx(t, 5*time.Minute)
	start := time.Now()
	c, err := Start(ctx, Options{Version: v, Security: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Logf("Kafka %s ready in %v (format %v, JVM launch to ready %v)", c.Version(), time.Since(start).Round(time.Millisecond),
		c.formatTime.Round(time.Millisecond), c.readyTime.Round(time.Millisecond))
	if !strings.Contains(c.LogTail(1, 400), "Kafka Server started") {
		t.Fatalf("broker log has no start line:\n%s", c.LogTail(1, 20))
	}
	mtlsCfg, err := c.TLSConfig(true)
	if err != nil {
		t.Fatal(err)
	}
	produceConsume(t, c, kgo.SeedBrokers(c.Bootstrap(SASLSSL)...), kgo.DialTLSConfig(mtlsCfg),
		kgo.SASL(scram.Auth{User: Scram256User.Name, Pass: Scram256User.Password}.AsSha256Mechanism()))
	transact(ctx, t, c)
}

// TestTransactionVersion1 formats a 4.x cluster with transaction.version=1
// and checks the finalized feature level.
func TestTransactionVersion1(t *testing.T) {
	RequireTools(t, "")
	ctx := testCtx(t, 5*time.Minute)
	c, err := Start(ctx, Options{TransactionVersion: 1})
	if err != nil {
		if major, _, _ := majorMinor(resolveVersion("")); major < 4 {
			t.Skipf("Kafka %s has no transaction.version=1: %v", resolveVersion(""), err)
		}
		t.Fatal(err)
	}
	defer c.Close()
	conn, err := dialRaw(ctx, c.Addr(1, PLAINTEXT))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	avr, err := conn.apiVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range avr.FinalizedFeatures {
		if f.Name == "transaction.version" {
			found = true
			if f.MaxVersionLevel != 1 {
				t.Fatalf("transaction.version = %d, want 1", f.MaxVersionLevel)
			}
		}
	}
	if !found {
		t.Fatal("transaction.version not among the finalized features")
	}
	transact(ctx, t, c)
}

func TestUnsupportedVersion(t *testing.T) {
	_, err := Start(context.Background(), Options{Version: "2.7.2"})
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("Start(2.7.2) = %v, want not supported", err)
	}
	_, err = Start(context.Background(), Options{Version: "3.9.2", TransactionVersion: 1})
	if err == nil || !strings.Contains(err.Error(), "no transaction.version") {
		t.Fatalf("Start(3.9.2, TransactionVersion 1) = %v, want refused", err)
	}
}

func TestListenerPanics(t *testing.T) {
	c := &Cluster{nodes: []*node{{id: 1, ports: map[Listener]int{PLAINTEXT: 1}}}}
	if got := c.Bootstrap(PLAINTEXT); !slices.Equal(got, []string{"127.0.0.1:1"}) {
		t.Fatalf("Bootstrap = %v", got)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "Options.Security") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	c.Bootstrap(SSL)
}

var _ = errors.New

func withServerName(cfg *tls.Config, name string) *tls.Config {
	cfg = cfg.Clone()
	cfg.ServerName = name
	return cfg
}
