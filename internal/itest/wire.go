package itest

import (
	"context"
	"encoding/binary"
	"net"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// WireLog counts the requests, by API key and version, that a client
// wrote on its connections: set its Dial as the producer's Config.Dial.
// It reads plaintext Kafka frames (PLAINTEXT and SASL_PLAINTEXT
// listeners), so a test checks what was sent rather than what the
// producer says it did.
type WireLog struct {
	mu     sync.Mutex
	counts map[[2]int16]int // {key, version} -> requests
	conns  int
}

// Dial opens a TCP connection whose writes are recorded.
func (w *WireLog) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.conns++
	w.mu.Unlock()
	return &recConn{Conn: conn, log: w}, nil
}

// Conns counts the connections dialed.
func (w *WireLog) Conns() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conns
}

func (w *WireLog) add(key, version int16) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.counts == nil {
		w.counts = map[[2]int16]int{}
	}
	w.counts[[2]int16{key, version}]++
}

// Versions returns how many requests of key were sent at each version.
func (w *WireLog) Versions(key kmsg.Key) map[int16]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[int16]int{}
	for kv, n := range w.counts {
		if kv[0] == key.Int16() {
			out[kv[1]] += n
		}
	}
	return out
}

// Sent reports how many requests of key were sent.
func (w *WireLog) Sent(key kmsg.Key) int {
	n := 0
	for _, c := range w.Versions(key) {
		n += c
	}
	return n
}

// recConn parses the request frames the client writes: a 4-byte size,
// then the request header's API key and version.
type recConn struct {
	net.Conn
	log  *WireLog
	mu   sync.Mutex
	hdr  []byte
	skip int
}

func (c *recConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.observe(b[:n])
	return n, err
}

func (c *recConn) observe(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(b) > 0 {
		if c.skip > 0 {
			k := min(c.skip, len(b))
			c.skip -= k
			b = b[k:]
			continue
		}
		k := min(8-len(c.hdr), len(b))
		c.hdr = append(c.hdr, b[:k]...)
		b = b[k:]
		if len(c.hdr) < 8 {
			return
		}
		size := int(binary.BigEndian.Uint32(c.hdr))
		c.log.add(int16(binary.BigEndian.Uint16(c.hdr[4:])), int16(binary.BigEndian.Uint16(c.hdr[6:])))
		c.skip = size - 4
		c.hdr = c.hdr[:0]
	}
}
