package samsa

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// benchSink is a minimal in-process Kafka broker for benchmarks of the
// client: it answers ApiVersions, Metadata, InitProducerId and Produce as
// fast as it can, never decompressing, validating or storing a record
// batch. It counts the records it is sent (from each batch header) so a
// benchmark can check that everything it produced arrived.
type benchSink struct {
	ln         net.Listener
	partitions int32
	records    atomic.Int64
	wg         sync.WaitGroup

	mu      sync.Mutex
	offsets map[string][]int64 // next offset per topic partition
	conns   map[net.Conn]struct{}
}

// sinkAPIs are the API keys and version ranges the sink advertises (a
// subset of Kafka 3.9's).
var sinkAPIs = []kmsg.ApiVersionsResponseApiKey{
	{ApiKey: 0, MinVersion: 3, MaxVersion: 11}, // Produce
	{ApiKey: 3, MinVersion: 0, MaxVersion: 12}, // Metadata
	{ApiKey: 18, MinVersion: 0, MaxVersion: 3}, // ApiVersions
	{ApiKey: 22, MinVersion: 0, MaxVersion: 5}, // InitProducerId
}

// startBenchSink starts a sink on a loopback port with the given number
// of partitions per topic; it stops when the benchmark ends.
func startBenchSink(tb testing.TB, partitions int32) *benchSink {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &benchSink{ln: ln, partitions: partitions, offsets: map[string][]int64{}, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	tb.Cleanup(s.close)
	return s
}

func (s *benchSink) addr() string { return s.ln.Addr().String() }

func (s *benchSink) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *benchSink) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

// serve answers one connection's requests in order until it closes.
func (s *benchSink) serve(c net.Conn) {
	defer s.wg.Done()
	defer c.Close()
	r := bufio.NewReaderSize(c, 1<<20)
	w := bufio.NewWriterSize(c, 64<<10)
	var in, out []byte
	for {
		var size [4]byte
		if _, err := io.ReadFull(r, size[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(size[:]))
		if cap(in) < n {
			in = make([]byte, n)
		}
		in = in[:n]
		if _, err := io.ReadFull(r, in); err != nil {
			return
		}
		var err error
		if out, err = s.handle(in, out[:0]); err != nil {
			return
		}
		if len(out) > 0 {
			if _, err := w.Write(out); err != nil {
				return
			}
		}
		if r.Buffered() == 0 && w.Flush() != nil {
			return
		}
	}
}

// handle decodes one request and appends its framed response to out; an
// acks=0 Produce gets none.
func (s *benchSink) handle(in, out []byte) ([]byte, error) {
	if len(in) < 10 {
		return out, errors.New("short request")
	}
	key := int16(binary.BigEndian.Uint16(in))
	version := int16(binary.BigEndian.Uint16(in[2:]))
	corr := binary.BigEndian.Uint32(in[4:])
	req := kmsg.RequestForKey(key)
	if req == nil {
		return out, errors.New("unknown API key " + strconv.Itoa(int(key)))
	}
	req.SetVersion(version)
	body := in[8:]
	idLen := int(int16(binary.BigEndian.Uint16(body)))
	body = body[2+max(idLen, 0):]
	if req.IsFlexible() {
		body = body[1:] // no tagged fields are ever sent in request headers here
	}
	if err := req.ReadFrom(body); err != nil {
		return out, err
	}
	resp := s.respond(req)
	if resp == nil {
		return out, nil
	}
	resp.SetVersion(version)
	start := len(out)
	out = append(out, 0, 0, 0, 0)
	out = binary.BigEndian.AppendUint32(out, corr)
	if resp.IsFlexible() && key != 18 {
		out = append(out, 0)
	}
	out = resp.AppendTo(out)
	binary.BigEndian.PutUint32(out[start:], uint32(len(out)-start-4))
	return out, nil
}

func (s *benchSink) respond(req kmsg.Request) kmsg.Response {
	switch req := req.(type) {
	case *kmsg.ApiVersionsRequest:
		resp := kmsg.NewPtrApiVersionsResponse()
		resp.ApiKeys = sinkAPIs
		return resp
	case *kmsg.MetadataRequest:
		return s.metadata(req)
	case *kmsg.InitProducerIDRequest:
		resp := kmsg.NewPtrInitProducerIDResponse()
		resp.ProducerID, resp.ProducerEpoch = 1, 0
		return resp
	case *kmsg.ProduceRequest:
		return s.produce(req)
	}
	return nil
}

func (s *benchSink) metadata(req *kmsg.MetadataRequest) kmsg.Response {
	host, port, _ := net.SplitHostPort(s.addr())
	p, _ := strconv.Atoi(port)
	resp := kmsg.NewPtrMetadataResponse()
	b := kmsg.NewMetadataResponseBroker()
	b.NodeID, b.Host, b.Port = 0, host, int32(p)
	resp.Brokers = []kmsg.MetadataResponseBroker{b}
	resp.ControllerID = 0
	for i, rt := range req.Topics {
		t := kmsg.NewMetadataResponseTopic()
		t.Topic = rt.Topic
		t.TopicID[0], t.TopicID[1] = 1, byte(i+1)
		for id := range s.partitions {
			mp := kmsg.NewMetadataResponseTopicPartition()
			mp.Partition, mp.Leader = id, 0
			mp.Replicas, mp.ISR = []int32{0}, []int32{0}
			t.Partitions = append(t.Partitions, mp)
		}
		resp.Topics = append(resp.Topics, t)
	}
	return resp
}

// produce assigns each batch its base offset from the batch header's
// record count; acks=0 gets no response.
func (s *benchSink) produce(req *kmsg.ProduceRequest) kmsg.Response {
	resp := kmsg.NewPtrProduceResponse()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range req.Topics {
		offs := s.offsets[rt.Topic]
		if offs == nil {
			offs = make([]int64, s.partitions)
			s.offsets[rt.Topic] = offs
		}
		t := kmsg.NewProduceResponseTopic()
		t.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			p := kmsg.NewProduceResponseTopicPartition()
			p.Partition = rp.Partition
			p.BaseOffset = offs[rp.Partition]
			for batch := rp.Records; len(batch) >= 61; {
				n := int64(binary.BigEndian.Uint32(batch[57:]))
				offs[rp.Partition] += n
				s.records.Add(n)
				batch = batch[min(len(batch), 12+int(binary.BigEndian.Uint32(batch[8:]))):]
			}
			t.Partitions = append(t.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	}
	if req.Acks == 0 {
		return nil
	}
	return resp
}
