package compress

import (
	"fmt"
	"math/rand/v2"
)

var allCodecs = []Codec{None, Gzip, Snappy, LZ4, Zstd}

// logLines returns about n bytes of log-like text in lines of recLen
// bytes, deterministically.
func logLines(n, recLen int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	levels := []string{"INFO", "WARN", "DEBUG", "ERROR"}
	paths := []string{"/api/v1/orders", "/api/v1/users", "/healthz", "/api/v2/cart/items"}
	out := make([]byte, 0, n+recLen)
	for len(out) < n {
		line := fmt.Sprintf("2026-03-%02dT%02d:%02d:%02d.%03dZ %s svc=checkout req=%016x path=%s status=%d dur=%dms",
			r.IntN(28)+1, r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000), levels[r.IntN(4)],
			r.Uint64(), paths[r.IntN(4)], 200+r.IntN(4)*100, r.IntN(900))
		for len(line) < recLen-1 {
			line += fmt.Sprintf(" k%d=%x", r.IntN(50), r.Uint32())
		}
		out = append(out, line[:recLen-1]...)
		out = append(out, '\n')
	}
	return out[:n]
}

// randomBytes returns n incompressible bytes.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func mustCompressor(t interface{ Fatal(...any) }, c Codec, level int) *Compressor {
	cp, err := NewCompressor(c, level)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}
