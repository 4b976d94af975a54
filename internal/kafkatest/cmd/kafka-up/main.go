// Command kafka-up starts a throwaway Apache Kafka cluster on loopback,
// the same way the integration tests do, prints the bootstrap servers of
// each listener and runs until interrupted (Ctrl-C), then removes it.
//
//	go run ./internal/kafkatest/cmd/kafka-up [-nodes 3] [-security] [-version 3.9.2]
//
// The brokers run with kafkatest.DefaultJVMFlags, chosen for a fast start
// (C1 compiler only, serial collector, small heap); -jvm-flag appends flags
// after them, e.g. -jvm-flag -XX:TieredStopAtLevel=4 -jvm-flag -Xmx1g for a
// broker compiled as a production JVM would be, when measuring throughput.
//
// With -prepare it only downloads Kafka into the cache (and builds the
// class-data archive that speeds up the brokers' start) and exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

func main() {
	var (
		nodes    = flag.Int("nodes", 1, "number of broker+controller nodes")
		security = flag.Bool("security", false, "also start SSL, mTLS, SASL_PLAINTEXT and SASL_SSL listeners")
		version  = flag.String("version", "", "Kafka version (default $SAMSA_KAFKA_VERSION or "+kafkatest.DefaultVersion+")")
		txnVer   = flag.Int("transaction-version", 0, "format with this transaction.version (0: Kafka's default)")
		minISR   = flag.Int("min-insync-replicas", 0, "min.insync.replicas (0: Kafka's default)")
		reauth   = flag.Int("reauth-ms", 0, "connections.max.reauth.ms on the SASL listeners (0: off)")
		prepare  = flag.Bool("prepare", false, "only fetch Kafka's jars into the cache and build its class-data archive, then exit")
		props    multiFlag
		jvm      multiFlag
	)
	flag.Var(&props, "prop", "extra server.properties entry key=value (repeatable)")
	flag.Var(&jvm, "jvm-flag", "extra JVM flag for the brokers, after the defaults so it overrides them (repeatable)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *prepare {
		start := time.Now()
		if err := kafkatest.Prepare(ctx, *version); err != nil {
			fail(err)
		}
		dir, err := kafkatest.Fetch(ctx, *version) // cached now: just the path
		if err != nil {
			fail(err)
		}
		fmt.Printf("Kafka prepared in %v; jars in %s\n", time.Since(start).Round(time.Millisecond), dir)
		return
	}

	opts := kafkatest.Options{
		Nodes:              *nodes,
		Version:            *version,
		Security:           *security,
		TransactionVersion: *txnVer,
		MinInsyncReplicas:  *minISR,
		ReauthMs:           *reauth,
		ServerProps:        map[string]string{},
		JVMFlags:           jvm,
	}
	for _, p := range props {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			fail(fmt.Errorf("-prop %q: want key=value", p))
		}
		opts.ServerProps[k] = v
	}
	start := time.Now()
	c, err := kafkatest.Start(ctx, opts)
	if err != nil {
		fail(err)
	}
	defer func() { _ = c.Close() }()
	fmt.Printf("Kafka %s, %d node(s), ready in %v; files in %s\n", c.Version(), len(c.NodeIDs()), time.Since(start).Round(time.Millisecond), c.Dir())
	ls := []kafkatest.Listener{kafkatest.PLAINTEXT}
	if *security {
		ls = append(ls, kafkatest.SSL, kafkatest.MTLS, kafkatest.SASLPlaintext, kafkatest.SASLSSL, kafkatest.SSLWrongHost, kafkatest.SSLExpired)
	}
	for _, l := range ls {
		fmt.Printf("  %-15s %s\n", l, strings.Join(c.Bootstrap(l), ","))
	}
	if *security {
		fmt.Printf("CA %s\nclient certificate %s\nclient key %s\n", c.CAFile(), c.ClientCertFile(), c.ClientKeyFile())
		for _, u := range []kafkatest.User{kafkatest.PlainUser, kafkatest.Scram256User, kafkatest.Scram512User} {
			fmt.Printf("SASL %-13s user %q password %q\n", u.Mechanism, u.Name, u.Password)
		}
	}
	fmt.Println("Ctrl-C stops the cluster.")
	<-ctx.Done()
	fmt.Println("stopping")
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kafka-up:", err)
	os.Exit(1)
}
