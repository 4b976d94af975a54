package wire

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// readCounter counts the reads of a connection that returned bytes.
type readCounter struct {
	net.Conn
	reads *atomic.Int32
}

func (r readCounter) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	if n > 0 {
		r.reads.Add(1)
	}
	return n, err
}

// Responses that arrive together are read together: the connection's
// reader used to make two reads per response (length prefix, then body),
// a system call each.
func TestResponsesArrivingTogetherTakeOneRead(t *testing.T) {
	const n = 3
	topics := []string{"a", "b", "c"}
	addr := answerTogether(t, n, func(i int, version int16) []byte {
		resp := kmsg.NewPtrMetadataResponse()
		resp.SetVersion(version)
		topic := topics[i]
		resp.Topics = []kmsg.MetadataResponseTopic{{Topic: &topic}}
		return resp.AppendTo(nil)
	})
	var reads atomic.Int32
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return readCounter{Conn: nc, reads: &reads}, nil
	}
	ctx := context.Background()
	c, err := Dial(ctx, addr, &Options{MaxInFlight: n, Dial: dial})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	before := reads.Load()
	// Requests go out in order on the one connection; the server answers
	// them in the order they came, so each caller gets its own topic back
	// whatever the order of the goroutines.
	var wg sync.WaitGroup
	got := make([]string, n)
	var mu sync.Mutex
	var order int
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := kmsg.NewPtrMetadataRequest()
			req.SetVersion(0)
			resp, err := c.Do(ctx, req)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			if ts := resp.(*kmsg.MetadataResponse).Topics; len(ts) == 1 && ts[0].Topic != nil {
				got[order] = *ts[0].Topic
			}
			order++
			mu.Unlock()
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, g := range got {
		seen[g] = true
	}
	if len(seen) != n {
		t.Fatalf("responses %q, want each of %q once", got, topics)
	}
	if r := reads.Load() - before; r >= 2*n {
		t.Fatalf("%d reads for %d responses that arrived in one write, want fewer than 2 per response", r, n)
	}
}

// answerTogether is a fake broker that answers ApiVersions, then waits
// for n requests and answers them all in one write, the ith response's
// body made by body for the version the request asked for.
func answerTogether(t *testing.T, n int, body func(i int, version int16) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_, corr, err := readRequest(conn)
		if err != nil {
			return
		}
		api := apiVersionsResponse()
		api.ApiKeys[1].MaxVersion = 1 // Metadata v1: the responses below
		_, _ = conn.Write(frameOf(corr, api.AppendTo(nil)))
		var out []byte
		for i := range n {
			if _, corr, err = readRequest(conn); err != nil {
				return
			}
			out = append(out, frameOf(corr, body(i, 1))...)
		}
		_, _ = conn.Write(out)
		_, _ = io.Copy(io.Discard, conn)
	}()
	return ln.Addr().String()
}

// frameOf returns a response frame: length, correlation id, body.
func frameOf(corr int32, body []byte) []byte {
	f := make([]byte, 0, 8+len(body))
	f = append(f, byte((4+len(body))>>24), byte((4+len(body))>>16), byte((4+len(body))>>8), byte(4+len(body)))
	f = append(f, byte(corr>>24), byte(corr>>16), byte(corr>>8), byte(corr))
	return append(f, body...)
}
