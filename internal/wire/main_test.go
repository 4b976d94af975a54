package wire

import (
	"strings"
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

// reauthMs is connections.max.reauth.ms on the shared cluster's SASL
// listeners: every SASL session there lasts at most this long, so the
// re-authentication tests see several sessions in a few seconds.
const reauthMs = 3000

// TestMain runs every test of the package. The Kafka cluster behind
// kafkatest.Shared starts only when a test asks for it, so tests that do
// not (the kfake and fake-server ones) run without Java; those that do are
// skipped when Java or Maven is missing (failed with SAMSA_REQUIRE_KAFKA=1).
func TestMain(m *testing.M) {
	kafkatest.Main(m, kafkatest.Options{
		Security:    true,
		ReauthMs:    reauthMs,
		ServerProps: oauthBearerProps(),
	})
}

// oauthBearerProps enables OAUTHBEARER on both SASL listeners next to the
// mechanisms kafkatest enables, with Kafka's default server-side token
// validator, which accepts unsecured (alg "none") JWTs: enough to test
// the SASL exchange, token refresh on re-authentication, and the server's
// error response to a bad token.
func oauthBearerProps() map[string]string {
	const mechs = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER"
	p := map[string]string{"sasl.enabled.mechanisms": mechs}
	for _, l := range []kafkatest.Listener{kafkatest.SASLPlaintext, kafkatest.SASLSSL} {
		pre := "listener.name." + strings.ToLower(string(l)) + "."
		p[pre+"sasl.enabled.mechanisms"] = mechs
		p[pre+"oauthbearer.sasl.jaas.config"] = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required " +
			`unsecuredLoginStringClaim_sub="broker";`
	}
	return p
}
