package main

import (
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen starts a loopback TCP server running serve on each connection.
func listen(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return l.Addr().String()
}

// refusedAddr returns a loopback address nothing listens on.
func refusedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// With no broker reachable, both commands fail within seconds, not after
// max.block.ms, with exit status 1 and a line per bootstrap address that
// says why: refused, no such host, an HTTP server, no answer at all.
func TestUnreachableClusterFailsFastNamingEachAddress(t *testing.T) {
	refused := refusedAddr(t)
	httpSrv := listen(t, func(c net.Conn) {
		c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
		time.Sleep(time.Second)
	})
	silent := listen(t, func(c net.Conn) { time.Sleep(30 * time.Second) })
	for _, c := range []struct {
		name    string
		servers string
		args    []string
		want    []string
		within  time.Duration
	}{
		{"refused", refused, nil, []string{refused + ": connection refused"}, 15 * time.Second},
		{"dns and refused", "no-such-host.invalid:9092," + refused, nil,
			[]string{`no-such-host.invalid:9092: DNS: no such host "no-such-host.invalid"`, refused + ": connection refused"}, 15 * time.Second},
		{"http", httpSrv, nil, []string{httpSrv + ": the server does not speak Kafka's protocol: an HTTP server answered"}, 15 * time.Second},
		{"silent, within --connect-timeout", silent, []string{"--connect-timeout", "2"}, []string{silent + ": no answer yet"}, 15 * time.Second},
		{"kcat's -m", silent, []string{"-m", "1.5"}, []string{"s (--connect-timeout 1.5):", silent + ": no answer yet"}, 15 * time.Second},
	} {
		for _, cmd := range [][]string{{"produce", "-t", "x"}, {"perf", "--topic", "x", "--num-records", "10"}} {
			t.Run(c.name+"/"+cmd[0], func(t *testing.T) {
				start := time.Now()
				r := runSamsa(t, "a\n", append(append(cmd, "-b", c.servers), c.args...)...)
				took := time.Since(start)
				if r.code != 1 {
					t.Errorf("exit %d, want 1", r.code)
				}
				if !strings.Contains(r.stderr, "cannot reach the cluster: no bootstrap broker answered within") {
					t.Errorf("stderr does not say the cluster cannot be reached")
				}
				for _, w := range c.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("stderr lacks %q", w)
					}
				}
				checkWaited(t, r.stderr)
				if took > c.within {
					t.Errorf("took %v", took)
				}
			})
		}
	}
}

// waitedFigure is the time the message says was waited, and the budget.
var waitedFigure = regexp.MustCompile(`answered within (\S+) \(--connect-timeout ([0-9.]+)\)`)

// checkWaited checks that the time the message says was waited is a
// duration and, when nothing refused (every address stayed silent, so
// only the budget ended the wait), at least the budget: the figure is
// measured, so how far above depends on the machine's load.
func checkWaited(t *testing.T, stderr string) {
	t.Helper()
	m := waitedFigure.FindStringSubmatch(stderr)
	if m == nil {
		t.Errorf("stderr does not say how long it waited: %q", stderr)
		return
	}
	waited, err := time.ParseDuration(m[1])
	budget, err2 := strconv.ParseFloat(m[2], 64)
	if err != nil || err2 != nil {
		t.Errorf("waited %q or budget %q is not a number", m[1], m[2])
		return
	}
	if !strings.Contains(stderr, "refused") && !strings.Contains(stderr, "DNS") && !strings.Contains(stderr, "HTTP") &&
		waited < time.Duration(budget*float64(time.Second)) {
		t.Errorf("it says it waited %v, less than the --connect-timeout of %gs", waited, budget)
	}
}

// The step of a dial is read from the library's errors.
func TestStepOf(t *testing.T) {
	for text, want := range map[string]string{
		"connecting to broker 127.0.0.1:1 (connect): dial tcp 127.0.0.1:1: connect: connection refused": "connect",
		"connecting to broker h:9092 (ApiVersions): EOF":                                                "ApiVersions",
		"SASL PLAIN authentication with broker h:9092 failed: Invalid username or password":             "SASL",
		"something else": "",
	} {
		if got := stepOf(errors.New(text)); got != want {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
	if got := normalizeAddr("SASL_SSL://broker"); got != "broker:9092" {
		t.Errorf("normalizeAddr: %q", got)
	}
	if !regexp.MustCompile(`TLS`).MatchString(notKafka("frame length prefix above the maximum: 352518912 bytes claimed")) {
		t.Error("a TLS alert is not recognised")
	}
}
