// Package goid identifies the calling goroutine, for the two places that
// must know whether the goroutine asking is one they already know: the
// lock-order checker (which mutexes does this goroutine hold) and the
// producer's refusal of calls that would wait for themselves (a Flush
// made inside a delivery callback).
//
// The identity is only meaningful while the goroutine runs: once it
// exits, the runtime may hand its identity to a new goroutine. Callers
// therefore record an identity only for the span of a call on that
// goroutine (a held lock, a running callback) and forget it after.
package goid
