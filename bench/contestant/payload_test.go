package main

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

// TestPayloadDigest pins the payload bytes. The digest was checked against
// the shared harness's own generator (peers/bench internal/workload) for
// the same settings, so samsa sends the same bytes as the other
// contestants and compression ratios are comparable.
func TestPayloadDigest(t *testing.T) {
	p := newPayload(1000, true)
	h := sha256.New()
	for i := range 5000 {
		h.Write(p.key(i))
		h.Write(p.value(i))
	}
	got := fmt.Sprintf("%x", h.Sum(nil))
	t.Log(got)
	if want := payloadDigest; got != want {
		t.Fatalf("payload digest %s, want %s", got, want)
	}
}
