package compress

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecompress feeds arbitrary streams to every codec's decoder: it
// must never panic, never return more than the limit, and fail only with
// ErrCorrupt or ErrTooLarge.
func FuzzDecompress(f *testing.F) {
	in := logLines(3000, 100)
	for _, c := range allCodecs {
		comp, err := mustCompressor(f, c, 0).Compress(nil, in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(c), comp, uint16(4000))
		f.Add(uint8(c), comp, uint16(100))
	}
	f.Fuzz(func(t *testing.T, codec uint8, src []byte, limit uint16) {
		c := Codec(codec % 5)
		out, err := Decompress(c, []byte("pre"), src, int(limit))
		if string(out[:3]) != "pre" {
			t.Fatalf("dst prefix clobbered")
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(out)-3 > int(limit) {
			t.Fatalf("%d bytes out, limit %d", len(out)-3, limit)
		}
		// What decodes must survive our own round trip.
		comp, err := mustCompressor(t, c, 0).Compress(nil, out[3:])
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decompress(c, nil, comp, int(limit))
		if err != nil || !bytes.Equal(back, out[3:]) {
			t.Fatalf("re-compress round trip: %v", err)
		}
	})
}
