package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Resolver resolves host names; *net.Resolver is one. Tests give the
// cluster their own, so that a bootstrap name can move to new brokers.
type Resolver interface {
	// LookupHost returns the addresses of host.
	LookupHost(ctx context.Context, host string) ([]string, error)
	// LookupAddr returns the names of an address (a reverse lookup).
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// codeRebootstrapRequired is REBOOTSTRAP_REQUIRED (KIP-1102), the top-level
// error of a Metadata v13+ response from a broker that finds the client's
// metadata too stale to go on with.
const codeRebootstrapRequired = 129

// errRebootstrapRequired is the error of a metadata request a broker
// answered with REBOOTSTRAP_REQUIRED.
var errRebootstrapRequired = errors.New("the broker answered REBOOTSTRAP_REQUIRED: the client's metadata is too stale")

// resolvingDial returns a dial function that resolves a host name with r
// and dials its addresses in turn until one connects
// (client.dns.lookup=use_all_dns_ips), through next.
func resolvingDial(r Resolver, next func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || net.ParseIP(host) != nil {
			return next(ctx, network, addr)
		}
		ips, err := r.LookupHost(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("resolving %s: %w", host, err)
		}
		var errs []error
		for _, ip := range ips {
			c, err := next(ctx, network, net.JoinHostPort(ip, port))
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
		if len(errs) == 0 {
			return nil, fmt.Errorf("resolving %s: no addresses", host)
		}
		return nil, errors.Join(errs...)
	}
}

// bootstrapAddrs returns the addresses to bootstrap from: Config.Bootstrap
// as it is (dials resolve each name and try its addresses in turn), or
// with CanonicalBootstrap each name replaced by the canonical names of
// its addresses (client.dns.lookup=resolve_canonical_bootstrap_servers_only,
// as the Java client resolves them: every address of the name, each
// looked up in reverse).
func (c *Cluster) bootstrapAddrs(ctx context.Context) ([]string, error) {
	if !c.cfg.CanonicalBootstrap {
		return c.cfg.Bootstrap, nil
	}
	var r Resolver = net.DefaultResolver
	if c.cfg.Resolver != nil {
		r = c.cfg.Resolver
	}
	var out, failed []string
	for _, hp := range c.cfg.Bootstrap {
		host, port, err := net.SplitHostPort(hp)
		if err != nil {
			failed = append(failed, hp+": "+err.Error())
			continue
		}
		ips, err := r.LookupHost(ctx, host)
		if err != nil {
			failed = append(failed, hp+": "+err.Error())
			continue
		}
		for _, ip := range ips {
			name := ip
			if names, err := r.LookupAddr(ctx, ip); err == nil && len(names) > 0 {
				name = strings.TrimSuffix(names[0], ".")
			}
			if a := net.JoinHostPort(name, port); !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no bootstrap server could be resolved: %s", strings.Join(failed, "; "))
	}
	if len(failed) > 0 {
		c.log.Warn("some bootstrap servers could not be resolved", "failed", failed)
	}
	return out, nil
}

// rebootstrap starts over from the bootstrap servers (KIP-899): the
// connections to the brokers metadata listed are closed, as the Java
// client disconnects them, and the bootstrap addresses are resolved again
// and asked for metadata until one answers. The brokers stay known, so
// that sinks keep their partitions; the next metadata moves or removes
// them.
func (c *Cluster) rebootstrap(why string) {
	c.log.Info("rebootstrapping: asking the bootstrap servers for metadata again", "why", why, "bootstrap", c.cfg.Bootstrap)
	c.mu.Lock()
	old := c.boot
	c.boot = nil
	known := slices.Collect(mapValues(c.brokers))
	c.mu.Unlock()
	c.bootstrapping.Store(true)
	c.rebootstraps.Add(1)
	for _, b := range old {
		b.close()
	}
	for _, b := range known {
		b.closeConns()
	}
}

// bootBrokers returns the bootstrap brokers, resolving the bootstrap
// servers first after a rebootstrap.
func (c *Cluster) bootBrokers(ctx context.Context) ([]*Broker, error) {
	c.mu.Lock()
	boot := slices.Clone(c.boot)
	c.mu.Unlock()
	if len(boot) > 0 {
		return boot, nil
	}
	addrs, err := c.bootstrapAddrs(ctx)
	if err != nil {
		return nil, err
	}
	for i, addr := range addrs {
		boot = append(boot, newBroker(int32(-1-i), addr, "", c.cfg.Wire, c.cfg.Reconnect))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		for _, b := range boot {
			b.close()
		}
		return nil, ErrClosed
	}
	c.boot = boot
	return slices.Clone(boot), nil
}

// refreshOnce gets the metadata of the topics in use from one broker: one
// of the brokers metadata lists, least loaded first, or while
// bootstrapping one of the bootstrap servers. With Rebootstrap it starts
// over from the bootstrap servers when no listed broker answers, when a
// broker answers REBOOTSTRAP_REQUIRED, or when no metadata could be had
// for RebootstrapAfter (KIP-899, KIP-1102).
func (c *Cluster) refreshOnce(ctx context.Context) error {
	req := c.metadataRequest()
	now := time.Now()
	if c.attemptStart.IsZero() {
		c.attemptStart = now
	}
	if c.bootstrapping.Load() {
		return c.askBootstrap(ctx, req)
	}
	if !c.cfg.Rebootstrap {
		return c.ask(ctx, byLoad(c.knownBrokers(), now), req)
	}
	after := c.cfg.RebootstrapAfter
	why := ""
	if after > 0 && now.Sub(c.attemptStart) >= after {
		why = fmt.Sprintf("no metadata for %v (metadata.recovery.rebootstrap.trigger.ms)", now.Sub(c.attemptStart).Round(time.Millisecond))
	} else {
		pctx, cancel := ctx, context.CancelFunc(func() {})
		if after > 0 {
			pctx, cancel = context.WithDeadline(ctx, c.attemptStart.Add(after))
		}
		err := c.ask(pctx, c.available(now), req)
		expired := pctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return err
		case errors.Is(err, errRebootstrapRequired):
			why = "a broker answered REBOOTSTRAP_REQUIRED"
		case expired:
			why = fmt.Sprintf("no metadata for %v (metadata.recovery.rebootstrap.trigger.ms): %v", after, err)
		default:
			why = "no broker it knows answered: " + err.Error()
		}
	}
	c.rebootstrap(why)
	return c.askBootstrap(ctx, req)
}

// available returns the brokers metadata lists that may be asked now,
// least loaded first: those waiting out a reconnect backoff are left out
// (KIP-899 counts them unavailable), so that when every broker is, the
// producer rebootstraps at once.
func (c *Cluster) available(now time.Time) []*Broker {
	var out []*Broker
	for _, b := range byLoad(c.knownBrokers(), now) {
		if b.standing(now).tier != tierBackoff {
			out = append(out, b)
		}
	}
	return out
}

func (c *Cluster) knownBrokers() []*Broker {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Collect(mapValues(c.brokers))
}

// askBootstrap asks the bootstrap servers for metadata; the first answer
// listing brokers ends the bootstrap.
func (c *Cluster) askBootstrap(ctx context.Context, req *kmsg.MetadataRequest) error {
	boot, err := c.bootBrokers(ctx)
	if err != nil {
		return err
	}
	return c.ask(ctx, byLoad(boot, time.Now()), req)
}

// ask asks one broker after another for metadata until one answers, and
// applies the answer. A REBOOTSTRAP_REQUIRED answer ends the round with
// errRebootstrapRequired when rebootstrapping is on; otherwise it counts
// as that broker's failure.
func (c *Cluster) ask(ctx context.Context, brokers []*Broker, req *kmsg.MetadataRequest) error {
	var errs []error
	for b := range AskOrder(brokers) {
		conn, err := b.Conn(ctx, ControlConn)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		resp, err := conn.Do(ctx, req)
		if err != nil {
			errs = append(errs, fmt.Errorf("metadata from broker %s: %w", b, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		mr := resp.(*kmsg.MetadataResponse)
		if mr.ErrorCode == codeRebootstrapRequired {
			if c.cfg.Rebootstrap && !c.bootstrapping.Load() {
				return fmt.Errorf("metadata from broker %s: %w", b, errRebootstrapRequired)
			}
			errs = append(errs, fmt.Errorf("metadata from broker %s: %w", b, errRebootstrapRequired))
			continue
		}
		c.apply(mr)
		c.attemptStart = time.Time{}
		if len(mr.Brokers) > 0 {
			c.bootstrapping.Store(false)
		}
		return nil
	}
	if len(errs) == 0 {
		return errors.New("no broker to ask for metadata")
	}
	return fmt.Errorf("no broker answered a metadata request: %w", errors.Join(errs...))
}
