package javacheck

import (
	"testing"

	"github.com/samsa-go/samsa/internal/prereq"
)

// TestMain reports the tests skipped for want of Java.
func TestMain(m *testing.M) { prereq.Main(m) }
