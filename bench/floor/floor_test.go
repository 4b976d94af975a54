package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFloorSendsProduceRequests: what floor writes decodes as produce
// requests of the asked shape (per-req partitions of topic bench, each one
// batch of batch bytes announcing ten records), as many as the byte total
// asks for, each answered before floor reports.
func TestFloorSendsProduceRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type seen struct{ requests, batches, records, bytes int }
	got := make(chan seen, 1)
	go func() {
		var s seen
		defer func() { got <- s }()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			frame, err := readFrame(r)
			if err != nil {
				return
			}
			req, corr, err := parseProduce(frame)
			if err != nil {
				t.Error(err)
				return
			}
			s.requests++
			for _, tp := range req.Topics {
				for _, p := range tp.Partitions {
					if tp.Topic != "bench" || p.Partition < 0 || p.Partition > 5 {
						t.Errorf("batch for %s/%d", tp.Topic, p.Partition)
					}
					s.batches++
					s.records += int(binary.BigEndian.Uint32(p.Records[23:])) + 1
					s.bytes += len(p.Records)
				}
			}
			resp := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 4), uint32(corr))
			if _, err := c.Write(resp); err != nil {
				return
			}
		}
	}()
	line, err := run(knobs{addr: ln.Addr().String(), total: 10 * 3 * 5000, batch: 5000, perReq: 3, inflight: 2, sndbuf: 131072})
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if !strings.HasPrefix(line, "requests=10 ") {
		t.Errorf("floor reported %q, want 10 requests", line)
	}
	if s := <-got; s != (seen{requests: 10, batches: 30, records: 300, bytes: 150000}) {
		t.Errorf("broker saw %+v, want 10 requests of 3 batches of 10 records, 5000 bytes each", s)
	}
}

func readFrame(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	frame := make([]byte, binary.BigEndian.Uint32(size[:]))
	_, err := io.ReadFull(r, frame)
	return frame, err
}

// parseProduce decodes a request header v1 and a produce request body.
func parseProduce(frame []byte) (*kmsg.ProduceRequest, int32, error) {
	key, ver := int16(binary.BigEndian.Uint16(frame)), int16(binary.BigEndian.Uint16(frame[2:]))
	corr := int32(binary.BigEndian.Uint32(frame[4:]))
	idLen := int(int16(binary.BigEndian.Uint16(frame[8:])))
	body := frame[10+max(idLen, 0):]
	req := kmsg.NewPtrProduceRequest()
	req.Version = ver
	if key != req.Key() {
		return nil, 0, io.ErrUnexpectedEOF
	}
	return req, corr, req.ReadFrom(body)
}
