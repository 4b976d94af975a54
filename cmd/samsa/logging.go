package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/typo"
)

// cliSettings are the producer properties the command implements itself
// rather than the library: librdkafka's debug and statistics.interval.ms,
// which kcat users bring along.
type cliSettings struct {
	debug         bool
	statsInterval time.Duration
}

// debugContexts are librdkafka's debug contexts. samsa's debug log has no
// contexts: any of them turns all of it on.
var debugContexts = []string{"all", "generic", "broker", "topic", "metadata", "feature", "queue", "msg",
	"protocol", "cgrp", "security", "fetch", "interceptor", "plugin", "consumer", "admin", "eos", "mock",
	"assignor", "conf", "telemetry"}

// maxStatsInterval is librdkafka's upper bound for statistics.interval.ms.
const maxStatsInterval = 86400000

// take removes debug and statistics.interval.ms from props, checking them,
// and records them; dflag is -d's value.
func (s *cliSettings) take(props, origin map[string]string, dflag string) error {
	if dflag != "" {
		if err := checkDebugContexts(dflag); err != nil {
			return fmt.Errorf("-d %q: %v", dflag, err)
		}
		s.debug = true
	}
	if v, ok := props["debug"]; ok {
		from := origin["debug"]
		delete(props, "debug")
		if strings.TrimSpace(v) != "" {
			if err := checkDebugContexts(v); err != nil {
				return fmt.Errorf("%s debug=%s: %v", from, v, err)
			}
			s.debug = true
		}
	}
	if v, ok := props["statistics.interval.ms"]; ok {
		from := origin["statistics.interval.ms"]
		delete(props, "statistics.interval.ms")
		ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || ms < 0 || ms > maxStatsInterval {
			return fmt.Errorf("%s statistics.interval.ms=%s: must be a whole number of milliseconds from 0 (off) to %d", from, v, maxStatsInterval)
		}
		s.statsInterval = time.Duration(ms) * time.Millisecond
	}
	return nil
}

// checkDebugContexts checks a comma-separated list of librdkafka debug
// contexts, suggesting the nearest for a misspelt one.
func checkDebugContexts(list string) error {
	for _, c := range strings.Split(list, ",") {
		c = strings.TrimSpace(c)
		if c == "" || contains(debugContexts, c) {
			continue
		}
		best, bestD := "", 3
		for _, k := range debugContexts {
			if d := typo.Distance(c, k); d < bestD {
				best, bestD = k, d
			}
		}
		if best != "" && bestD*3 <= len(c) {
			return fmt.Errorf("unknown debug context %q; did you mean %q?", c, best)
		}
		return fmt.Errorf("unknown debug context %q (known: %s)", c, strings.Join(debugContexts, ", "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// newDebugLogger returns the producer's logger: with debug on, every
// record to stderr, through the terminal writer so that the progress line
// stays whole; otherwise none (the command reports failures itself).
func newDebugLogger(cmd string, term *termWriter, debug bool) *slog.Logger {
	if !debug {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(&prefixWriter{prefix: cmd + ": debug: ", term: term},
		&slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: shortTime}))
}

// shortTime prints record times as hours to milliseconds.
func shortTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
		return slog.String(slog.TimeKey, a.Value.Time().Format("15:04:05.000"))
	}
	return a
}

// prefixWriter writes each chunk (one log record) through the terminal
// writer with a prefix.
type prefixWriter struct {
	prefix string
	term   *termWriter
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.term.print(w.prefix + string(p))
	return len(p), nil
}
