package security

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/kafkatest"
	"github.com/samsa-go/samsa/kerr"
)

// plainMechanism is SASL/PLAIN written against the public SASLMechanism
// interface, as a plugin (plugin/awsmskiam) writes its mechanism.
type plainMechanism struct {
	user, pass string
	starts     atomic.Int32
	finished   atomic.Int32
}

func (m *plainMechanism) Name() string { return "PLAIN" }

func (m *plainMechanism) Start(_ context.Context, broker string) (samsa.SASLSession, []byte, error) {
	if broker == "" {
		return nil, nil, errors.New("no broker address")
	}
	m.starts.Add(1)
	return plainSession{m}, []byte("\x00" + m.user + "\x00" + m.pass), nil
}

type plainSession struct{ m *plainMechanism }

func (s plainSession) Next(context.Context, []byte) (bool, []byte, error) {
	s.m.finished.Add(1)
	return true, nil, nil
}

// TestCustomMechanism: a mechanism plugged in through SASLConfig.Custom
// authenticates against real Kafka (records read back), its exchange is
// driven to the end, and a wrong password is the broker's refusal.
func TestCustomMechanism(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 1, 1)
	m := &plainMechanism{user: kafkatest.PlainUser.Name, pass: kafkatest.PlainUser.Password}
	plain := func() *setup {
		s := newSetup(c, kafkatest.SASLPlaintext, samsa.SASLPlaintext)
		s.cfg.TLS = samsa.TLSConfig{}
		return s
	}
	s := plain()
	s.cfg.SASL.Custom = m
	produceAndReadBack(t, c, s.producer(t), topic, records(topic, 50))
	if m.starts.Load() == 0 || m.finished.Load() != m.starts.Load() {
		t.Fatalf("%d exchanges started, %d finished", m.starts.Load(), m.finished.Load())
	}

	bad := plain()
	bad.cfg.SASL.Custom = &plainMechanism{user: kafkatest.PlainUser.Name, pass: "wrong-pass-77"}
	bad.cfg.MaxBlock = 10 * time.Second
	_, err := bad.producer(t).SendSync(context.Background(), samsa.Record{Topic: topic, Value: []byte("x")})
	if !errors.Is(err, kerr.SASLAuthenticationFailed) {
		t.Fatalf("wrong password through a custom mechanism: %v", err)
	}

	conflict := plain()
	conflict.cfg.SASL.Custom, conflict.cfg.SASL.Mechanism = m, "SCRAM-SHA-256"
	if _, err := samsa.NewProducer(conflict.cfg); !errors.Is(err, samsa.ErrInvalidConfig) {
		t.Fatalf("Custom PLAIN with Mechanism SCRAM-SHA-256: %v", err)
	}
}
