package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/cmd/samsa/internal/cli"
)

// Exit statuses.
const (
	exitOK      = 0 // everything was delivered
	exitFailure = 1 // a record or the run failed
	exitUsage   = 2 // a command-line mistake
	// exitInterrupted is 128+SIGINT, as shells report: SIGINT or SIGTERM
	// stopped the run after delivering what it had read.
	exitInterrupted = 130
)

// env is what a command runs with; tests may replace its parts.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stderrTTY says stderr is a terminal (for the progress line), and
	// stdinTTY that standard input is (someone typing records).
	stderrTTY, stdinTTY bool
	// width returns the terminal's columns.
	width func() int
}

func main() {
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stderrTTY: isTerminal(os.Stderr), stdinTTY: isTerminal(os.Stdin), width: stderrWidth}
	os.Exit(run(e, os.Args[1:]))
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// stderrWidth returns the columns of the terminal on stderr, else
// $COLUMNS, else 80.
func stderrWidth() int {
	if w := terminalWidth(os.Stderr); w > 0 {
		return w
	}
	if w, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && w > 0 {
		return w
	}
	return 80
}

const mainUsage = `samsa is a fast Kafka producer's command line.

Usage:
  samsa produce [flags] [FILE...]   produce records from files or stdin
  samsa perf [flags]                measure producer throughput and latency
  samsa version                     print the version
  samsa completion bash|zsh|fish    print a shell completion script
  samsa help [COMMAND]              show help

The options of kafka-console-producer, kafka-producer-perf-test and kcat -P
work under their own names. Without --bootstrap-server (or
bootstrap.servers in --producer.config), produce and perf start an
embedded in-process Kafka-compatible broker, so "samsa perf" works with
nothing else installed.

Examples:
  samsa perf
  echo hello | samsa produce -b localhost:9092 -t greetings
  samsa perf -b localhost:9092 --topic t --num-records 1000000 --report run.html
  source <(samsa completion bash)

Run "samsa help COMMAND" or "samsa COMMAND --help" for a command's flags.
`

// run runs the command line args and returns the exit status.
func run(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, mainUsage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "produce":
		return runProduce(e, rest)
	case "perf":
		return runPerf(e, rest)
	case "version", "--version", "-V":
		return runVersion(e, rest)
	case "completion":
		return runCompletion(e, rest)
	case "help", "--help", "-h":
		return runHelp(e, rest)
	default:
		fmt.Fprintf(e.stderr, "samsa: unknown command %q (commands: produce, perf, version, completion, help)\n", cmd)
		return exitUsage
	}
}

const versionUsage = `Usage: samsa version

Prints samsa's version, the Go version and platform it was built with,
and the source revision when the build recorded it.

Example:
  samsa version
`

func runVersion(e *env, args []string) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(e.stdout, versionUsage)
		return exitOK
	}
	if len(args) > 0 {
		fmt.Fprintf(e.stderr, "samsa version: unexpected argument %q (see samsa version --help)\n", args[0])
		return exitUsage
	}
	fmt.Fprintf(e.stdout, "samsa %s (%s, %s/%s)\n", samsa.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if rev := buildRevision(); rev != "" {
		fmt.Fprintf(e.stdout, "revision %s\n", rev)
	}
	return exitOK
}

// buildRevision returns the VCS revision the binary was built from, with
// its time and whether the tree was modified, or "".
func buildRevision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = " " + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " (modified)"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + when + dirty
}

func runHelp(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, mainUsage)
		return exitOK
	}
	switch args[0] {
	case "produce":
		return runProduce(e, []string{"--help"})
	case "perf":
		return runPerf(e, []string{"--help"})
	case "version":
		fmt.Fprint(e.stdout, versionUsage)
		return exitOK
	case "completion":
		fmt.Fprint(e.stdout, completionUsage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "samsa help: unknown command %q (commands: produce, perf, version, completion)\n", args[0])
	return exitUsage
}

// parseFlags parses args with fs; for --help it prints usage (the summary
// and the flags) and returns exitOK, for -V the version; for a mistake it
// prints the error and returns exitUsage; otherwise it returns -1.
func parseFlags(e *env, fs *cli.FlagSet, summary string, args []string) int {
	version := false
	fs.Bool(&version, "--version,-V", "Print samsa's version and exit.").Hide()
	err := fs.Parse(args)
	switch {
	case err == nil && version:
		return runVersion(e, nil)
	case err == nil:
		return -1
	case errors.Is(err, cli.ErrHelp):
		fmt.Fprint(e.stdout, summary)
		fmt.Fprintln(e.stdout, "\nFlags:")
		fs.PrintFlags(e.stdout)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "%s: %v\n", fs.Name, err)
	return exitUsage
}

// usageError prints a command-line mistake found after parsing and
// returns exitUsage.
func usageError(e *env, cmd, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "%s: %s (see %s --help)\n", cmd, fmt.Sprintf(format, a...), cmd)
	return exitUsage
}
