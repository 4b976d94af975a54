package wire

import (
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

// reauthMs is connections.max.reauth.ms on the shared cluster's SASL
// listeners: every SASL session there lasts at most this long, so the
// re-authentication tests see several sessions in a few seconds.
//
// A client re-authenticates at 85-95% of the session (as Java's does), and
// the broker closes the connection when it reads an ordinary request after
// the session ended. Requests pipelined before the re-authentication are
// read one at a time, so they must all be read within the 5-15% left: 150
// to 450 ms of a 3 s session was less than a loaded machine running Kafka
// beside -race tests guaranteed (a request failed with EOF once); 6 s
// leaves 300 to 900 ms.
const reauthMs = 6000

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
