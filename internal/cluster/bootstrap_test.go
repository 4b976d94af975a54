package cluster

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/samsa-go/samsa/internal/wire"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testResolver maps names to addresses, and addresses to names, as a
// test decides; it records the names looked up.
type testResolver struct {
	mu      sync.Mutex
	hosts   map[string][]string
	names   map[string][]string
	lookups []string
}

func (r *testResolver) set(host string, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hosts == nil {
		r.hosts = map[string][]string{}
	}
	r.hosts[host] = addrs
}

func (r *testResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups = append(r.lookups, host)
	if a, ok := r.hosts[host]; ok {
		return slices.Clone(a), nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (r *testResolver) LookupAddr(_ context.Context, addr string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n, ok := r.names[addr]; ok {
		return slices.Clone(n), nil
	}
	return nil, &net.DNSError{Err: "no PTR record", Name: addr, IsNotFound: true}
}

func (r *testResolver) looked(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.lookups, host)
}

// fakeOn starts a kfake cluster of n brokers listening on ip, on the
// given ports (random ones when nil), holding topic "t".
func fakeOn(t *testing.T, ip string, ports []int, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	listen := kfake.ListenFn(func(network, addr string) (net.Listener, error) {
		_, port, _ := net.SplitHostPort(addr)
		return net.Listen(network, net.JoinHostPort(ip, port))
	})
	opts = append(opts, kfake.NumBrokers(3), kfake.SeedTopics(3, "t"), listen)
	if ports != nil {
		opts = append(opts, kfake.Ports(ports...))
	}
	return fake(t, opts...)
}

func portsOf(t *testing.T, f *kfake.Cluster) []int {
	t.Helper()
	var ports []int
	for _, a := range f.ListenAddrs() {
		_, p, _ := net.SplitHostPort(a)
		n, err := net.LookupPort("tcp", p)
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, n)
	}
	return ports
}

// movingClusters starts cluster A on 127.0.0.1 and cluster B on
// 127.0.0.2 with the same ports, and a resolver mapping kafka.test to A;
// the bootstrap address is kafka.test and A's first port.
func movingClusters(t *testing.T) (a, b *kfake.Cluster, r *testResolver, bootstrap string) {
	a = fakeOn(t, "127.0.0.1", nil)
	ports := portsOf(t, a)
	b = fakeOn(t, "127.0.0.2", ports)
	r = &testResolver{}
	r.set("kafka.test", "127.0.0.1")
	return a, b, r, net.JoinHostPort("kafka.test", a.ListenAddrs()[0][strings.LastIndex(a.ListenAddrs()[0], ":")+1:])
}

func newRecovering(t *testing.T, bootstrap string, r Resolver, rebootstrap bool, after time.Duration, w *wire.Options) *Cluster {
	t.Helper()
	if w == nil {
		w = &wire.Options{ClientID: "cluster-test"}
	}
	c, err := New(Config{
		Bootstrap: []string{bootstrap}, Wire: w, Resolver: r,
		Reconnect: Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond},
		MaxAge:    time.Hour, RefreshBackoff: 10 * time.Millisecond, RefreshBackoffMax: 100 * time.Millisecond,
		Rebootstrap: rebootstrap, RebootstrapAfter: after,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// onCluster waits until c's metadata lists the brokers of ip, refreshing.
func onCluster(ctx context.Context, c *Cluster, ip string) bool {
	for ctx.Err() == nil {
		snap := c.Snapshot()
		all := len(snap.Brokers) == 3
		for _, b := range snap.Brokers {
			all = all && strings.HasPrefix(b.Addr, ip+":")
		}
		if all && snap.Topics["t"] != nil && len(snap.Topics["t"].Partitions) == 3 {
			return true
		}
		c.RequestRefresh()
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// onFirstCluster starts two clusters (movingClusters) and a client of
// the first, with the given strategy, once it has the first's metadata.
func onFirstCluster(t *testing.T, rebootstrap bool) (*kfake.Cluster, *testResolver, *Cluster, context.Context) {
	t.Helper()
	a, _, r, bootstrap := movingClusters(t)
	c := newRecovering(t, bootstrap, r, rebootstrap, time.Minute, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	c.Use("t")
	if !onCluster(ctx, c, "127.0.0.1") {
		t.Fatal("no metadata from the first cluster")
	}
	return a, r, c, ctx
}

// TestRebootstrapWhenEveryBrokerMoved: every broker the client knows is
// gone, and the bootstrap name now resolves to a new cluster: with
// rebootstrap (KIP-899) the client finds it; with none it keeps asking
// the brokers it knew.
func TestRebootstrapWhenEveryBrokerMoved(t *testing.T) {
	for _, rebootstrap := range []bool{true, false} {
		t.Run(map[bool]string{true: "rebootstrap", false: "none"}[rebootstrap], func(t *testing.T) {
			a, r, c, ctx := onFirstCluster(t, rebootstrap)
			r.set("kafka.test", "127.0.0.2")
			a.Close()
			if !rebootstrap {
				short, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				if onCluster(short, c, "127.0.0.2") || c.Rebootstraps() != 0 {
					t.Fatal("metadata.recovery.strategy=none went back to the bootstrap servers")
				}
				return
			}
			if !onCluster(ctx, c, "127.0.0.2") {
				t.Fatalf("never found the cluster the bootstrap name moved to (rebootstraps: %d)", c.Rebootstraps())
			}
			if c.Rebootstraps() < 1 {
				t.Fatal("found the new cluster without a rebootstrap")
			}
		})
	}
}

// TestRebootstrapRequired: a broker answering Metadata with
// REBOOTSTRAP_REQUIRED (KIP-1102) sends the client back to the bootstrap
// servers, which now name another cluster, although the first one still
// answers; with none the answer is a failed refresh.
func TestRebootstrapRequired(t *testing.T) {
	for _, rebootstrap := range []bool{true, false} {
		t.Run(map[bool]string{true: "rebootstrap", false: "none"}[rebootstrap], func(t *testing.T) {
			a, r, c, ctx := onFirstCluster(t, rebootstrap)
			var versions []int16
			var mu sync.Mutex
			a.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
				a.KeepControl()
				resp := req.ResponseKind().(*kmsg.MetadataResponse)
				resp.ErrorCode = codeRebootstrapRequired
				mu.Lock()
				versions = append(versions, req.GetVersion())
				mu.Unlock()
				return resp, nil, true
			})
			r.set("kafka.test", "127.0.0.2")
			if !rebootstrap {
				short, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				if onCluster(short, c, "127.0.0.2") || c.Rebootstraps() != 0 {
					t.Fatal("metadata.recovery.strategy=none rebootstrapped")
				}
				if err := lastErr(c); !errors.Is(err, errRebootstrapRequired) {
					t.Fatalf("refresh error %v, want REBOOTSTRAP_REQUIRED", err)
				}
				return
			}
			if !onCluster(ctx, c, "127.0.0.2") {
				t.Fatalf("REBOOTSTRAP_REQUIRED did not lead to the new cluster (rebootstraps: %d)", c.Rebootstraps())
			}
			mu.Lock()
			defer mu.Unlock()
			if len(versions) == 0 || versions[0] < 13 {
				t.Fatalf("Metadata versions %v: REBOOTSTRAP_REQUIRED needs v13", versions)
			}
		})
	}
}

func lastErr(c *Cluster) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// TestRebootstrapTrigger: the brokers the client knows accept connections
// and answer nothing (their requests would time out only after 30 s);
// after metadata.recovery.rebootstrap.trigger.ms without metadata the
// client rebootstraps instead of waiting them out.
func TestRebootstrapTrigger(t *testing.T) {
	a, _, r, bootstrap := movingClusters(t)
	dialer := faultnet.New(1)
	w := &wire.Options{ClientID: "cluster-test", RequestTimeout: 30 * time.Second, DialTimeout: 30 * time.Second, Dial: dialer.Dial}
	const trigger = time.Second
	c := newRecovering(t, bootstrap, r, true, trigger, w)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c.Use("t")
	if !onCluster(ctx, c, "127.0.0.1") {
		t.Fatal("no metadata from the first cluster")
	}
	for _, addr := range a.ListenAddrs() {
		dialer.Pause(addr)
	}
	r.set("kafka.test", "127.0.0.2")
	start := time.Now()
	// Well within the 30 s a request or dial to a silent broker takes.
	short, cancelShort := context.WithTimeout(ctx, 15*time.Second)
	defer cancelShort()
	if !onCluster(short, c, "127.0.0.2") {
		t.Fatalf("still no metadata %v after the brokers went silent, with a trigger of %v", time.Since(start), trigger)
	}
	t.Logf("rebootstrapped to the new cluster %v after the old one went silent (trigger %v)", time.Since(start).Round(time.Millisecond), trigger)
}

// TestDNSLookup: use_all_dns_ips tries each address of a name in turn;
// resolve_canonical_bootstrap_servers_only bootstraps from the canonical
// names of the bootstrap name's addresses.
func TestDNSLookup(t *testing.T) {
	f := fakeOn(t, "127.0.0.2", nil)
	_, port, _ := net.SplitHostPort(f.ListenAddrs()[0])
	r := &testResolver{names: map[string][]string{"127.0.0.2": {"canonical.test."}}}
	r.set("alias.test", "127.0.0.9", "127.0.0.2") // nothing listens on 127.0.0.9
	r.set("canonical.test", "127.0.0.2")
	var mu sync.Mutex
	var dialed []string
	w := &wire.Options{ClientID: "cluster-test", Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	for _, canonical := range []bool{false, true} {
		mu.Lock()
		dialed = nil
		mu.Unlock()
		c, err := New(Config{Bootstrap: []string{net.JoinHostPort("alias.test", port)}, Wire: w, Resolver: r,
			Reconnect: Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond}, MaxAge: time.Hour,
			RefreshBackoff: 10 * time.Millisecond, CanonicalBootstrap: canonical})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c.Use("t")
		if !onCluster(ctx, c, "127.0.0.2") {
			t.Fatalf("canonical=%v: no metadata", canonical)
		}
		cancel()
		c.mu.Lock()
		var boot []string
		for _, b := range c.boot {
			boot = append(boot, b.Addr())
		}
		c.mu.Unlock()
		c.Close()
		mu.Lock()
		first := slices.Clone(dialed[:min(2, len(dialed))])
		mu.Unlock()
		if canonical {
			// An address without a reverse name stands for itself, as
			// with Java's getCanonicalHostName.
			want := []string{net.JoinHostPort("127.0.0.9", port), net.JoinHostPort("canonical.test", port)}
			if !slices.Equal(boot, want) || !r.looked("canonical.test") {
				t.Fatalf("canonical bootstrap addresses %q, want %q, dialed by name", boot, want)
			}
			continue
		}
		want := []string{net.JoinHostPort("127.0.0.9", port), net.JoinHostPort("127.0.0.2", port)}
		if !slices.Equal(boot, []string{net.JoinHostPort("alias.test", port)}) || !slices.Equal(first, want) {
			t.Fatalf("use_all_dns_ips: bootstrap %q, first dials %q, want %q", boot, first, want)
		}
	}
}
