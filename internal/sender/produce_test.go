package sender

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/samsa-go/samsa/internal/wire"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func flatten(bufs [][]byte) []byte {
	var out []byte
	for _, b := range bufs {
		out = append(out, b...)
	}
	return out
}

// TestProduceRequestMatchesKmsg checks our zero-copy encoder against
// franz-go's generated encoder, byte for byte, at every version.
func TestProduceRequestMatchesKmsg(t *testing.T) {
	batchA := bytes.Repeat([]byte{0xaa}, 200)
	batchB := bytes.Repeat([]byte{0xbb}, 130)
	batchC := []byte{1, 2, 3}
	topics := []reqTopic{
		{name: "orders", parts: []reqPartition{{index: 0, batch: batchA}, {index: 5, batch: batchB}}},
		{name: "t", parts: []reqPartition{{index: 2, batch: batchC}}},
	}
	for _, txn := range []*string{nil, kmsg.StringPtr("txn-1")} {
		for ver := wire.MinVersions[kmsg.Produce.Int16()]; ver <= MaxProduceVersion; ver++ {
			var enc produceEncoder
			got := flatten(enc.encode(ver, txn, -1, 30000, topics))
			req := kmsg.NewPtrProduceRequest()
			req.SetVersion(ver)
			req.TransactionID = txn
			req.Acks = -1
			req.TimeoutMillis = 30000
			for _, tp := range topics {
				rt := kmsg.ProduceRequestTopic{Topic: tp.name}
				for _, p := range tp.parts {
					rt.Partitions = append(rt.Partitions, kmsg.ProduceRequestTopicPartition{Partition: p.index, Records: p.batch})
				}
				req.Topics = append(req.Topics, rt)
			}
			if want := req.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("v%d txn=%v: encoding differs\n got %x\nwant %x", ver, txn != nil, got, want)
			}
		}
	}
}

func sampleResponse(ver int16) *kmsg.ProduceResponse {
	resp := kmsg.NewPtrProduceResponse()
	resp.SetVersion(ver)
	resp.ThrottleMillis = 17
	p0 := kmsg.NewProduceResponseTopicPartition()
	p0.Partition, p0.BaseOffset, p0.LogAppendTime, p0.LogStartOffset = 0, 1234, -1, 7
	p1 := kmsg.NewProduceResponseTopicPartition()
	p1.Partition, p1.ErrorCode, p1.BaseOffset = 3, 6, -1
	p1.ErrorMessage = kmsg.StringPtr("not the leader")
	p1.ErrorRecords = []kmsg.ProduceResponseTopicPartitionErrorRecord{{RelativeOffset: 2, ErrorMessage: kmsg.StringPtr("bad record")}}
	p1.CurrentLeader.LeaderID, p1.CurrentLeader.LeaderEpoch = 2, 9
	resp.Topics = []kmsg.ProduceResponseTopic{{Topic: "orders", Partitions: []kmsg.ProduceResponseTopicPartition{p0, p1}}}
	resp.Brokers = []kmsg.ProduceResponseBroker{{NodeID: 2, Host: "h2", Port: 9093, Rack: kmsg.StringPtr("r1")}}
	return resp
}

func TestProduceResponseDecodesKmsgEncoding(t *testing.T) {
	for ver := wire.MinVersions[kmsg.Produce.Int16()]; ver <= MaxProduceVersion; ver++ {
		body := sampleResponse(ver).AppendTo(nil)
		got, err := decodeProduceResponse(body, ver)
		if err != nil {
			t.Fatalf("v%d: %v", ver, err)
		}
		if got.throttleMs != 17 || len(got.topics) != 1 || got.topics[0].name != "orders" || len(got.topics[0].parts) != 2 {
			t.Fatalf("v%d: %+v", ver, got)
		}
		p0, p1 := got.topics[0].parts[0], got.topics[0].parts[1]
		if p0.index != 0 || p0.errCode != 0 || p0.baseOffset != 1234 || p0.logAppendTime != -1 {
			t.Fatalf("v%d p0 %+v", ver, p0)
		}
		if p1.index != 3 || p1.errCode != 6 {
			t.Fatalf("v%d p1 %+v", ver, p1)
		}
		if ver >= 5 && p0.logStartOffset != 7 {
			t.Fatalf("v%d log start offset %d", ver, p0.logStartOffset)
		}
		if ver >= 8 && (p1.errMsg != "not the leader" || len(p1.recordErrors) != 1 || p1.recordErrors[0].batchIndex != 2) {
			t.Fatalf("v%d p1 errors %+v", ver, p1)
		}
		if ver >= 10 {
			if p1.leaderID != 2 || p1.leaderEpoch != 9 || len(got.endpoints) != 1 || got.endpoints[0].host != "h2" || got.endpoints[0].port != 9093 {
				t.Fatalf("v%d leader hints %+v %+v", ver, p1, got.endpoints)
			}
		} else if p1.leaderID != -1 {
			t.Fatalf("v%d leader hint without tagged fields", ver)
		}
	}
}

func TestProduceResponseRejectsHostileInput(t *testing.T) {
	for ver := wire.MinVersions[kmsg.Produce.Int16()]; ver <= MaxProduceVersion; ver++ {
		body := sampleResponse(ver).AppendTo(nil)
		for cut := 0; cut < len(body); cut++ {
			if _, err := decodeProduceResponse(body[:cut], ver); !errors.Is(err, errBadResponse) {
				t.Fatalf("v%d truncated at %d: %v", ver, cut, err)
			}
		}
		if _, err := decodeProduceResponse(append(body, 0), ver); !errors.Is(err, errBadResponse) {
			t.Fatalf("v%d trailing byte accepted", ver)
		}
	}
	// A count of two billion topics in a 10-byte body must fail, not allocate.
	huge := []byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0}
	if _, err := decodeProduceResponse(huge, 8); !errors.Is(err, errBadResponse) {
		t.Fatalf("huge count: %v", err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	decodeProduceResponse(huge, 8)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
		t.Fatalf("%d bytes allocated for a hostile count", grew)
	}
}

func FuzzDecodeProduceResponse(f *testing.F) {
	for ver := wire.MinVersions[kmsg.Produce.Int16()]; ver <= MaxProduceVersion; ver++ {
		f.Add(sampleResponse(ver).AppendTo(nil), ver)
	}
	f.Fuzz(func(t *testing.T, body []byte, ver int16) {
		if ver < 3 || ver > 13 {
			return
		}
		resp, err := decodeProduceResponse(body, ver)
		if err != nil {
			return
		}
		n := 0
		for _, tp := range resp.topics {
			n += len(tp.parts)
		}
		if n > len(body) {
			t.Fatalf("%d partitions from %d bytes", n, len(body))
		}
	})
}
