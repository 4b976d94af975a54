package rdmock

import (
	"testing"

	"github.com/samsa-go/samsa/internal/prereq"
)

// TestMain reports the tests skipped for want of a C compiler.
func TestMain(m *testing.M) { prereq.Main(m) }
