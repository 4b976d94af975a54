//go:build race

package sr_test

// raceEnabled: the race detector makes sync.Pool drop objects at random,
// so allocation counts say nothing under it.
const raceEnabled = true
