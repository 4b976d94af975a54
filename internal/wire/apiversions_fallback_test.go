package wire

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// rdmockApiVersionsV3Reply is, byte for byte after the correlation ID,
// what librdkafka 2.11.1's mock cluster answers to ApiVersions v3:
// UNSUPPORTED_VERSION with a body that is neither a valid v3 nor a valid
// v0 response (its compact array claims no entries, then holds one).
var rdmockApiVersionsV3Reply = []byte{0x00, 0x23, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00}

// TestApiVersionsFallbackOnUnreadableRejection: a broker that rejects
// ApiVersions v3 with an UNSUPPORTED_VERSION reply whose version range
// cannot be read must still be reached, by falling back to v0, as the
// Java client does, instead of failing every connection.
func TestApiVersionsFallbackOnUnreadableRejection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	versions := make(chan int16, 4)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			key, ver, corr, err := readRequestVersion(conn)
			if err != nil || key != kmsg.ApiVersions.Int16() {
				return
			}
			versions <- ver
			if ver >= 3 {
				writeFrame(conn, corr, rdmockApiVersionsV3Reply)
				continue
			}
			resp := kmsg.NewPtrApiVersionsResponse()
			resp.SetVersion(ver)
			for _, k := range []kmsg.Key{kmsg.Produce, kmsg.Metadata, kmsg.ApiVersions} {
				resp.ApiKeys = append(resp.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: k.Int16(), MaxVersion: min(k.Request().MaxVersion(), 2)})
			}
			writeFrame(conn, corr, resp.AppendTo(nil))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, ln.Addr().String(), &Options{RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if got := <-versions; got != 3 {
		t.Errorf("first ApiVersions v%d, want v3", got)
	}
	if got := <-versions; got != 0 {
		t.Errorf("fallback ApiVersions v%d, want v0", got)
	}
	if max, ok := c.Versions().Max(kmsg.Produce.Int16()); !ok || max != 2 {
		t.Errorf("Produce max version %d (known %v), want 2 from the v0 reply", max, ok)
	}
}

// readRequestVersion reads one request and returns its key, version and
// correlation ID.
func readRequestVersion(conn net.Conn) (key, ver int16, corr int32, err error) {
	var size [4]byte
	if _, err = io.ReadFull(conn, size[:]); err != nil {
		return
	}
	buf := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err = io.ReadFull(conn, buf); err != nil {
		return
	}
	return int16(binary.BigEndian.Uint16(buf)), int16(binary.BigEndian.Uint16(buf[2:])), int32(binary.BigEndian.Uint32(buf[4:])), nil
}
