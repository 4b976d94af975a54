// Package skipper is prereq's test subject: two tests whose prerequisite
// is missing and one that runs.
package skipper

import (
	"testing"

	"github.com/samsa-go/samsa/internal/prereq"
)

func TestMain(m *testing.M) { prereq.Main(m) }

func TestNeedsJava(t *testing.T) { prereq.Skip(t, "java not found") }

func TestNeedsJavaToo(t *testing.T) { prereq.Skip(t, "java not found") }

func TestRuns(t *testing.T) {}
