package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/lockorder"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func newFake(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestDialAndMetadataAgainstKfake(t *testing.T) {
	fake := newFake(t, kfake.SeedTopics(3, "t1"))
	ctx := context.Background()
	c, err := Dial(ctx, fake.ListenAddrs()[0], &Options{ClientID: "wire-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, ok := c.Versions().Max(kmsg.Produce.Int16()); !ok || v < 3 {
		t.Fatalf("produce version %d %v", v, ok)
	}
	req := kmsg.NewPtrMetadataRequest()
	topic := "t1"
	req.Topics = []kmsg.MetadataRequestTopic{{Topic: &topic}}
	resp, err := c.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	md := resp.(*kmsg.MetadataResponse)
	if len(md.Topics) != 1 || len(md.Topics[0].Partitions) != 3 || *md.Topics[0].Topic != "t1" {
		t.Fatalf("unexpected metadata %+v", md.Topics)
	}
	if len(md.Brokers) != 1 {
		t.Fatalf("brokers %+v", md.Brokers)
	}
}

func TestPipelinedRequestsMatchResponses(t *testing.T) {
	fake := newFake(t, kfake.SeedTopics(1, "a", "b", "c"))
	ctx := context.Background()
	c, err := Dial(ctx, fake.ListenAddrs()[0], &Options{MaxInFlight: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			topic := []string{"a", "b", "c"}[i%3]
			req := kmsg.NewPtrMetadataRequest()
			req.Topics = []kmsg.MetadataRequestTopic{{Topic: &topic}}
			resp, err := c.Do(ctx, req)
			if err != nil {
				errs <- err
				return
			}
			if got := *resp.(*kmsg.MetadataResponse).Topics[0].Topic; got != topic {
				errs <- errors.New("asked for " + topic + ", got " + got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// hostile is a fake broker that answers ApiVersions correctly and then
// answers the next request with whatever misbehave writes.
func hostile(t *testing.T, misbehave func(conn net.Conn, corr int32)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				serveHostile(conn, misbehave)
			}()
		}
	}()
	return ln.Addr().String()
}

func readRequest(conn net.Conn) (key int16, corr int32, err error) {
	var size [4]byte
	if _, err = io.ReadFull(conn, size[:]); err != nil {
		return
	}
	buf := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err = io.ReadFull(conn, buf); err != nil {
		return
	}
	return int16(binary.BigEndian.Uint16(buf)), int32(binary.BigEndian.Uint32(buf[4:])), nil
}

// apiVersionsResponse is a fake broker's ApiVersions answer (v3): Produce,
// Metadata and ApiVersions up to the versions kmsg knows, in that order.
func apiVersionsResponse() *kmsg.ApiVersionsResponse {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(3)
	for _, k := range []kmsg.Key{kmsg.Produce, kmsg.Metadata, kmsg.ApiVersions} {
		resp.ApiKeys = append(resp.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: k.Int16(), MaxVersion: k.Request().MaxVersion()})
	}
	return resp
}

func serveHostile(conn net.Conn, misbehave func(net.Conn, int32)) {
	_, corr, err := readRequest(conn)
	if err != nil {
		return
	}
	writeFrame(conn, corr, apiVersionsResponse().AppendTo(nil))
	_, corr, err = readRequest(conn)
	if err != nil {
		return
	}
	misbehave(conn, corr)
	io.Copy(io.Discard, conn)
}

func writeFrame(conn net.Conn, corr int32, body []byte) {
	frame := binary.BigEndian.AppendUint32(nil, uint32(4+len(body)))
	frame = binary.BigEndian.AppendUint32(frame, uint32(corr))
	conn.Write(append(frame, body...))
}

func metadataOnce(t *testing.T, addr string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, &Options{RequestTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	_, err = c.Do(ctx, kmsg.NewPtrMetadataRequest())
	if err == nil {
		t.Fatal("hostile response accepted")
	}
	select {
	case <-c.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("connection not closed after a protocol violation")
	}
	return err
}

func TestHostileServer(t *testing.T) {
	cases := []struct {
		name      string
		misbehave func(net.Conn, int32)
		want      error
	}{
		{"wrong correlation id", func(c net.Conn, corr int32) { writeFrame(c, corr+7, []byte{0, 0, 0, 0}) }, ErrCorrelationMismatch},
		{"2 GiB length prefix", func(c net.Conn, corr int32) {
			c.Write([]byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1})
		}, ErrFrameTooLarge},
		{"negative length prefix", func(c net.Conn, corr int32) { c.Write([]byte{0xff, 0xff, 0xff, 0xf0}) }, ErrMalformedFrame},
		{"truncated frame", func(c net.Conn, corr int32) {
			c.Write([]byte{0, 0, 0, 100, 0, 0, 0, byte(corr)})
			c.(*net.TCPConn).CloseWrite()
		}, ErrMalformedFrame},
		{"frame without correlation id", func(c net.Conn, corr int32) { c.Write([]byte{0, 0, 0, 2, 1, 2}) }, ErrMalformedFrame},
		{"undecodable body", func(c net.Conn, corr int32) { writeFrame(c, corr, []byte{0xff}) }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			err := metadataOnce(t, hostile(t, tc.misbehave))
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Fatalf("allocated %d bytes for a hostile frame", grew)
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestUnsolicitedResponseClosesConnection(t *testing.T) {
	addr := hostile(t, func(c net.Conn, corr int32) {
		writeFrame(c, corr, kmsg.NewPtrMetadataResponse().AppendTo(nil))
		writeFrame(c, corr+1, []byte{0})
	})
	ctx := context.Background()
	c, err := Dial(ctx, addr, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(0)
	if _, err := c.doVersioned(ctx, req, false); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
		if !errors.Is(c.Err(), ErrMalformedFrame) {
			t.Fatalf("closed with %v", c.Err())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("unsolicited response did not close the connection")
	}
}

func TestRequestTimeoutClosesConnection(t *testing.T) {
	addr := hostile(t, func(net.Conn, int32) {}) // never answers
	ctx := context.Background()
	c, err := Dial(ctx, addr, &Options{RequestTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Do(ctx, kmsg.NewPtrMetadataRequest())
	var te *TimeoutError
	if !errors.As(err, &te) || te.APIKey != kmsg.Metadata.Int16() {
		t.Fatalf("got %v, want a Metadata TimeoutError", err)
	}
}

// TestOnTimeoutRunsBeforeRequestsFail: a request timeout is reported
// (Options.OnTimeout: the broker is marked silent) before the requests in
// flight fail, so that what their failure sets off, a metadata refresh
// choosing a broker, already ranks the silent broker last. It once ran
// after: a refresh started by the failed produce requests picked the
// paused leader, still counted as answering, and waited out a second
// request timeout dialing it (threenode's
// TestPausedLeaderStallsAboutOneRequestTimeout, one run in five).
func TestOnTimeoutRunsBeforeRequestsFail(t *testing.T) {
	addr := hostile(t, func(net.Conn, int32) {}) // never answers
	ctx := context.Background()
	var told atomic.Bool
	c, err := Dial(ctx, addr, &Options{RequestTimeout: 100 * time.Millisecond,
		OnTimeout: func(*TimeoutError) { told.Store(true) }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := kmsg.NewPtrMetadataRequest()
	body.SetVersion(0)
	toldFirst := make(chan bool, 1)
	req := &Request{Key: body.Key(), Version: 0, Body: net.Buffers{body.AppendTo(nil)},
		Done: func(_ []byte, err error) int32 {
			var te *TimeoutError
			if !errors.As(err, &te) {
				t.Errorf("request failed with %v, want a TimeoutError", err)
			}
			toldFirst <- told.Load()
			return 0
		}}
	if err := c.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
	if !<-toldFirst {
		t.Fatal("the request failed before OnTimeout was told of its timeout")
	}
}

// TestWriteFailureCallbacksRunUnlocked makes a write fail while another
// request awaits its response: closing the connection fails that request,
// and its callback (the sender's retry takes a partition's mutex) must run
// with no connection lock held. Under -race the lock-order checker sees a
// held writeMu when the callback takes a lower-ranked mutex; the write
// failure once closed the connection under writeMu.
func TestWriteFailureCallbacksRunUnlocked(t *testing.T) {
	if !lockorder.Enabled {
		t.Skip("the lock-order checker runs with -race only")
	}
	addr := hostile(t, func(net.Conn, int32) {}) // never answers
	ctx := context.Background()
	c, err := Dial(ctx, addr, &Options{MaxInFlight: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := kmsg.NewPtrMetadataRequest()
	body.SetVersion(0)
	got := make(chan any, 1)
	first := &Request{Key: body.Key(), Version: 0, Body: net.Buffers{body.AppendTo(nil)},
		Done: func(_ []byte, err error) int32 {
			got <- func() (r any) {
				defer func() {
					if p := recover(); p != nil {
						r = p
					}
				}()
				var m lockorder.Mutex[lockorder.Partition]
				m.Lock()
				m.Unlock() //nolint:staticcheck // empty critical section: only the order matters
				return err
			}()
			return 0
		}}
	if err := c.Send(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := c.nc.SetWriteDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	second := &Request{Key: body.Key(), Version: 0, Body: net.Buffers{body.AppendTo(nil)},
		Done: func([]byte, error) int32 { return 0 }}
	_ = c.Send(ctx, second)
	select {
	case r := <-got:
		if s, ok := r.(string); ok {
			t.Fatalf("the failed request's callback ran under a lock: %s", s)
		}
		if err, _ := r.(error); err == nil {
			t.Fatalf("the first request ended with %v, want the write error", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never ended after the write failure")
	}
}
