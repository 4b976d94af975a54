package prereq

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goTest runs go test on the skipper package from the module root, as a
// user would, and returns what the go command printed.
func goTest(t *testing.T, require string, args ...string) (string, error) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append(append([]string{"test"}, args...), "./internal/prereq/testdata/skipper")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), EnvRequire+"="+require)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

const wantLine = "samsa: internal/prereq/testdata/skipper: SKIPPED 2 integration tests (TestNeedsJava, TestNeedsJavaToo): java not found; set SAMSA_REQUIRE_KAFKA=1 to make this a failure\n"

// TestSkipsReportedWithoutVerbose (issue 12.9): go test without -v prints
// only "ok" for a passing package, so the skips of tests whose
// prerequisites are missing must reach the go command's output another
// way, once per run (never hidden behind "ok (cached)").
func TestSkipsReportedWithoutVerbose(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("go not found: %v", err)
	}
	for run := range 2 {
		out, err := goTest(t, "")
		if err != nil {
			t.Fatalf("go test: %v\n%s", err, out)
		}
		if strings.Count(out, wantLine) != 1 || !strings.Contains(out, "ok  \tgithub.com/samsa-go/samsa/internal/prereq/testdata/skipper\t") {
			t.Fatalf("run %d: go test printed\n%s\nwant the line once, then ok:\n%s", run+1, out, wantLine)
		}
		if strings.Contains(out, "(cached)") {
			t.Fatalf("run %d: a run that skipped tests was cached:\n%s", run+1, out)
		}
	}
	out, err := goTest(t, "", "-v")
	if err != nil || strings.Count(out, wantLine) != 1 || !strings.Contains(out, "--- SKIP: TestNeedsJava") {
		t.Fatalf("go test -v: %v\n%s\nwant the line once", err, out)
	}
}

// TestSkipFailsWhenRequired: with SAMSA_REQUIRE_KAFKA=1 a missing
// prerequisite fails the test, saying what is missing.
func TestSkipFailsWhenRequired(t *testing.T) {
	out, err := goTest(t, "1")
	if err == nil || !strings.Contains(out, "--- FAIL: TestNeedsJava") || !strings.Contains(out, "java not found (SAMSA_REQUIRE_KAFKA=1 makes this a failure)") {
		t.Fatalf("go test with %s=1: %v\n%s", EnvRequire, err, out)
	}
	if strings.Contains(out, "SKIPPED") {
		t.Fatalf("go test with %s=1 reported skips:\n%s", EnvRequire, out)
	}
}
