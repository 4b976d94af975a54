package samsa

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// BrokerAPIVersions reports what the broker said: a kfake cluster limited
// to Kafka 3.0's versions answers Produce v9 and Metadata v11.
func TestBrokerAPIVersions(t *testing.T) {
	c := fakeCluster(t, kfake.NumBrokers(1), kfake.MaxVersions(kversion.V3_0_0()))
	p := testProducer(t, c.ListenAddrs(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr, vs, err := p.BrokerAPIVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if addr != c.ListenAddrs()[0] {
		t.Errorf("asked %s, want %s", addr, c.ListenAddrs()[0])
	}
	if vs[kmsg.Produce.Int16()] != 9 || vs[kmsg.Metadata.Int16()] != 11 {
		t.Errorf("Produce v%d, Metadata v%d; want v9 and v11", vs[kmsg.Produce.Int16()], vs[kmsg.Metadata.Int16()])
	}
}

func TestBrokerAPIVersionsUnreachable(t *testing.T) {
	p := testProducer(t, []string{"127.0.0.1:1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, _, err := p.BrokerAPIVersions(ctx); err == nil {
		t.Fatal("no error from an unreachable broker")
	}
}

func TestProducerIdempotent(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(*Config)
		want bool
	}{
		{"default", nil, true},
		{"acks=1", func(c *Config) { c.Acks = AcksLeader }, false},
		{"off", func(c *Config) { c.Idempotence = IdempotenceOff }, false},
		{"transactional", func(c *Config) { c.TransactionalID = "x" }, true},
	} {
		p := testProducer(t, []string{"127.0.0.1:1"}, c.mod)
		if got := p.Idempotent(); got != c.want {
			t.Errorf("%s: Idempotent() = %v, want %v", c.name, got, c.want)
		}
	}
}
