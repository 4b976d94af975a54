package recordbatch

import (
	"testing"

	"github.com/samsa-go/samsa/internal/prereq"
)

// TestMain reports the tests skipped for want of Java (java_test.go).
func TestMain(m *testing.M) { prereq.Main(m) }
