package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/samsa-go/samsa/internal/wire"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestLeastLoadedAndSilentBrokers: brokers are ranked for metadata as the
// Java client's leastLoadedNode ranks them: connected ones by requests in
// flight, and a broker whose request timed out last of all until it
// answers again. That timeout closes the broker's other connections, so a
// request waiting there fails at once instead of after its own timeout.
func TestLeastLoadedAndSilentBrokers(t *testing.T) {
	const requestTimeout = time.Second
	f := fake(t, kfake.NumBrokers(3))
	dialer := faultnet.New(1)
	c, err := New(Config{
		Bootstrap: f.ListenAddrs(), Wire: &wire.Options{ClientID: "cluster-test", RequestTimeout: requestTimeout, Dial: dialer.Dial},
		Reconnect: Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		MaxAge:    time.Hour, RefreshBackoff: 10 * time.Millisecond, RefreshBackoffMax: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(c.Snapshot().Brokers) != 3 {
		if ctx.Err() != nil {
			t.Fatal("no metadata")
		}
		time.Sleep(5 * time.Millisecond)
	}
	conns := map[int32][numConnKinds]*wire.Conn{}
	for _, id := range []int32{0, 1, 2} {
		var cs [numConnKinds]*wire.Conn
		for kind := range numConnKinds {
			if cs[kind], err = c.Broker(id).Conn(ctx, kind); err != nil {
				t.Fatal(err)
			}
		}
		conns[id] = cs
	}
	// Broker 1 stops answering; two requests wait on its produce
	// connection, one on its control connection, sent a little later.
	dialer.Pause(f.ListenAddrs()[1])
	ask := func(conn *wire.Conn) chan error {
		done := make(chan error, 1)
		go func() { _, err := conn.Do(ctx, kmsg.NewPtrMetadataRequest()); done <- err }()
		return done
	}
	produce := []chan error{ask(conns[1][ProduceConn]), ask(conns[1][ProduceConn])}
	for conns[1][ProduceConn].InFlight() < 2 {
		time.Sleep(time.Millisecond)
	}
	if order := c.LeastLoaded(); order[2].ID != 1 {
		t.Fatalf("with 2 requests in flight, broker 1 ranks %v, want last", ids(order))
	}
	time.Sleep(requestTimeout / 2)
	control := ask(conns[1][ControlConn])
	for _, done := range produce {
		var te *wire.TimeoutError
		if err := <-done; !errors.As(err, &te) {
			t.Fatalf("request to the paused broker: %v, want a timeout", err)
		}
	}
	// The control request had half its timeout left: it fails now, as the
	// connections of a broker that stopped answering are closed.
	select {
	case err := <-control:
		if err == nil || !strings.Contains(err.Error(), "stopped answering") {
			t.Fatalf("control request: %v, want it cut off as the broker stopped answering", err)
		}
	case <-time.After(requestTimeout / 4):
		t.Fatal("the control request still waits after the broker's produce request timed out")
	}
	if conns[1][ControlConn].Err() == nil {
		t.Fatal("the silent broker's control connection is still open")
	}
	// With no connection open to any broker, broker 1 still ranks last.
	for _, id := range []int32{0, 2} {
		for _, conn := range conns[id] {
			conn.Close()
		}
	}
	for range 20 {
		if order := c.LeastLoaded(); order[2].ID != 1 {
			t.Fatalf("a broker that stopped answering ranks %v, want last", ids(order))
		}
	}
	// Once it answers again (a new connection's ApiVersions), it is a
	// candidate like the others.
	dialer.Resume(f.ListenAddrs()[1])
	if _, err := c.Broker(1).Conn(ctx, ControlConn); err != nil {
		t.Fatal(err)
	}
	if st := c.Broker(1).standing(time.Now()); st.tier != tierConnected || st.inFlight != 0 {
		t.Fatalf("broker 1 after it answered again: %+v", st)
	}
}

func ids(bs []*Broker) []int32 {
	out := make([]int32, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}

// TestMetadataSkipsABrokerSilentSinceRanked: brokers are ranked once per
// metadata round; one whose request timed out after the ranking (the
// refresh was set off by that very timeout's failed requests) is asked
// last, not dialed first: dialing a broker that stopped answering waits
// out a connection timeout before the others are asked (it once did, in
// threenode's TestPausedLeaderStallsAboutOneRequestTimeout).
func TestMetadataSkipsABrokerSilentSinceRanked(t *testing.T) {
	opts := &wire.Options{ClientID: "cluster-test"}
	var ranked []*Broker
	for id := range int32(3) {
		b := newBroker(id, fmt.Sprintf("127.0.0.1:%d", 1+id), "", opts, Backoff{})
		t.Cleanup(b.close)
		ranked = append(ranked, b)
	}
	// Broker 0 was ranked first, then its produce request timed out.
	ranked[0].timedOut(&wire.TimeoutError{Broker: ranked[0].Addr(), APIKey: kmsg.Produce.Int16(), After: time.Second})
	asked := askOrder(ranked)
	if want := []int32{1, 2, 0}; !slices.Equal(asked, want) {
		t.Fatalf("brokers asked in the order %v, want %v (the silent broker last)", asked, want)
	}
	// With every broker silent, the ranking stands.
	for _, b := range ranked[1:] {
		b.timedOut(&wire.TimeoutError{Broker: b.Addr(), APIKey: kmsg.Metadata.Int16(), After: time.Second})
	}
	asked = askOrder(ranked)
	if want := []int32{0, 1, 2}; !slices.Equal(asked, want) {
		t.Fatalf("all silent: brokers asked in the order %v, want %v", asked, want)
	}
}

// askOrder returns the IDs AskOrder yields for ranked, in order.
func askOrder(ranked []*Broker) []int32 {
	var ids []int32
	for b := range AskOrder(ranked) {
		ids = append(ids, b.ID)
	}
	return ids
}
