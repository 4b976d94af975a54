package typo

import "testing"

func TestDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"linger.ms", "linger.ms", 0},
		{"lingr.ms", "linger.ms", 1},   // insertion
		{"linger.mss", "linger.ms", 1}, // deletion
		{"linjer.ms", "linger.ms", 1},  // substitution
		{"lnigerms", "linger.ms", 2},   // swap + insertion
		{"acsk", "acks", 1},            // adjacent swap counts once
		{"PLAIN", "SCRAM-SHA-256", 12}, // unrelated
		{"größe", "grösse", 2},         // runes, not bytes
	}
	for _, c := range cases {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", c.b, c.a, got, c.want)
		}
	}
}
