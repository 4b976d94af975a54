package samsa

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// movingDNS stands for the DNS name kafka.test: it resolves to cluster A
// (127.0.0.1) until moved, then to cluster B (127.0.0.2, the same ports),
// and A's addresses refuse connections from then on, as brokers that
// went away.
type movingDNS struct {
	dialer *faultnet.Dialer
	moved  atomic.Bool
}

func (d *movingDNS) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host == "kafka.test" {
		host = "127.0.0.1"
		if d.moved.Load() {
			host = "127.0.0.2"
		}
	}
	if host == "127.0.0.1" && d.moved.Load() {
		return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
	}
	return d.dialer.Dial(ctx, network, net.JoinHostPort(host, port))
}

// move points kafka.test at cluster B and cuts every connection to A.
func (d *movingDNS) move() {
	d.moved.Store(true)
	d.dialer.CutAll()
}

// fakeAt starts a kfake cluster listening on ip (on ports, when given).
func fakeAt(t *testing.T, ip string, ports []int, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append(opts, kfake.ListenFn(func(network, addr string) (net.Listener, error) {
		_, port, _ := net.SplitHostPort(addr)
		return net.Listen(network, net.JoinHostPort(ip, port))
	}))
	if ports != nil {
		opts = append(opts, kfake.Ports(ports...))
	}
	return fakeCluster(t, opts...)
}

// readUntilQuiet reads topic from the start until no record came for a
// second, and returns the values.
func readUntilQuiet(t *testing.T, addrs []string, topic string) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		fs.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("fetch: %v", err)
			}
		})
		recs := fs.Records()
		if len(recs) == 0 {
			return out
		}
		for _, r := range recs {
			out = append(out, string(r.Value))
		}
	}
}

// TestRebootstrapWhileProducing: every broker of the cluster moves to new
// addresses behind the same bootstrap name while records are produced and
// in flight. With metadata.recovery.strategy=rebootstrap (the default)
// the producer resolves the name again, finds the new brokers and goes
// on: no record is lost, each is read back from one cluster or the other
// (a record whose answer was cut off may be in both). With none it keeps
// to the brokers it knew and the records time out.
func TestRebootstrapWhileProducing(t *testing.T) {
	for _, strategy := range []MetadataRecovery{MetadataRecoveryRebootstrap, MetadataRecoveryNone} {
		t.Run(strategy.String(), func(t *testing.T) { rebootstrapWhileProducing(t, strategy) })
	}
}

func rebootstrapWhileProducing(t *testing.T, strategy MetadataRecovery) {
	const before, after = 300, 300
	a := fakeAt(t, "127.0.0.1", nil, kfake.NumBrokers(3), kfake.SeedTopics(3, "moving"))
	var ports []int
	for _, addr := range a.ListenAddrs() {
		_, p, _ := net.SplitHostPort(addr)
		n, _ := net.LookupPort("tcp", p)
		ports = append(ports, n)
	}
	b := fakeAt(t, "127.0.0.2", ports, kfake.NumBrokers(3), kfake.SeedTopics(3, "moving"))
	var toB atomic.Int64
	b.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		b.KeepControl()
		toB.Add(1)
		return nil, nil, false
	})
	dns := &movingDNS{dialer: faultnet.New(1)}
	p := testProducer(t, []string{fmt.Sprintf("kafka.test:%d", ports[0])}, func(c *Config) {
		c.Dial = dns.dial
		c.MetadataRecovery = strategy
		c.Idempotence, c.Acks = IdempotenceOff, AcksAll // a producer id means nothing to the new cluster
		c.RequestTimeout, c.DeliveryTimeout = 2*time.Second, 30*time.Second
		if strategy == MetadataRecoveryNone {
			c.DeliveryTimeout = 4 * time.Second
		}
	})
	var (
		mu   sync.Mutex
		errs = map[int]error{}
		done sync.WaitGroup
	)
	produce := func(i int) {
		done.Add(1)
		p.Produce(context.Background(), Record{Topic: "moving", Value: []byte(fmt.Sprint(i))}, func(_ RecordMetadata, err error) {
			mu.Lock()
			errs[i] = err
			mu.Unlock()
			done.Done()
		})
	}
	for i := range before {
		produce(i)
		time.Sleep(time.Millisecond)
	}
	dns.move()
	for i := before; i < before+after; i++ {
		produce(i)
		time.Sleep(time.Millisecond)
	}
	done.Wait()

	if strategy == MetadataRecoveryNone {
		timedOut := 0
		for _, err := range errs {
			if errors.Is(err, ErrDeliveryTimeout) {
				timedOut++
			}
		}
		if timedOut == 0 || toB.Load() != 0 || p.cl.Rebootstraps() != 0 {
			t.Fatalf("metadata.recovery.strategy=none: %d records timed out, %d produce requests reached the new cluster, %d rebootstraps; want the records to time out and the new cluster untouched",
				timedOut, toB.Load(), p.cl.Rebootstraps())
		}
		return
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	seen := map[string]int{}
	fromA := readUntilQuiet(t, a.ListenAddrs(), "moving")
	fromB := readUntilQuiet(t, b.ListenAddrs(), "moving")
	for _, v := range append(fromA, fromB...) {
		seen[v]++
	}
	dups := 0
	for i := range before + after {
		switch n := seen[fmt.Sprint(i)]; {
		case n == 0:
			t.Fatalf("record %d is in neither cluster", i)
		case n > 1:
			dups++
		}
	}
	if p.cl.Rebootstraps() < 1 || len(fromB) < after {
		t.Fatalf("%d rebootstraps, %d records in the new cluster", p.cl.Rebootstraps(), len(fromB))
	}
	if dups > 0 {
		t.Logf("%d records are in both clusters (their answers were cut off with the old cluster)", dups)
	}
	t.Logf("%d records in the old cluster, %d in the new one, %d rebootstraps", len(fromA), len(fromB), p.cl.Rebootstraps())
}
