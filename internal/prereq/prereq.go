package prereq

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvRequire names the variable that, when "1", turns every Skip into a
// failure.
const EnvRequire = "SAMSA_REQUIRE_KAFKA"

// skips are this test binary's skips by Skip.
var skips struct {
	mu      sync.Mutex
	tests   []string // names of the skipped tests, in order
	reasons []string // distinct reasons, in order
}

// Skip skips t because something it needs is missing; why says what and
// how to get it. With SAMSA_REQUIRE_KAFKA=1 it fails t instead. Run
// reports the skips of the package.
func Skip(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%s (%s=1 makes this a failure)", why, EnvRequire)
	}
	record(t.Name(), why)
	t.Skipf("%s (skipping; set %s=1 to fail instead)", why, EnvRequire)
}

// record notes a skip, and opens the package's marker file so that go
// test's log of the files the tests read names it (see uncache).
func record(name, why string) {
	skips.mu.Lock()
	defer skips.mu.Unlock()
	skips.tests = append(skips.tests, name)
	if !slices.Contains(skips.reasons, why) {
		skips.reasons = append(skips.reasons, why)
	}
	if m := markerPath(); m != "" && len(skips.tests) == 1 {
		if f, err := os.OpenFile(m, os.O_RDWR|os.O_CREATE, 0o644); err == nil {
			_ = f.Close()
		}
	}
}

// Main runs the package's tests with Run and exits with their status:
//
//	func TestMain(m *testing.M) { prereq.Main(m) }
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run runs the package's tests and then Announce. It returns m.Run's
// code.
func Run(m *testing.M) int {
	code := m.Run()
	Announce(code)
	return code
}

// Announce reports, when a TestMain calls it with m.Run's code, the tests
// that Skip skipped, if any (see the package documentation).
func Announce(code int) {
	if line := report(); line != "" {
		announce(line, code != 0)
		uncache()
	}
}

// report returns the line that says which tests Skip skipped and why, or
// "" when none was.
func report() string {
	skips.mu.Lock()
	defer skips.mu.Unlock()
	n := len(skips.tests)
	if n == 0 {
		return ""
	}
	names := skips.tests
	if len(names) > 4 {
		names = append(slices.Clip(names[:4]), fmt.Sprintf("and %d more", n-4))
	}
	plural := "s"
	if n == 1 {
		plural = ""
	}
	return fmt.Sprintf("samsa: %s: SKIPPED %d integration test%s (%s): %s; set %s=1 to make this a failure",
		packageDir(), n, plural, strings.Join(names, ", "), strings.Join(skips.reasons, "; "), EnvRequire)
}

// announce prints line on standard output and, unless go test shows this
// output anyway (-v, -json, or a failed package), on the go command's own
// standard output.
func announce(line string, failed bool) {
	fmt.Println(line)
	if failed || testing.Verbose() {
		return
	}
	if w := goCommandStdout(); w != nil {
		_, _ = io.WriteString(w, line+"\n")
		_ = w.Close()
	}
}

// uncache keeps this run out of go test's cache. go test does not cache
// a run that read a file of the module modified within the last two
// seconds (it cannot trust the file's modification time then); record
// opened the marker during the tests, and touching it now makes it that
// recent.
func uncache() {
	if m := markerPath(); m != "" {
		now := time.Now()
		_ = os.Chtimes(m, now, now)
	}
}

// markerDir holds the marker files, in the module root (go test checks
// only the files of the module); .gitignore lists it.
const markerDir = ".prereq"

// markerPath is the package's marker file, named after its directory, or
// "" outside a module.
func markerPath() string {
	root, rel := moduleDir()
	if root == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(rel))
	dir := filepath.Join(root, markerDir)
	_ = os.Mkdir(dir, 0o755)
	return filepath.Join(dir, hex.EncodeToString(sum[:8]))
}

// packageDir names the test's package by its directory below the module
// root.
func packageDir() string {
	root, rel := moduleDir()
	switch {
	case root == "":
		return rel
	case rel == ".":
		return "the module's root package"
	}
	return filepath.ToSlash(rel)
}

// moduleDir returns the module root (the nearest directory with go.mod
// above the working directory, which go test makes the package's) and the
// package's directory relative to it; outside a module, "" and the
// working directory.
func moduleDir() (root, rel string) {
	wd, err := os.Getwd()
	if err != nil {
		return "", "this package"
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err = filepath.Rel(dir, wd); err != nil {
				return "", wd
			}
			return dir, rel
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", wd
		}
		dir = parent
	}
}
