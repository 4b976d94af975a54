package kafkatest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const orphanChildEnv = "SAMSA_KAFKATEST_ORPHAN_CHILD"

func alive(pid int) bool { return processAlive(pid) }

func waitGone(t *testing.T, what string, pid int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("%s (pid %d) still alive after %v", what, pid, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNoOrphanJVM SIGKILLs a test process that runs a broker and checks
// that the broker's JVM dies with it.
func TestNoOrphanJVM(t *testing.T) {
	if os.Getenv(orphanChildEnv) != "" {
		t.Skip("inside the child")
	}
	RequireTools(t, "")
	ctx := testCtx(t, 3*time.Minute)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestOrphanChild$", "-test.v", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), orphanChildEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var jvm, shell int
	var dir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if _, err := fmt.Sscanf(line, "ORPHAN-CHILD jvm=%d shell=%d dir=%s", &jvm, &shell, &dir); err == nil {
			break
		}
		t.Log("child:", line)
	}
	if jvm == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child did not report a JVM: %v", sc.Err())
	}
	go func() { // keep draining so the child never blocks on stdout
		for sc.Scan() {
		}
	}()
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(jvm) + "/cmdline")
	if !strings.Contains(string(cmdline), "kafka.Kafka") {
		t.Fatalf("pid %d is not a broker: %q", jvm, cmdline)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
		t.Fatal(err)
	}
	cmd.Wait()
	killed := time.Now()
	waitGone(t, "broker JVM", jvm, 15*time.Second)
	waitGone(t, "watchdog shell", shell, 5*time.Second)
	t.Logf("JVM gone %v after the test process was SIGKILLed", time.Since(killed).Round(time.Millisecond))

	// The dead child's directory is left behind; the janitor removes it.
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("child's directory: %v", err)
	}
	removeStaleDirs()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		os.RemoveAll(dir)
		t.Fatalf("stale directory %s not removed: %v", dir, err)
	}
}

// TestOrphanChild is the child of TestNoOrphanJVM: it starts a broker,
// reports its pids and waits to be killed.
func TestOrphanChild(t *testing.T) {
	if os.Getenv(orphanChildEnv) == "" {
		t.Skip("only runs as TestNoOrphanJVM's child")
	}
	c, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := c.nodes[0]
	fmt.Printf("ORPHAN-CHILD jvm=%d shell=%d dir=%s\n", n.proc.jvmPid(), n.proc.cmd.Process.Pid, c.Dir())
	time.Sleep(5 * time.Minute)
}

// TestWatchdog checks the watchdog without Java: a sleep stands in for
// the JVM.
func TestWatchdog(t *testing.T) {
	dir := t.TempDir()
	start := func(t *testing.T) *proc {
		t.Helper()
		p, err := startProc([]string{"sleep", "600"}, dir, filepath.Join(dir, "log"), filepath.Join(dir, "pid"), os.Environ())
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for p.jvmPid() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no pid file")
			}
			time.Sleep(5 * time.Millisecond)
		}
		return p
	}
	t.Run("lifeline", func(t *testing.T) {
		p := start(t)
		child := p.jvmPid()
		p.lifeline.Close() // what the kernel does when the test process dies
		waitGone(t, "child", child, 5*time.Second)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Fatal("watchdog did not exit")
		}
	})
	t.Run("terminate", func(t *testing.T) {
		p := start(t)
		child := p.jvmPid()
		if err := p.terminate(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		waitGone(t, "child", child, 5*time.Second)
	})
	t.Run("kill", func(t *testing.T) {
		p := start(t)
		child := p.jvmPid()
		p.kill()
		waitGone(t, "child", child, 5*time.Second)
	})
	t.Run("exit", func(t *testing.T) {
		p, err := startProc([]string{"sh", "-c", "echo hi; exit 3"}, dir, filepath.Join(dir, "log2"), filepath.Join(dir, "pid2"), os.Environ())
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Fatal("watchdog did not exit with its child")
		}
		if ee, ok := p.err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Fatalf("exit error %v, want status 3", p.err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, "log2"))
		if string(b) != "hi\n" {
			t.Fatalf("log %q", b)
		}
		p.kill()
	})
}
