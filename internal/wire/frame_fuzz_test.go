package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// FuzzFrameReader feeds arbitrary bytes to the frame reader and the
// response header parser: they must return frames that match their length
// prefixes or errors, never panic, and never hold more memory than the
// bytes that arrived.
func FuzzFrameReader(f *testing.F) {
	f.Add([]byte{0, 0, 0, 4, 0, 0, 0, 1}, false)
	f.Add([]byte{0, 0, 0, 5, 0, 0, 0, 1, 0}, true)
	f.Add([]byte{0, 0, 0, 9, 0, 0, 0, 1, 1, 7, 2, 0xaa, 0xbb}, true)
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3}, false)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, false)
	f.Add([]byte{0, 0, 0, 2, 1}, true)
	f.Fuzz(func(t *testing.T, in []byte, flexible bool) {
		fr := frameReader{r: bytes.NewReader(in), max: 1 << 20}
		consumed := 0
		for {
			frame, err := fr.next()
			if err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, ErrMalformedFrame) || errors.Is(err, ErrFrameTooLarge) {
					return
				}
				t.Fatalf("unexpected error kind: %v", err)
			}
			claimed := int(binary.BigEndian.Uint32(in[consumed:]))
			if len(frame) != claimed {
				t.Fatalf("frame of %d bytes for a prefix of %d", len(frame), claimed)
			}
			if cap(frame) > 2*len(in)+readChunk {
				t.Fatalf("buffer of %d bytes for %d input bytes", cap(frame), len(in))
			}
			consumed += 4 + claimed
			_, body, err := parseResponseHeader(frame, flexible)
			if err == nil && len(body) > len(frame) {
				t.Fatal("body longer than its frame")
			}
		}
	})
}
