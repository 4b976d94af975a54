// Command mockcluster runs librdkafka's mock Kafka cluster, through
// confluent-kafka-go, for the rdmock integration tests: an independently
// written Kafka-protocol broker to test samsa against.
//
// It is a module of its own so that confluent-kafka-go (and the C library
// it links) stays out of samsa's go.mod; building it needs cgo and a C
// compiler (gcc and the C library's headers: apt-get install gcc
// libc6-dev).
//
//	mockcluster -brokers 3 -topic events:4
//
// It starts the cluster's brokers on 127.0.0.1, creates the topics,
// prints the bootstrap servers as one line, and runs until its standard
// input reaches end of file (the test closing the pipe, or dying), a
// SIGINT or SIGTERM, or -max-seconds.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// topicFlags collects -topic name:partitions.
type topicFlags []topicSpec

type topicSpec struct {
	name       string
	partitions int
}

func (f *topicFlags) String() string { return fmt.Sprint(*f) }

func (f *topicFlags) Set(v string) error {
	name, n, ok := strings.Cut(v, ":")
	parts, err := strconv.Atoi(n)
	if !ok || name == "" || err != nil || parts < 1 {
		return errors.New("want name:partitions, such as events:4")
	}
	*f = append(*f, topicSpec{name, parts})
	return nil
}

func main() {
	brokers := flag.Int("brokers", 1, "number of brokers")
	maxSeconds := flag.Int("max-seconds", 600, "exit after this many seconds at the latest")
	var topics topicFlags
	flag.Var(&topics, "topic", "create a topic, name:partitions (repeatable)")
	flag.Parse()
	if err := run(*brokers, topics, time.Duration(*maxSeconds)*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "mockcluster:", err)
		os.Exit(1)
	}
}

func run(brokers int, topics topicFlags, limit time.Duration) error {
	if brokers < 1 {
		return errors.New("-brokers must be at least 1")
	}
	mc, err := kafka.NewMockCluster(brokers)
	if err != nil {
		return err
	}
	defer mc.Close()
	for _, t := range topics {
		if err := mc.CreateTopic(t.name, t.partitions, min(3, brokers)); err != nil {
			return fmt.Errorf("creating topic %s: %w", t.name, err)
		}
	}
	fmt.Println(mc.BootstrapServers())

	stop := make(chan string, 3)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		stop <- "standard input closed"
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() { stop <- (<-sig).String() }()
	go func() {
		time.Sleep(limit)
		stop <- "-max-seconds reached"
	}()
	fmt.Fprintln(os.Stderr, "mockcluster: stopping:", <-stop)
	return nil
}
