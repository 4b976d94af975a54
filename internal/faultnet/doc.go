// Package faultnet injects network faults into connections, for tests of
// the producer's behaviour when brokers are slow, unreachable or cut off.
//
// A Dialer wraps a real dialer and is plugged into the producer through
// Config.Dial. Each connection it opens follows the Faults in force when it
// was dialed: fixed or jittered delays on reads and writes, writes split
// into small chunks, a reset after a number of bytes written or read (a
// request or response cut in the middle), or a stall after a number of
// bytes read (a broker that stops answering without closing). Pause makes
// one address behave like a broker process that was stopped (SIGSTOP): its
// connections, existing and new, swallow every request and answer nothing.
// The Dialer
// can also refuse every connection for a while (SetDown, a cluster that is
// down), cut every live connection at once (CutAll), and lose the next
// response that arrives (DropNextRead, an answer that never reaches the
// client although the broker acted on the request).
//
// Randomised choices (jitter, which connections get a random reset and
// where) come from a seeded generator, so that a failing scenario can be
// replayed with the same seed.
package faultnet
