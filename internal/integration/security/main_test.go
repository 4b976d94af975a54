package security

import (
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

func TestMain(m *testing.M) {
	kafkatest.Main(m, kafkatest.Options{Security: true, ServerProps: kafkatest.OAuthBearerProps()})
}
