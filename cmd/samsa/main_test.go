package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

// samsaBin is the samsa binary built for the tests.
var samsaBin string

// buildFlags are go build's flags for samsaBin (race_test.go adds -race).
var buildFlags []string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "samsa-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	samsaBin = filepath.Join(dir, "samsa")
	build := exec.Command("go", append(append([]string{"build"}, buildFlags...), "-o", samsaBin, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building samsa:", err)
		os.Exit(1)
	}
	code := kafkatest.Run(m, kafkatest.Options{Nodes: 1, Security: true})
	os.RemoveAll(dir)
	os.Exit(code)
}

// runResult is what a run of the binary printed and returned.
type runResult struct {
	stdout, stderr string
	code           int
}

// runSamsa runs the binary with args and stdin, failing the test if it
// does not finish within two minutes.
func runSamsa(t *testing.T, stdin string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, samsaBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("samsa %s: did not finish in time; stderr:\n%s", strings.Join(args, " "), errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("samsa %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("samsa %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), errb.String())
	return runResult{stdout: out.String(), stderr: errb.String(), code: code}
}
