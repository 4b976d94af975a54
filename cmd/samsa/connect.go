package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/cmd/samsa/internal/cli"
	"github.com/twmb/franz-go/pkg/kfake"
)

// connFlags are the producer settings both commands take.
type connFlags struct {
	bootstrap       string
	configFile      string
	props           []string // -X and --producer-props, key=value
	acks            string
	compression     string
	transactionalID string
	// embeddedPartitions is the partition count of the embedded broker's
	// topic.
	embeddedPartitions int64
}

// define adds the connection flags to fs; multiProps makes
// --producer-props take several values, as Kafka's perf tool does.
func (c *connFlags) define(fs *cli.FlagSet) {
	fs.String(&c.bootstrap, "--bootstrap-server,-b", "HOST:PORT[,...]",
		"Kafka brokers to connect to. Without it (and without bootstrap.servers in --producer.config) an embedded in-process broker is started.")
	fs.String(&c.configFile, "--producer.config,--producer-config,--command-config", "FILE",
		"Producer settings from a Java properties file (client.properties), with the Java client's names. --command-config is the same (Kafka 4's name).")
	fs.List(&c.props, "-X", "KEY=VALUE",
		"A producer setting with the Java client's name (acks=all, linger.ms=5, compression.type=lz4, ...). Repeatable; overrides --producer.config.")
	fs.Multi(&c.props, "--producer-props,--command-property", "KEY=VALUE",
		"Producer settings as -X, several after one flag as Kafka's tools take them (--producer-props acks=all linger.ms=5). --command-property is Kafka 4's name.")
	fs.String(&c.acks, "--acks", "0|1|all", "Acknowledgements to wait for (acks).")
	fs.String(&c.compression, "--compression,-z", "CODEC", "Compression: none, gzip, snappy, lz4 or zstd (compression.type).")
	fs.String(&c.transactionalID, "--transactional-id", "ID", "Produce in transactions with this transactional.id.")
	fs.Int(&c.embeddedPartitions, "--embedded-partitions", "N", "Partitions of the embedded broker's topic (default 3).")
}

// properties merges the config file, -X settings and the dedicated flags,
// later ones winning. Errors name the flag or file.
func (c *connFlags) properties() (map[string]string, error) {
	props := map[string]string{}
	if c.configFile != "" {
		fileProps, err := samsa.LoadProperties(c.configFile)
		if err != nil {
			return nil, fmt.Errorf("--producer.config: %w", err)
		}
		props = fileProps
	}
	for _, kv := range c.props {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--producer-props %q: want KEY=VALUE", kv)
		}
		props[strings.TrimSpace(k)] = v
	}
	for key, v := range map[string]string{"bootstrap.servers": c.bootstrap, "acks": c.acks,
		"compression.type": c.compression, "transactional.id": c.transactionalID} {
		if v != "" {
			props[key] = v
		}
	}
	return props, nil
}

// setup is a producer ready to use and what to close after it.
type setup struct {
	producer *samsa.Producer
	embedded *kfake.Cluster // nil when talking to a real cluster
	servers  []string
}

// close closes the producer within timeout, then the embedded broker.
func (s *setup) close(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := s.producer.Close(ctx)
	if s.embedded != nil {
		s.embedded.Close()
	}
	return err
}

// errUsage marks a setup error caused by a flag value (exit status 2).
var errUsage = errors.New("usage")

// connect builds the producer: from the merged properties, or, with no
// bootstrap servers, against an embedded broker that has topic, which it
// announces on e.stderr. mod may adjust the config before the producer
// is made.
func (c *connFlags) connect(e *env, cmd, topic string, mod func(*samsa.Config)) (*setup, error) {
	props, err := c.properties()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	cfg, err := samsa.ConfigFromProperties(props)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	s := &setup{}
	if len(cfg.BootstrapServers) == 0 {
		if s.embedded, err = startEmbedded(topic, int32(c.embeddedPartitions)); err != nil {
			return nil, err
		}
		cfg.BootstrapServers = s.embedded.ListenAddrs()
		fmt.Fprintf(e.stderr, "%s: no --bootstrap-server given: using an embedded in-process Kafka-compatible broker (kfake) at %s; records are kept in memory and discarded on exit\n",
			cmd, strings.Join(cfg.BootstrapServers, ","))
	}
	if mod != nil {
		mod(&cfg)
	}
	s.servers = cfg.BootstrapServers
	if s.producer, err = samsa.NewProducer(cfg); err != nil {
		s.closeEmbedded()
		var ce *samsa.ConfigError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		return nil, err
	}
	return s, nil
}

func (s *setup) closeEmbedded() {
	if s.embedded != nil {
		s.embedded.Close()
	}
}

// startEmbedded starts a one-broker kfake cluster on a free loopback port
// with topic created (partitions of it) and auto-creation of other topics.
func startEmbedded(topic string, partitions int32) (*kfake.Cluster, error) {
	if partitions <= 0 {
		partitions = 3
	}
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(int(partitions))}
	if topic != "" {
		opts = append(opts, kfake.SeedTopics(partitions, topic))
	}
	cl, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded broker: %w", err)
	}
	return cl, nil
}

// connectError prints err and returns the exit status for it.
func connectError(e *env, cmd string, err error) int {
	fmt.Fprintf(e.stderr, "%s: %v\n", cmd, strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
	if errors.Is(err, errUsage) {
		return exitUsage
	}
	return exitFailure
}
