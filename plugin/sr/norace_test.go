//go:build !race

package sr_test

const raceEnabled = false
