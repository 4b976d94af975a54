package security

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/kafkatest"
)

// TestTLSPropertiesOnKafka (issue 12.8): ssl.cipher.suites and
// ssl.enabled.protocols change what the producer offers Kafka's SSL
// listener. A suite and version the broker's JVM accepts produce and read
// back; a suite it disables (RC4) or a version it disables (TLS 1.1) fail
// the handshake. (Before, ssl.cipher.suites was ignored and the RC4 case
// connected.)
func TestTLSPropertiesOnKafka(t *testing.T) {
	c := kafkatest.Shared(t)
	topic := c.NewTopic(t, 1, 1)
	fromProps := func(props map[string]string) *setup {
		t.Helper()
		s := newSetup(c, kafkatest.SSL, samsa.SSL)
		all := map[string]string{"bootstrap.servers": strings.Join(c.Bootstrap(kafkatest.SSL), ","),
			"security.protocol": "SSL", "ssl.truststore.location": c.CAFile(), "max.block.ms": "5000"}
		for k, v := range props {
			all[k] = v
		}
		cfg, err := samsa.ConfigFromProperties(all)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Logger, cfg.Dial = s.cfg.Logger, s.cfg.Dial
		s.cfg = cfg
		return s
	}

	ok := fromProps(map[string]string{"ssl.enabled.protocols": "TLSv1.2", "ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"})
	produceAndReadBack(t, c, ok.producer(t), topic, records(topic, 20))

	for _, props := range []map[string]string{
		{"ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
		{"ssl.enabled.protocols": "TLSv1.1"},
	} {
		s := fromProps(props)
		p := s.producer(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := p.SendSync(ctx, samsa.Record{Topic: topic, Value: []byte("never")})
		cancel()
		if err == nil {
			t.Fatalf("%v: a record was written", props)
		}
		if log := s.log.String(); !strings.Contains(log, "TLS handshake") {
			t.Fatalf("%v: no TLS handshake failure in the log (record error %v):\n%s", props, err, log)
		}
	}
}
