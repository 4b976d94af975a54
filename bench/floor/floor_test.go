package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-go/samsa/internal/recordbatch"
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
		serveProduce(t, ln, func(req *kmsg.ProduceRequest, corr int32) []byte {
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
			return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 4), uint32(corr))
		})
	}()
	line, err := run(knobs{addr: ln.Addr().String(), total: 10 * 3 * 5000, batch: 5000, perReq: 3, inflight: 2, sndbuf: 131072, partitions: 6, version: 7})
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

// parseProduce decodes a request header (v1, or v2 for flexible
// versions, with no tagged fields) and a produce request body.
func parseProduce(frame []byte) (*kmsg.ProduceRequest, int32, error) {
	key, ver := int16(binary.BigEndian.Uint16(frame)), int16(binary.BigEndian.Uint16(frame[2:]))
	corr := int32(binary.BigEndian.Uint32(frame[4:]))
	idLen := int(int16(binary.BigEndian.Uint16(frame[8:])))
	body := frame[10+max(idLen, 0):]
	req := kmsg.NewPtrProduceRequest()
	req.Version = ver
	if req.IsFlexible() {
		body = body[1:]
	}
	if key != req.Key() {
		return nil, 0, io.ErrUnexpectedEOF
	}
	return req, corr, req.ReadFrom(body)
}

// TestFloorSendsRecordBatches: with -records, floor sends real batches
// (valid CRC, the asked record count, 16-byte keys, values of -size bytes)
// for every partition in turn, as flexible requests written in pieces,
// and parses each response: a response that leaves a partition out fails
// the run.
func TestFloorSendsRecordBatches(t *testing.T) {
	for _, drop := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		counts := make(chan map[int32]int, 1)
		go serveRecordBatches(t, ln, drop, counts)
		k := knobs{addr: ln.Addr().String(), perReq: 3, inflight: 2, sndbuf: -1, partitions: 4,
			records: 5, size: 20, n: 4 * 3 * 5, version: 11, gather: true, parse: true}
		line, err := run(k)
		ln.Close()
		got := <-counts
		if drop {
			if err == nil {
				t.Errorf("a response missing a partition was taken: %q", line)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(line, "requests=4 ") || !strings.Contains(line, " records=60 ") {
			t.Errorf("floor reported %q, want 4 requests, 60 records", line)
		}
		// 4 requests of 3 partitions, round robin over 4: 12 batches, 3 each.
		want := map[int32]int{0: 15, 1: 15, 2: 15, 3: 15}
		if len(got) != len(want) {
			t.Errorf("records per partition %v, want %v", got, want)
		}
		for p, n := range want {
			if got[p] != n {
				t.Errorf("records per partition %v, want %v", got, want)
			}
		}
	}
}

// serveProduce reads produce requests from ln's first connection and
// writes what answer returns for each, until the connection ends or a
// request does not parse.
func serveProduce(t *testing.T, ln net.Listener, answer func(req *kmsg.ProduceRequest, corr int32) []byte) {
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
		out := answer(req, corr)
		if out == nil {
			return
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// serveRecordBatches answers produce requests on ln's first connection,
// decoding every batch, and sends the records it saw per partition on
// counts when the connection ends. With drop, responses leave out the
// request's last partition.
func serveRecordBatches(t *testing.T, ln net.Listener, drop bool, counts chan<- map[int32]int) {
	seen := map[int32]int{}
	defer func() { counts <- seen }()
	serveProduce(t, ln, func(req *kmsg.ProduceRequest, corr int32) []byte {
		resp := kmsg.NewPtrProduceResponse()
		resp.Version = req.Version
		for _, tp := range req.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic = tp.Topic
			for _, p := range tp.Partitions {
				h, recs, err := recordbatch.Decode(p.Records, 1<<20)
				if err != nil {
					t.Errorf("partition %d: %v", p.Partition, err)
					return nil
				}
				for _, rec := range recs {
					if len(rec.Key) != 16 || len(rec.Value) != 20 {
						t.Errorf("record with %d-byte key, %d-byte value", len(rec.Key), len(rec.Value))
					}
				}
				seen[p.Partition] += int(h.NumRecords)
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition = p.Partition
				rt.Partitions = append(rt.Partitions, rp)
			}
			if drop {
				rt.Partitions = rt.Partitions[:len(rt.Partitions)-1]
			}
			resp.Topics = append(resp.Topics, rt)
		}
		out := binary.BigEndian.AppendUint32(nil, uint32(corr))
		out = append(out, 0) // response header tagged fields
		out = resp.AppendTo(out)
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(out))), out...)
	})
}
