package wire

import (
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
		ServerProps: kafkatest.OAuthBearerProps(),
	})
}
