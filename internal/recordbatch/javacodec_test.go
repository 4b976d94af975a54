package recordbatch

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/pierrec/lz4/v4"

	"github.com/samsa-go/samsa/internal/compress"
)

// logText returns n bytes of log-like lines.
func logText(n int) []byte {
	var b []byte
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, "2026-03-01T12:%02d:%02d.%03dZ INFO svc=checkout req=%08x path=/api/v1/orders/%d status=%d\n",
			i/60%60, i%60, i*7%1000, uint32(i)*2654435761, i%97, 200+i%3*100)
	}
	return b[:n]
}

func compressRequest(c compress.Codec, level int, data []byte) javaRequest {
	var w wbuf
	w.u8(byte(c))
	w.i32(int32(level))
	w.bytes(data)
	return javaRequest{'C', w.b}
}

func decompressRequest(c compress.Codec, data []byte) javaRequest {
	var w wbuf
	w.u8(byte(c))
	w.bytes(data)
	return javaRequest{'D', w.b}
}

// TestJavaCodecs exchanges compressed streams (not batches) with Java's
// Compression.wrapForOutput / wrapForInput in both directions, checks the
// framing Java writes, and which foreign framings Java reads.
func TestJavaCodecs(t *testing.T) {
	inputs := map[string][]byte{"empty": {}, "small": []byte("hello"), "logs300K": logText(300 << 10)}
	type check struct {
		name  string
		req   javaRequest
		check func(t *testing.T, body []byte)
	}
	var checks []check
	for name, in := range inputs {
		for _, c := range allCodecs[1:] {
			for _, level := range codecLevels(c) {
				// Java compresses, we decompress.
				checks = append(checks, check{fmt.Sprintf("java->go %v/%d/%s", c, level, name), compressRequest(c, level, in),
					func(t *testing.T, body []byte) {
						got, err := compress.Decompress(c, nil, body, len(in))
						if err != nil || !bytes.Equal(got, in) {
							t.Errorf("Decompress(Java's %v): %d bytes, %v; want %d bytes", c, len(got), err, len(in))
						}
						checkJavaFraming(t, c, body, len(in))
					}})
				// We compress, Java decompresses.
				cp, err := compress.NewCompressor(c, level)
				if err != nil {
					t.Fatal(err)
				}
				ours, _ := cp.Compress(nil, in)
				checks = append(checks, check{fmt.Sprintf("go->java %v/%d/%s", c, level, name), decompressRequest(c, ours),
					func(t *testing.T, body []byte) {
						if !bytes.Equal(body, in) {
							t.Errorf("Java decompressed our %v to %d bytes, want %d", c, len(body), len(in))
						}
					}})
			}
		}
	}
	// Foreign framings other Go clients write: a bare snappy block
	// (franz-go, sarama) and lz4 frames with checksums and content size.
	in := inputs["logs300K"]
	var lz bytes.Buffer
	w := lz4.NewWriter(&lz)
	w.Apply(lz4.BlockChecksumOption(true), lz4.ChecksumOption(true), lz4.SizeOption(uint64(len(in))))
	w.Write(in)
	w.Close()
	for name, req := range map[string]javaRequest{
		"raw snappy block":                    decompressRequest(compress.Snappy, s2.EncodeSnappy(nil, in)),
		"lz4 with checksums and content size": decompressRequest(compress.LZ4, lz.Bytes()),
	} {
		checks = append(checks, check{"foreign " + name, req, func(t *testing.T, body []byte) {
			if !bytes.Equal(body, in) {
				t.Errorf("Java read %d bytes, want %d", len(body), len(in))
			}
		}})
	}
	var reqs []javaRequest
	for _, c := range checks {
		reqs = append(reqs, c.req)
	}
	resps := callJava(t, reqs)
	for i, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !resps[i].ok {
				t.Fatalf("Java: %s", resps[i].body)
			}
			c.check(t, resps[i].body)
		})
	}
}

// checkJavaFraming asserts the stream layout Java writes, which our
// compressor mirrors.
func checkJavaFraming(t *testing.T, c compress.Codec, body []byte, n int) {
	t.Helper()
	switch c {
	case compress.Snappy:
		// snappy-java's SnappyOutputStream: xerial header, then 32 KiB
		// chunks each with a 4-byte big-endian length.
		if !bytes.HasPrefix(body, []byte("\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01")) {
			t.Errorf("Java snappy does not start with the xerial header: % x", body[:min(16, len(body))])
		}
		chunks := 0
		for p := 16; p+4 <= len(body); chunks++ {
			l := int(body[p])<<24 | int(body[p+1])<<16 | int(body[p+2])<<8 | int(body[p+3])
			dl, err := s2.DecodedLen(body[p+4 : p+4+l])
			if err != nil || dl > 32<<10 {
				t.Errorf("Java snappy chunk %d: %d bytes decoded, %v", chunks, dl, err)
			}
			p += 4 + l
		}
		if want := (n + 32<<10 - 1) / (32 << 10); chunks != want {
			t.Errorf("Java snappy wrote %d chunks for %d bytes, want %d", chunks, n, want)
		}
	case compress.LZ4:
		// Kafka's Lz4BlockOutputStream: FLG 0x60, BD 0x40, no checksums,
		// 64 KiB blocks, end mark.
		if !bytes.HasPrefix(body, []byte{0x04, 0x22, 0x4D, 0x18, 0x60, 0x40}) {
			t.Errorf("Java lz4 frame header % x", body[:min(7, len(body))])
		}
		if !bytes.HasSuffix(body, []byte{0, 0, 0, 0}) {
			t.Errorf("Java lz4 frame does not end with an end mark")
		}
	}
}
