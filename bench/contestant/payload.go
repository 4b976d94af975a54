package main

import (
	"math/rand/v2"
	"strconv"
)

// payload holds the benchmark's keys and values: windows into buffers
// built once from a fixed seed, so that every contestant of the shared
// harness sends the same bytes (log-like text that compresses as real logs
// do) and producing a record costs the harness nothing.
type payload struct {
	size   int
	values []byte
	keys   []byte
}

const (
	valueBuf = 4 << 20
	keyBuf   = 1 << 20
	keySize  = 16
)

var (
	logWords = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
		"hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
		"quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
		"yankee", "zulu", "orders", "payments", "users", "cart", "search", "login"}
	logLevels = []string{"debug", "info", "info", "info", "warn", "error"}
)

func newPayload(size int, keys bool) *payload {
	rng := rand.New(rand.NewPCG(1, 2))
	p := &payload{size: size}
	b := make([]byte, 0, valueBuf+256)
	for ts := 1722950000; len(b) < valueBuf; ts += rng.IntN(50) {
		b = strconv.AppendInt(append(b, "ts="...), int64(ts), 10)
		b = append(append(b, " level="...), logLevels[rng.IntN(len(logLevels))]...)
		b = append(append(b, " svc="...), logWords[rng.IntN(len(logWords))]...)
		b = append(b, " msg="...)
		for n := 2 + rng.IntN(6); n > 0; n-- {
			b = append(append(b, logWords[rng.IntN(len(logWords))]...), ' ')
		}
		b = strconv.AppendUint(append(b, "id="...), rng.Uint64N(1e9), 10)
		b = append(b, '\n')
	}
	for len(b) < size+1 {
		b = append(b, b...)
	}
	p.values = b
	if keys {
		const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		p.keys = make([]byte, keyBuf)
		for i := range p.keys {
			p.keys[i] = alnum[rng.IntN(len(alnum))]
		}
	}
	return p
}

func (p *payload) value(i int) []byte {
	off := (i * p.size) % (len(p.values) - p.size)
	return p.values[off : off+p.size : off+p.size]
}

func (p *payload) key(i int) []byte {
	if p.keys == nil {
		return nil
	}
	off := int(uint64(i)*0x9E3779B97F4A7C15>>20) % (len(p.keys) - keySize)
	return p.keys[off : off+keySize : off+keySize]
}
