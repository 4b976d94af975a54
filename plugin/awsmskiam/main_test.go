package awsmskiam

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves a goroutine behind (a producer
// or a fake broker).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
