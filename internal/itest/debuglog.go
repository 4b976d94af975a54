package itest

import (
	"log/slog"
	"testing"
)

// DebugLog returns a logger at debug level whose output is kept in
// memory and printed with t.Log only if the test fails, so that a
// failure of a timing-sensitive test shows what the producer did
// (connections, metadata, retries) without flooding passing runs. It
// must be called before the producer using it is created, so that the
// dump runs after the producer's Close (cleanups run last-in first-out).
func DebugLog(t testing.TB) *slog.Logger {
	t.Helper()
	w := &SyncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("producer debug log:\n%s", w.String())
		}
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
