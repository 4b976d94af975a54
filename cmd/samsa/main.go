package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

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
	// stderrTTY says stderr is a terminal (for the progress bar).
	stderrTTY bool
}

func main() {
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stderrTTY: isTerminal(os.Stderr)}
	os.Exit(run(e, os.Args[1:]))
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

const mainUsage = `samsa is a fast Kafka producer's command line.

Usage:
  samsa produce [flags] [FILE...]   produce records from files or stdin
  samsa perf [flags]                measure producer throughput and latency
  samsa version                     print the version
  samsa help [COMMAND]              show help

Without --bootstrap-server (or bootstrap.servers in --producer.config),
produce and perf start an embedded in-process Kafka-compatible broker, so
"samsa perf" works with nothing else installed.

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
		fmt.Fprintf(e.stdout, "samsa %s (%s, %s/%s)\n", samsa.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	case "help", "--help", "-h":
		return runHelp(e, rest)
	default:
		fmt.Fprintf(e.stderr, "samsa: unknown command %q (commands: produce, perf, version, help)\n", cmd)
		return exitUsage
	}
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
		fmt.Fprintln(e.stdout, "Usage: samsa version\n\nPrints samsa's version, the Go version and the platform.")
		return exitOK
	}
	fmt.Fprintf(e.stderr, "samsa help: unknown command %q (commands: produce, perf, version)\n", args[0])
	return exitUsage
}

// parseFlags parses args with fs; for --help it prints usage (the summary
// and the flags) and returns exitOK, for a mistake it prints the error and
// returns exitUsage; otherwise it returns -1.
func parseFlags(e *env, fs *cli.FlagSet, summary string, args []string) int {
	err := fs.Parse(args)
	switch {
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
