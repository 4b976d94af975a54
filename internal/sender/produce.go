package sender

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
)

// MaxProduceVersion is the newest Produce version samsa encodes. v12 is
// the version transactions v2 (KIP-890) require; v13 names topics by id.
const MaxProduceVersion = 12

// MaxProduceVersionTxnV1 is the newest Produce version for transactions v1:
// v12 adds partitions to the transaction implicitly (KIP-890), which v1's
// AddPartitionsToTxn does itself.
const MaxProduceVersionTxnV1 = 11

// produceVersionFlexible is the first flexible (KIP-482) Produce version.
const produceVersionFlexible = 9

// reqPartition is one partition's batch in a produce request.
type reqPartition struct {
	index int32
	batch []byte
}

// reqTopic groups a request's partitions by topic.
type reqTopic struct {
	name  string
	parts []reqPartition
}

// produceEncoder builds produce request bodies: the framing is written into
// a reused buffer and the batches are referenced, not copied, so the
// request goes out with one writev.
type produceEncoder struct {
	frame []byte      // framing bytes for all topics and partitions
	cuts  []int       // frame offsets where a batch is spliced in
	parts [][]byte    // the batches, in the order of cuts
	bufs  net.Buffers // result: frame pieces and batches interleaved
}

// encode returns the body of a produce request of version ver. The result
// is valid until the next call.
func (e *produceEncoder) encode(ver int16, txnID *string, acks int16, timeoutMs int32, topics []reqTopic) net.Buffers {
	flex := ver >= produceVersionFlexible
	f := e.frame[:0]
	e.cuts = e.cuts[:0]
	f = appendNullableString(f, txnID, flex)
	f = binary.BigEndian.AppendUint16(f, uint16(acks))
	f = binary.BigEndian.AppendUint32(f, uint32(timeoutMs))
	f = appendArrayLen(f, len(topics), flex)
	batches := e.parts[:0]
	for _, t := range topics {
		f = appendString(f, t.name, flex)
		f = appendArrayLen(f, len(t.parts), flex)
		for _, p := range t.parts {
			f = binary.BigEndian.AppendUint32(f, uint32(p.index))
			if flex {
				f = binary.AppendUvarint(f, uint64(len(p.batch))+1)
			} else {
				f = binary.BigEndian.AppendUint32(f, uint32(len(p.batch)))
			}
			e.cuts = append(e.cuts, len(f))
			batches = append(batches, p.batch)
			if flex {
				f = append(f, 0) // partition tagged fields
			}
		}
		if flex {
			f = append(f, 0) // topic tagged fields
		}
	}
	if flex {
		f = append(f, 0) // request tagged fields
	}
	e.frame = f
	e.bufs = e.bufs[:0]
	prev := 0
	for i, cut := range e.cuts {
		e.bufs = append(e.bufs, f[prev:cut], batches[i])
		prev = cut
	}
	if prev < len(f) {
		e.bufs = append(e.bufs, f[prev:])
	}
	clear(batches) // e.bufs holds them until the next call
	e.parts = batches[:0]
	return e.bufs
}

func appendNullableString(b []byte, s *string, flex bool) []byte {
	if s == nil {
		if flex {
			return append(b, 0)
		}
		return binary.BigEndian.AppendUint16(b, 0xffff)
	}
	return appendString(b, *s, flex)
}

func appendString(b []byte, s string, flex bool) []byte {
	if flex {
		b = binary.AppendUvarint(b, uint64(len(s))+1)
	} else {
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	}
	return append(b, s...)
}

func appendArrayLen(b []byte, n int, flex bool) []byte {
	if flex {
		return binary.AppendUvarint(b, uint64(n)+1)
	}
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

// produceResponse is a decoded produce response.
type produceResponse struct {
	topics     []respTopic
	throttleMs int32
	endpoints  []nodeEndpoint // KIP-951 leader hints, v10+
}

type respTopic struct {
	name  string
	parts []respPartition
}

type respPartition struct {
	index          int32
	errCode        int16
	baseOffset     int64
	logAppendTime  int64
	logStartOffset int64
	errMsg         string
	recordErrors   []recordError
	leaderID       int32 // KIP-951 current leader hint, -1 if none
	leaderEpoch    int32
}

type recordError struct {
	batchIndex int32
	msg        string
}

type nodeEndpoint struct {
	nodeID int32
	host   string
	port   int32
	rack   string
}

// errBadResponse is returned (wrapped) for a produce response that does
// not decode.
var errBadResponse = errors.New("malformed produce response")

// reader decodes untrusted bytes. Every length and count is checked
// against the bytes remaining before anything is allocated for it.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s with %d bytes left", errBadResponse, what, len(r.b))
	}
	r.b = nil
}

func (r *reader) need(n int, what string) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b) < n {
		r.fail(what)
		return false
	}
	return true
}

func (r *reader) int16(what string) int16 {
	if !r.need(2, what) {
		return 0
	}
	v := int16(binary.BigEndian.Uint16(r.b))
	r.b = r.b[2:]
	return v
}

func (r *reader) int32(what string) int32 {
	if !r.need(4, what) {
		return 0
	}
	v := int32(binary.BigEndian.Uint32(r.b))
	r.b = r.b[4:]
	return v
}

func (r *reader) int64(what string) int64 {
	if !r.need(8, what) {
		return 0
	}
	v := int64(binary.BigEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *reader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads an array length; each element takes at least minSize bytes,
// which bounds the count by the bytes left. Null arrays read as 0.
func (r *reader) count(flex bool, minSize int, what string) int {
	var n int64
	if flex {
		n = int64(r.uvarint(what)) - 1
	} else {
		n = int64(r.int32(what))
	}
	if r.err != nil || n <= 0 {
		return 0
	}
	if n > int64(len(r.b)/minSize) {
		r.fail(what + " count")
		return 0
	}
	return int(n)
}

// string reads a (nullable) string; null reads as "".
func (r *reader) string(flex bool, what string) string {
	var n int64
	if flex {
		n = int64(r.uvarint(what)) - 1
	} else {
		n = int64(r.int16(what))
	}
	if r.err != nil || n < 0 {
		return ""
	}
	if !r.need(int(min(n, 1<<31-1)), what) {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// skipTags skips a tagged-field section, calling fn for each tag; fn gets
// a reader over the field's bytes.
func (r *reader) tags(fn func(tag uint64, field *reader)) {
	n := r.uvarint("tagged field count")
	for i := uint64(0); i < n && r.err == nil; i++ {
		tag := r.uvarint("tag")
		size := r.uvarint("tag size")
		if r.err != nil || size > uint64(len(r.b)) {
			r.fail("tagged field")
			return
		}
		field := &reader{b: r.b[:size]}
		r.b = r.b[size:]
		if fn != nil {
			fn(tag, field)
			if field.err != nil {
				r.err = field.err
			}
		}
	}
}

// decodeProduceResponse decodes a produce response of version ver (3..13).
func decodeProduceResponse(body []byte, ver int16) (*produceResponse, error) {
	flex := ver >= produceVersionFlexible
	r := &reader{b: body}
	resp := respPool.Get().(*produceResponse)
	nt := r.count(flex, 2, "topics")
	if nt <= cap(resp.topics) {
		resp.topics = resp.topics[:nt] // each keeps its parts' array
	} else {
		resp.topics = make([]respTopic, nt)
	}
	for i := range resp.topics {
		t := &resp.topics[i]
		t.name = ""
		if ver >= 13 {
			r.need(16, "topic id")
			if r.err == nil {
				r.b = r.b[16:]
			}
		} else {
			t.name = r.string(flex, "topic name")
		}
		np := r.count(flex, 14, "partitions")
		t.parts = resize(t.parts, np)
		for j := range t.parts {
			decodeRespPartition(r, &t.parts[j], ver, flex)
		}
		if flex {
			r.tags(nil)
		}
	}
	resp.throttleMs = r.int32("throttle time")
	if flex {
		r.tags(func(tag uint64, f *reader) {
			if tag == 0 && ver >= 10 {
				resp.endpoints = decodeEndpoints(f)
			}
		})
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		resp.release()
		return nil, r.err
	}
	return resp, nil
}

// respPool recycles decoded responses with their topic and partition
// slices: a request's response is done with once handled.
var respPool = sync.Pool{New: func() any { return new(produceResponse) }}

// release hands resp back for the next response's decoding; nothing of
// it may be used after.
func (resp *produceResponse) release() {
	for i := range resp.topics {
		clear(resp.topics[i].parts) // strings and slices others may hold stay theirs
	}
	resp.topics = resp.topics[:0]
	resp.throttleMs, resp.endpoints = 0, nil
	respPool.Put(resp)
}

// resize returns s with n zero elements, in its own array when it has
// room.
func resize[T any](s []T, n int) []T {
	if n <= cap(s) {
		s = s[:n]
		clear(s)
		return s
	}
	return make([]T, n)
}

func decodeRespPartition(r *reader, p *respPartition, ver int16, flex bool) {
	p.leaderID, p.leaderEpoch = -1, -1
	p.index = r.int32("partition index")
	p.errCode = r.int16("error code")
	p.baseOffset = r.int64("base offset")
	p.logAppendTime = r.int64("log append time")
	if ver >= 5 {
		p.logStartOffset = r.int64("log start offset")
	}
	if ver >= 8 {
		n := r.count(flex, 5, "record errors")
		if n > 0 {
			p.recordErrors = make([]recordError, n)
		}
		for k := range p.recordErrors {
			p.recordErrors[k].batchIndex = r.int32("batch index")
			p.recordErrors[k].msg = r.string(flex, "record error message")
			if flex {
				r.tags(nil)
			}
		}
		p.errMsg = r.string(flex, "error message")
	}
	if flex {
		r.tags(func(tag uint64, f *reader) {
			if tag == 0 && ver >= 10 {
				p.leaderID = f.int32("leader id")
				p.leaderEpoch = f.int32("leader epoch")
				f.tags(nil)
			}
		})
	}
}

func decodeEndpoints(r *reader) []nodeEndpoint {
	n := r.count(true, 10, "node endpoints")
	out := make([]nodeEndpoint, n)
	for i := range out {
		out[i].nodeID = r.int32("node id")
		out[i].host = r.string(true, "host")
		out[i].port = r.int32("port")
		out[i].rack = r.string(true, "rack")
		r.tags(nil)
	}
	return out
}

// DecodeResponse decodes a produce response body of version ver with the
// decoder a sink uses for every response, and returns how many partitions
// it answers and how many of those carry an error code; the decoded form
// is recycled at once. bench/floor uses it to include the response side
// of a request shape in its cost.
func DecodeResponse(body []byte, ver int16) (partitions, failed int, err error) {
	resp, err := decodeProduceResponse(body, ver)
	if err != nil {
		return 0, 0, err
	}
	for i := range resp.topics {
		for j := range resp.topics[i].parts {
			partitions++
			if resp.topics[i].parts[j].errCode != 0 {
				failed++
			}
		}
	}
	resp.release()
	return partitions, failed, nil
}
