package main

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/kerr"
)

// refusedGrace is how long connect keeps trying when every bootstrap
// broker refuses connections or has no address: long enough for a broker
// that is restarting, short enough to be called failing fast.
const refusedGrace = 3 * time.Second

// connWatch is a ConnHook that keeps the outcome of the last dial of each
// broker address, so that connect can say why none could be reached.
type connWatch struct {
	mu        lockorder.Mutex[lockorder.Leaf]
	last      map[string]error // nil: the last dial succeeded
	connected bool
	changed   chan struct{} // closed and replaced at every dial
}

func newConnWatch() *connWatch {
	return &connWatch{last: map[string]error{}, changed: make(chan struct{})}
}

// OnConnect notes a dial's outcome.
func (w *connWatch) OnConnect(c *samsa.ConnEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last[c.Addr] = c.Err
	w.connected = w.connected || c.Err == nil
	close(w.changed)
	w.changed = make(chan struct{})
}

// OnDisconnect is part of samsa.ConnHook; the end of a connection does
// not matter here.
func (w *connWatch) OnDisconnect(*samsa.ConnEvent) {}

// state returns whether a dial succeeded, the last error of each address,
// and a channel closed at the next dial.
func (w *connWatch) state() (bool, map[string]error, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.connected, maps.Clone(w.last), w.changed
}

// awaitCluster waits until a bootstrap broker answers, at most budget. It
// fails sooner when every broker refused the credentials or the TLS
// handshake, or refused connections (or had no DNS entry) for
// refusedGrace. The error names each address and why it failed.
func awaitCluster(ctx context.Context, s *setup, term *termWriter, budget time.Duration) error {
	defer term.clearStatus()
	start := time.Now()
	deadline := time.NewTimer(budget)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last, next := s.conns.state()
		if ok {
			return nil
		}
		d := diagnose(s.servers, last, tlsOn(s.cfg))
		if d.hopeless(time.Since(start)) {
			return d.err(time.Since(start), budget)
		}
		if time.Since(start) > time.Second {
			term.status(fmt.Sprintf("connecting to %s ... %.0fs", strings.Join(s.servers, ","), time.Since(start).Seconds()))
		}
		select {
		case <-tick.C:
		case <-next:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			if ok, last, _ := s.conns.state(); !ok {
				return diagnose(s.servers, last, tlsOn(s.cfg)).err(time.Since(start), budget)
			}
			return nil
		}
	}
}

// tlsOn reports whether cfg connects with TLS.
func tlsOn(cfg samsa.Config) bool {
	return cfg.SecurityProtocol == samsa.SSL || cfg.SecurityProtocol == samsa.SASLSSL
}

// failKind is a class of connection failure.
type failKind int

const (
	failUnknown failKind = iota
	failTimeout
	failRefused
	failDNS
	failTLS
	failSASL
	failNotKafka
)

// brokerFailure is why one bootstrap address could not be used.
type brokerFailure struct {
	addr  string
	kind  failKind
	cause string
}

// diagnosis is the state of every bootstrap address.
type diagnosis []brokerFailure

// dialStep finds the step of a dial the library's error names:
// "connecting to broker ADDR (STEP): ..."; an authentication failure says
// "SASL MECH authentication with broker ADDR failed".
var dialStep = regexp.MustCompile(`broker \S+ \((connect|ApiVersions|SASL)\)|(authentication) with broker`)

func stepOf(err error) string {
	m := dialStep.FindStringSubmatch(err.Error())
	switch {
	case m == nil:
		return ""
	case m[2] != "":
		return "SASL"
	}
	return m[1]
}

// diagnose describes each bootstrap address from the last dial errors;
// tlsOn says the connections use TLS.
func diagnose(servers []string, last map[string]error, tlsOn bool) diagnosis {
	out := make(diagnosis, 0, len(servers))
	for _, s := range servers {
		addr := normalizeAddr(s)
		f := brokerFailure{addr: addr, kind: failTimeout, cause: "no answer yet"}
		if err := last[addr]; err != nil {
			f.kind, f.cause = classify(err, stepOf(err), tlsOn)
		}
		out = append(out, f)
	}
	return out
}

// normalizeAddr writes a bootstrap server as the library does: without a
// listener prefix, with Kafka's port 9092 when none is given.
func normalizeAddr(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		return net.JoinHostPort(strings.Trim(s, "[]"), "9092")
	}
	return s
}

// hopeless reports whether waiting longer cannot help: every broker
// refused the credentials or failed the TLS handshake, or refused
// connections or had no address for refusedGrace.
func (d diagnosis) hopeless(waited time.Duration) bool {
	for _, f := range d {
		switch f.kind {
		case failTLS, failSASL:
		case failRefused, failDNS, failNotKafka:
			if waited < refusedGrace {
				return false
			}
		default:
			return false
		}
	}
	return len(d) > 0
}

// err describes the failure, one line per address.
func (d diagnosis) err(waited, budget time.Duration) error {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot reach the cluster: no bootstrap broker answered within %s (--connect-timeout %g):",
		waited.Round(100*time.Millisecond), budget.Seconds())
	for _, f := range d {
		fmt.Fprintf(&b, "\n  %s: %s", f.addr, f.cause)
	}
	return errors.New(b.String())
}

// classify says what kind of failure err is, in words; step is the
// connection step the library names ("connect", "ApiVersions", "SASL").
func classify(err error, step string, tlsOn bool) (failKind, string) {
	var dns *net.DNSError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var certErr x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var verifyErr *tls.CertificateVerificationError
	inner := innermost(err)
	switch {
	case step == "SASL" || errors.Is(err, kerr.SASLAuthenticationFailed):
		if _, why, ok := strings.Cut(inner, " failed: "); ok {
			inner = why // the broker's words, after the library's preamble
		}
		return failSASL, "SASL authentication failed: " + inner
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return failDNS, fmt.Sprintf("DNS: no such host %q", dns.Name)
		}
		return failDNS, "DNS lookup failed: " + dns.Err
	case errors.Is(err, syscall.ECONNREFUSED):
		return failRefused, "connection refused (is a broker listening on that port?)"
	case errors.As(err, &recErr) || (tlsOn && step == "connect" && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET))):
		return failTLS, "TLS handshake failed: the server did not answer in TLS (a PLAINTEXT listener? check security.protocol)"
	case errors.As(err, &hostErr), errors.As(err, &authErr), errors.As(err, &certErr), errors.As(err, &verifyErr):
		return failTLS, "TLS: the broker's certificate was not accepted: " + inner
	case errors.As(err, &alert):
		return failTLS, "TLS handshake failed: the broker sent alert " + inner
	case errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		return failTimeout, "no answer (timed out; check the address, firewalls and advertised.listeners)"
	case strings.Contains(err.Error(), "frame length"):
		return failNotKafka, notKafka(err.Error())
	case step == "ApiVersions":
		return failUnknown, "connected, but the broker did not answer ApiVersions: " + inner
	}
	return failUnknown, inner
}

// claimedLength finds the frame length the library quotes.
var claimedLength = regexp.MustCompile(`(\d+) bytes claimed`)

// notKafka explains an answer that is not a Kafka frame, recognising
// HTTP ("HTTP" read as a length) and TLS (an alert record's header).
func notKafka(text string) string {
	const what = "the server does not speak Kafka's protocol"
	m := claimedLength.FindStringSubmatch(text)
	if m == nil {
		return what
	}
	n, _ := strconv.ParseUint(m[1], 10, 32)
	switch {
	case n == 0x48545450: // "HTTP"
		return what + ": an HTTP server answered (a proxy, or the wrong port?)"
	case n>>24 == 0x15 && n>>16&0xff == 3: // a TLS alert record
		return what + ": it answered in TLS (set security.protocol=SSL or SASL_SSL)"
	}
	return what + " (wrong port?)"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// innermost returns the text of the deepest error err wraps, which says
// the cause without the layers' prefixes.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
