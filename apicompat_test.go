package samsa

import (
	"os/exec"
	"testing"
)

// TestAPICompatible runs .ci/apicheck, so that a change to the public API
// that is incompatible with the recorded surface (api/*.export) fails the
// root package's tests, not only CI. Compatible additions pass. If the
// change is intended, record the new surface: bash .ci/apicheck -record
// (docs/api.md, Compatibility). The script installs its pinned apidiff
// through the Go module proxy the first time.
func TestAPICompatible(t *testing.T) {
	out, err := exec.Command("bash", ".ci/apicheck").CombinedOutput()
	if err != nil {
		t.Fatalf("bash .ci/apicheck: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
