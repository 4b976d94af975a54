// Command floor measures what moving produce requests through a socket
// costs with no producer behind them: it writes pre-built produce requests
// (per-req record batches each, one partition each) over and over to a
// broker, max-inflight at a time, and prints the time and its own CPU. It
// is the bound that any client sending requests of that shape through a
// socket buffer of that size meets on the same machine: a client also
// copies each record into a batch, takes its CRC-32C and builds each
// request, which floor does not.
//
// Two kinds of batch: by default one filler batch of -batch bytes
// announcing ten records, the same bytes in every partition entry, until
// -bytes are sent (large values); with -records R, real record batches of
// R records each (16-byte random keys, -size byte values, CRC written),
// one batch of its own for each of -partitions partitions, until -n
// records are sent (many partitions: -partitions 1000 -per-req 1000
// -records 13). -gather writes each request as samsa does, its framing
// and batches as separate pieces of one writev; -parse decodes each
// response with samsa's produce response decoder (internal/sender) and
// checks that every partition was answered without error.
//
//	go build -o /tmp/floor ./bench/floor
//	/tmp/floor -brokers 127.0.0.1:9092 -per-req 1 -sndbuf 131072   # Java's max.request.size and send.buffer.bytes, 1 MiB batches
//	/tmp/floor -brokers 127.0.0.1:9092 -per-req 6 -sndbuf -1       # six batches a request, the OS's send buffer
//	/tmp/floor -brokers 127.0.0.1:9092 -version 11 -sndbuf -1 -gather -parse \
//	    -partitions 1000 -per-req 1000 -records 13 -n 10000000     # 1000 partitions, 13 records a batch
//
// The broker is expected to accept produce requests for topic bench,
// partitions 0 to -partitions minus one, without an ApiVersions exchange
// (the shared harness's sink broker does).
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/samsa-go/samsa/internal/sender"
)

type knobs struct {
	addr                    string
	total                   int64 // batch bytes to send (filler batches)
	batch, perReq, inflight int
	sndbuf                  int
	partitions              int   // partitions the batches go to, round robin
	records                 int   // records a batch; 0: filler batches
	size                    int   // value bytes of a record
	n                       int64 // records to send (real batches)
	version                 int16 // produce request version
	gather, parse           bool
}

func main() {
	var k knobs
	var ver int
	flag.StringVar(&k.addr, "brokers", "", "broker address")
	flag.Int64Var(&k.total, "bytes", 3072000000, "filler batch bytes to send in all")
	flag.IntVar(&k.batch, "batch", 1024161, "bytes of one filler record batch (ten 100 KB records: 1,024,161)")
	flag.IntVar(&k.perReq, "per-req", 1, "record batches a request (one partition each, round robin over -partitions)")
	flag.IntVar(&k.partitions, "partitions", 6, "partitions of topic bench the batches go to")
	flag.IntVar(&k.records, "records", 0, "records a batch: real record batches, one per partition, instead of a filler batch")
	flag.IntVar(&k.size, "size", 100, "value bytes of a record (with -records)")
	flag.Int64Var(&k.n, "n", 10000000, "records to send in all (with -records)")
	flag.IntVar(&ver, "version", 7, "produce request version (samsa sends 11 to the sink)")
	flag.BoolVar(&k.gather, "gather", false, "write each request's framing and batches as separate pieces of one writev, as samsa does")
	flag.BoolVar(&k.parse, "parse", false, "decode every response with samsa's produce response decoder")
	flag.IntVar(&k.sndbuf, "sndbuf", 131072, "SO_SNDBUF in bytes; -1 leaves the OS's autotuned buffer")
	flag.IntVar(&k.inflight, "max-inflight", 5, "requests awaiting a response at most")
	flag.Parse()
	k.version = int16(ver)
	line, err := run(k)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	fmt.Println(line)
}

func run(k knobs) (string, error) {
	if k.partitions < 1 || k.perReq < 1 {
		return "", errors.New("-partitions and -per-req must be at least 1")
	}
	c, err := net.Dial("tcp", k.addr)
	if err != nil {
		return "", err
	}
	defer func() { _ = c.Close() }()
	tc := c.(*net.TCPConn)
	_ = tc.SetNoDelay(true)
	if k.sndbuf > 0 {
		if err := tc.SetWriteBuffer(k.sndbuf); err != nil {
			return "", err
		}
	}
	reqs, perReqRecords := build(k)
	var n int
	if k.records > 0 {
		n = int(max(k.n/int64(perReqRecords), 1))
	} else {
		n = int(max(k.total/int64(k.batch*k.perReq), 1))
	}
	slots := make(chan struct{}, max(k.inflight, 1))
	read := make(chan error, 1)
	go func() { read <- readResponses(c, n, slots, k) }()
	cpu0, start := cpuTime(), time.Now()
	sent, err := write(c, reqs, n, slots, read)
	if err != nil {
		return "", err
	}
	if err := <-read; err != nil {
		return "", err
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	line := fmt.Sprintf("requests=%d frame_bytes=%d elapsed_s=%.3f gb_per_s=%.2f cpu_s=%.3f",
		n, sent/int64(n), elapsed.Seconds(), float64(sent)/elapsed.Seconds()/1e9, cpu.Seconds())
	if k.records > 0 {
		recs := float64(n) * float64(perReqRecords)
		line += fmt.Sprintf(" records=%.0f batches=%d rec_per_s=%.0f cpu_s_per_mrec=%.3f cpu_us_per_batch=%.3f",
			recs, n*k.perReq, recs/elapsed.Seconds(), cpu.Seconds()/recs*1e6, cpu.Seconds()/float64(n*k.perReq)*1e6)
	}
	return line, nil
}

// write writes n requests, reqs in turn, taking a slot for each; it stops
// at the first failed write, or when the reader ends early (its error is
// handed back on read). It returns the bytes written.
func write(c net.Conn, reqs []net.Buffers, n int, slots chan struct{}, read chan error) (int64, error) {
	var sent int64
	var scratch net.Buffers
	for i := range n {
		select {
		case slots <- struct{}{}:
		case err := <-read:
			if err == nil {
				err = errors.New("responses ended before the requests")
			}
			return sent, err
		}
		scratch = append(scratch[:0], reqs[i%len(reqs)]...) // WriteTo consumes the slice
		w, err := scratch.WriteTo(c)
		if err != nil {
			return sent, err
		}
		sent += w
	}
	return sent, nil
}

// readResponses reads n responses, freeing a slot for each; with k.parse
// each is decoded and must answer every partition of its request.
func readResponses(c net.Conn, n int, slots chan struct{}, k knobs) error {
	r := bufio.NewReader(c)
	var size [4]byte
	var frame []byte
	hdr := 4
	if k.version >= 9 {
		hdr = 5 // flexible: the response header's tagged fields, none
	}
	for range n {
		if _, err := io.ReadFull(r, size[:]); err != nil {
			return err
		}
		sz := int(binary.BigEndian.Uint32(size[:]))
		if !k.parse {
			if _, err := r.Discard(sz); err != nil {
				return err
			}
			<-slots
			continue
		}
		if cap(frame) < sz {
			frame = make([]byte, sz)
		}
		frame = frame[:sz]
		if _, err := io.ReadFull(r, frame); err != nil {
			return err
		}
		if sz < hdr {
			return fmt.Errorf("response of %d bytes", sz)
		}
		parts, failed, err := sender.DecodeResponse(frame[hdr:], k.version)
		if err != nil {
			return err
		}
		if parts != k.perReq || failed != 0 {
			return fmt.Errorf("response answers %d partitions with %d errors, want %d without", parts, failed, k.perReq)
		}
		<-slots
	}
	return nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
