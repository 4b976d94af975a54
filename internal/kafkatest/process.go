package kafkatest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// watchdogScript runs "$@" (the JVM) under a shell that kills it with
// SIGKILL as soon as its standard input, a pipe whose only writer is the
// test process, reaches end of file. That happens when the test process
// closes the pipe or dies in any way, SIGKILL included, so no JVM can
// outlive the test binary. SIGTERM sent to the shell is forwarded to the
// JVM (a graceful stop). The JVM's pid is written to $1 first.
//
// Without job control a shell gives background jobs /dev/null as stdin,
// so the pipe is kept on fd 3 and handed to the reader explicitly.
const watchdogScript = `
exec 3<&0 </dev/null
pidfile=$1
shift
"$@" 3<&- &
pid=$!
echo "$pid" >"$pidfile"
( read -r _ <&3; kill -9 "$pid" 2>/dev/null ) &
reader=$!
exec 3<&-
trap 'kill -TERM "$pid" 2>/dev/null' TERM
trap 'kill -9 "$pid" 2>/dev/null' INT HUP
while :; do
	wait "$pid"
	status=$?
	kill -0 "$pid" 2>/dev/null || break
done
kill "$reader" 2>/dev/null
exit "$status"
`

// proc is one running JVM under its watchdog shell.
type proc struct {
	cmd      *exec.Cmd
	lifeline *os.File // write end of the watchdog's stdin
	pidFile  string
	done     chan struct{} // closed when the watchdog exited
	err      error         // the watchdog's exit error, valid after done
	once     sync.Once
}

// startProc starts argv (argv[0] the java binary) under the watchdog,
// with stdout and stderr appended to logPath.
func startProc(argv []string, dir, logPath, pidFile string, env []string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	_ = os.Remove(pidFile)
	args := append([]string{"-c", watchdogScript, "kafkatest-watchdog", pidFile}, argv...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin = r
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // own process group: Kill reaches the JVM too
		Pdeathsig: syscall.SIGKILL, // extra safety on top of the lifeline pipe
	}
	if err := cmd.Start(); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("kafkatest: starting %s: %w", argv[0], err)
	}
	p := &proc{cmd: cmd, lifeline: w, pidFile: pidFile, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the watchdog (and so the JVM) has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// jvmPid returns the JVM's pid as written by the watchdog, or 0.
func (p *proc) jvmPid() int {
	b, err := os.ReadFile(p.pidFile)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// kill SIGKILLs the JVM and its watchdog and waits for the watchdog.
func (p *proc) kill() {
	p.once.Do(func() { _ = p.lifeline.Close() })
	if pid := p.jvmPid(); pid > 0 && !p.exited() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// terminate sends SIGTERM (forwarded to the JVM by the watchdog) and
// waits up to timeout for the exit; then it kills.
func (p *proc) terminate(timeout time.Duration) error {
	if p.exited() {
		p.once.Do(func() { _ = p.lifeline.Close() })
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.kill()
		return err
	}
	select {
	case <-p.done:
		p.once.Do(func() { _ = p.lifeline.Close() })
		return nil
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("kafkatest: JVM did not exit within %v of SIGTERM; killed it", timeout)
	}
}
