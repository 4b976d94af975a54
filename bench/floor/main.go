// Command floor measures what moving produce requests through a socket
// costs with no producer behind them: it writes one pre-built produce
// request (per-req record batches of batch bytes each, ten records a
// batch) over and over to a broker, max-inflight at a time, until bytes
// are sent, and prints the time and its own CPU. It is the bound that any
// client sending requests of that shape through a socket buffer of that
// size meets on the same machine: a client also copies each record into
// a batch and takes its CRC-32C, which floor does not.
//
//	go build -o /tmp/floor ./bench/floor
//	/tmp/floor -brokers 127.0.0.1:9092 -per-req 1 -sndbuf 131072   # Java's max.request.size and send.buffer.bytes, 1 MiB batches
//	/tmp/floor -brokers 127.0.0.1:9092 -per-req 6 -sndbuf -1       # six batches a request, the OS's send buffer
//
// The broker is expected to accept produce requests for topic bench,
// partitions 0-5, without an ApiVersions exchange (the shared harness's
// sink broker does).
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

type knobs struct {
	addr                    string
	total                   int64
	batch, perReq, inflight int
	sndbuf                  int
}

func main() {
	var k knobs
	flag.StringVar(&k.addr, "brokers", "", "broker address")
	flag.Int64Var(&k.total, "bytes", 3072000000, "record batch bytes to send in all")
	flag.IntVar(&k.batch, "batch", 1024161, "bytes of one record batch (ten 100 KB records: 1,024,161)")
	flag.IntVar(&k.perReq, "per-req", 1, "record batches a request (one partition each, round robin over six)")
	flag.IntVar(&k.sndbuf, "sndbuf", 131072, "SO_SNDBUF in bytes; -1 leaves the OS's autotuned buffer")
	flag.IntVar(&k.inflight, "max-inflight", 5, "requests awaiting a response at most")
	flag.Parse()
	line, err := run(k)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	fmt.Println(line)
}

// request builds the produce request frame (size prefix included): v7,
// acks=1, perReq partitions each holding the same batch.
func request(batch, perReq int) []byte {
	b := make([]byte, batch)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	binary.BigEndian.PutUint64(b[0:], 0)                 // base offset
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12)) // batch length
	b[16] = 2                                            // magic
	binary.BigEndian.PutUint32(b[23:], 9)                // last offset delta: ten records
	req := kmsg.NewPtrProduceRequest()
	req.Version, req.Acks, req.TimeoutMillis = 7, 1, 30000
	t := kmsg.NewProduceRequestTopic()
	t.Topic = "bench"
	for p := range perReq {
		pp := kmsg.NewProduceRequestTopicPartition()
		pp.Partition, pp.Records = int32(p%6), b
		t.Partitions = append(t.Partitions, pp)
	}
	req.Topics = append(req.Topics, t)
	return (&kmsg.RequestFormatter{}).AppendRequest(nil, req, 1)
}

func run(k knobs) (string, error) {
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
	frame := request(k.batch, k.perReq)
	n := int(max(k.total/int64(k.batch*k.perReq), 1))
	slots := make(chan struct{}, max(k.inflight, 1))
	read := make(chan error, 1)
	go func() { read <- readResponses(c, n, slots) }()
	cpu0, start := cpuTime(), time.Now()
	for range n {
		slots <- struct{}{}
		if _, err := c.Write(frame); err != nil {
			return "", err
		}
	}
	if err := <-read; err != nil {
		return "", err
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	return fmt.Sprintf("requests=%d frame_bytes=%d elapsed_s=%.3f gb_per_s=%.2f cpu_s=%.3f",
		n, len(frame), elapsed.Seconds(), float64(n)*float64(len(frame))/elapsed.Seconds()/1e9, cpu.Seconds()), nil
}

// readResponses reads n responses, freeing a slot for each.
func readResponses(c net.Conn, n int, slots chan struct{}) error {
	r := bufio.NewReader(c)
	var size [4]byte
	for range n {
		if _, err := io.ReadFull(r, size[:]); err != nil {
			return err
		}
		if _, err := r.Discard(int(binary.BigEndian.Uint32(size[:]))); err != nil {
			return err
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
