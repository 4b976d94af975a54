package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/cmd/samsa/internal/cli"
	"github.com/twmb/franz-go/pkg/kfake"
)

// propArg is one producer setting given on the command line, and the flag
// (or file) that gave it, so that an error about it names what the user
// typed.
type propArg struct {
	from       string // "-X", "--producer-property", "--batch-size", ...
	key, value string
}

// connFlags are the producer settings both commands take.
type connFlags struct {
	bootstrap  string
	configFile string
	// props are -X, --producer-property and --producer-props, in command
	// line order; dedicated are the flags that set one property each
	// (--acks, --batch-size, ...), which win over props, which win over
	// the file.
	props, dedicated   []propArg
	transactionalID    string
	embeddedPartitions int64
	connectTimeout     float64 // seconds; 0: request.timeout.ms
	verbose            bool
	debugContexts      string // -d
	// cli holds the settings the command implements itself (debug,
	// statistics.interval.ms), taken out of the producer's properties.
	cli cliSettings
	// dump asks for the settings in effect instead of a run (-X dump).
	dump bool
}

// define adds the connection flags to fs.
func (c *connFlags) define(fs *cli.FlagSet) {
	fs.Section("Cluster and producer settings")
	fs.String(&c.bootstrap, "--bootstrap-server,--broker-list,-b", "HOST:PORT[,...]",
		"Kafka brokers to connect to (--broker-list is Kafka's old name). Without it (and without bootstrap.servers in a config file or -X) an embedded in-process broker is started.")
	fs.String(&c.configFile, "--producer.config,--producer-config,--command-config,-F", "FILE",
		"Producer settings from a Java properties file (client.properties), with the Java client's names. --command-config is Kafka 4's name, -F kcat's.")
	add := func(name, kv string) error {
		switch kv {
		case "dump":
			c.dump = true
			return nil
		case "list", "help":
			return fmt.Errorf("samsa takes the Java client's property names and some of librdkafka's (see docs/cli.md); %s dump prints the settings in effect", name)
		}
		return c.addProp(&c.props, name, kv)
	}
	fs.NamedFunc("-X", "KEY=VALUE",
		"A producer setting with the Java client's name (acks=all, linger.ms=5, compression.type=lz4, ...) or a librdkafka one kcat users know; also debug=all and statistics.interval.ms=MS. Repeatable; overrides the file.", add)
	fs.NamedFunc("--producer-property", "KEY=VALUE", "As -X (kafka-console-producer's name). Repeatable.", add)
	fs.NamedMulti("--producer-props,--command-property", "KEY=VALUE",
		"As -X, several after one flag as kafka-producer-perf-test takes them (--producer-props acks=all linger.ms=5). --command-property is Kafka 4's name.", add)
	c.defineDedicated(fs, connPropFlags)
	fs.Optional("--compression-codec", "CODEC", "gzip",
		"Compression as kafka-console-producer names it; without a value, gzip.", isCodec, func(name, v string) error {
			c.dedicated = append(c.dedicated, propArg{from: name, key: "compression.type", value: v})
			return nil
		})
	fs.String(&c.transactionalID, "--transactional-id", "ID", "Produce in transactions with this transactional.id.")
	fs.Float(&c.connectTimeout, "--connect-timeout,-m", "SECONDS",
		"Give up when no bootstrap broker answers within SECONDS (default: request.timeout.ms, 30 s; sooner when every broker refuses). -m is kcat's name.")
	fs.Bool(&c.verbose, "--verbose,--debug,-v", "Stream the producer's debug log (connections, metadata, retries) to stderr.")
	fs.String(&c.debugContexts, "-d", "CONTEXTS", "kcat's debug switch: any of librdkafka's debug contexts (all, broker, msg, ...) turns on the whole debug log, as -v.")
	fs.Int(&c.embeddedPartitions, "--embedded-partitions", "N", "Partitions of the embedded broker's topic (default 3).")
}

// isCodec reports whether s names a compression codec.
func isCodec(s string) bool {
	switch strings.ToLower(s) {
	case "none", "gzip", "snappy", "lz4", "zstd":
		return true
	}
	return false
}

// addProp appends the KEY=VALUE setting kv given by flag name to list.
func (c *connFlags) addProp(list *[]propArg, name, kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, such as %s linger.ms=5", name)
	}
	*list = append(*list, propArg{from: name, key: k, value: v})
	return nil
}

// propFlag is a flag that sets one producer property, as Kafka's tools
// have them.
type propFlag struct {
	names, metavar, key, help string
}

// connPropFlags are the property flags both commands take.
var connPropFlags = []propFlag{
	{"--acks,--request-required-acks", "0|1|all|-1", "acks", "Acknowledgements to wait for (acks); --request-required-acks is kafka-console-producer's name."},
	{"--compression,-z", "CODEC", "compression.type", "Compression: none, gzip, snappy, lz4 or zstd (compression.type)."},
}

// defineDedicated defines the property flags in table.
func (c *connFlags) defineDedicated(fs *cli.FlagSet, table []propFlag) {
	for _, pf := range table {
		fs.NamedFunc(pf.names, pf.metavar, pf.help, func(name, v string) error {
			c.dedicated = append(c.dedicated, propArg{from: name, key: pf.key, value: v})
			return nil
		})
	}
}

// properties merges the config file, the -X settings and the dedicated
// flags, later ones winning, and takes out the settings the command
// implements itself. It returns the properties and, for each key, where it
// came from.
func (c *connFlags) properties(e *env, cmd string) (map[string]string, map[string]string, error) {
	props, origin := map[string]string{}, map[string]string{}
	if c.configFile != "" {
		fileProps, err := samsa.LoadProperties(c.configFile)
		if err != nil {
			return nil, nil, fmt.Errorf("--producer.config: %w", err)
		}
		for k, v := range fileProps {
			props[k], origin[k] = v, "--producer.config "+c.configFile
		}
	}
	all := append(append([]propArg(nil), c.props...), c.dedicated...)
	if c.bootstrap != "" {
		all = append(all, propArg{from: "--bootstrap-server", key: "bootstrap.servers", value: c.bootstrap})
	}
	if c.transactionalID != "" {
		all = append(all, propArg{from: "--transactional-id", key: "transactional.id", value: c.transactionalID})
	}
	for _, a := range all {
		props[a.key], origin[a.key] = a.value, a.from
	}
	if err := c.cli.take(props, origin, c.debugContexts); err != nil {
		return nil, nil, err
	}
	noteIgnored(e, cmd, props, origin)
	return props, origin, nil
}

// noteIgnored says on stderr which given settings samsa accepts and
// ignores (those of other clients), so that none is ignored silently.
func noteIgnored(e *env, cmd string, props, origin map[string]string) {
	ignored := map[string]bool{}
	for _, k := range samsa.IgnoredProperties() {
		ignored[k] = true
	}
	var keys []string
	for k := range props {
		if ignored[k] || hasIgnoredPrefix(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(e.stderr, "%s: note: %s (%s) is a setting of another client that samsa accepts and ignores\n", cmd, k, origin[k])
	}
}

func hasIgnoredPrefix(k string) bool {
	for _, p := range samsa.IgnoredPropertyPrefixes() {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// configError rewrites a configuration error to name the flag or file
// that gave the setting, as the user typed it.
func configError(err error, props, origin map[string]string) error {
	var ce *samsa.ConfigError
	if !errors.As(err, &ce) || origin[ce.Key] == "" {
		return err
	}
	from := origin[ce.Key]
	var s string
	switch {
	case isPropListFlag(from) || strings.HasPrefix(from, "--producer.config "):
		s = from + " " + ce.Key
		if ce.Value != "" {
			s += "=" + ce.Value
		}
	default: // a dedicated flag: the user typed its value, not the key
		s = fmt.Sprintf("%s %q (%s)", from, ce.Value, ce.Key)
	}
	s += ": " + ce.Reason
	if ce.Suggestion != "" {
		s += fmt.Sprintf("; did you mean %q?", ce.Suggestion)
	}
	return errors.New(s)
}

// isPropListFlag reports whether flag takes KEY=VALUE settings.
func isPropListFlag(flag string) bool {
	switch flag {
	case "-X", "--producer-property", "--producer-props", "--command-property":
		return true
	}
	return false
}

// hasBootstrap reports whether the flags or config name bootstrap servers.
func (c *connFlags) hasBootstrap(cmd string) (bool, error) {
	props, _, err := c.properties(&env{stderr: discard{}}, cmd)
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(props["bootstrap.servers"]) != "", nil
}

// discard is an io.Writer that drops everything.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// setup is a producer ready to use and what to close after it.
type setup struct {
	producer *samsa.Producer
	cfg      samsa.Config
	embedded *kfake.Cluster // nil when talking to a real cluster
	servers  []string
	conns    *connWatch    // the outcome of each broker dial
	stats    *statsPrinter // nil without statistics.interval.ms
}

// close closes the producer within timeout, then the embedded broker.
func (s *setup) close(timeout time.Duration) error {
	s.stats.stop()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := s.producer.Close(ctx)
	s.closeEmbedded()
	return err
}

func (s *setup) closeEmbedded() {
	if s.embedded != nil {
		s.embedded.Close()
	}
}

// errUsage marks a setup error caused by a flag value (exit status 2).
var errUsage = errors.New("usage")

// errDumped says -X dump printed the settings: the command ends there.
var errDumped = errors.New("dumped")

// connectOpts says how connect builds the producer.
type connectOpts struct {
	cmd   string
	topic string      // created on the embedded broker
	term  *termWriter // where logs and statistics go
	// clientID is the client.id unless one is given: Kafka's tools use
	// their own (console-producer, perf-producer-client), which quotas
	// and broker logs may name.
	clientID string
	mod      func(*samsa.Config) // adjusts the config before the producer is made
	// noWait skips waiting for the cluster (a spool keeps the records).
	noWait bool
}

// connect builds the producer: from the merged properties, or, with no
// bootstrap servers, against an embedded broker that has o.topic, which
// it announces on stderr. With a real cluster it waits until a bootstrap
// broker answers and fails with the reason of each when none does.
func (c *connFlags) connect(ctx context.Context, e *env, o connectOpts) (*setup, error) {
	cfg, props, origin, err := c.config(e, o)
	if err != nil {
		return nil, err
	}
	s := &setup{conns: newConnWatch()}
	cfg.Logger = newDebugLogger(o.cmd, o.term, c.verbose || c.cli.debug)
	cfg.Hooks = append(cfg.Hooks, s.conns)
	if len(cfg.BootstrapServers) == 0 {
		if s.embedded, err = startEmbedded(o.topic, int32(c.embeddedPartitions)); err != nil {
			return nil, err
		}
		cfg.BootstrapServers = s.embedded.ListenAddrs()
		fmt.Fprintf(e.stderr, "%s: no --bootstrap-server given: using an embedded in-process Kafka-compatible broker (kfake) at %s; records are kept in memory and discarded on exit\n",
			o.cmd, strings.Join(cfg.BootstrapServers, ","))
	}
	if o.mod != nil {
		o.mod(&cfg)
	}
	s.servers, s.cfg = cfg.BootstrapServers, cfg
	if s.producer, err = samsa.NewProducer(cfg); err != nil {
		s.closeEmbedded()
		if errors.Is(err, samsa.ErrInvalidConfig) {
			return nil, fmt.Errorf("%w: %w", errUsage, configError(err, props, origin))
		}
		return nil, err
	}
	if s.embedded == nil && !o.noWait {
		if err := awaitCluster(ctx, s, o.term, c.budget(cfg)); err != nil {
			_ = s.close(time.Second)
			return nil, err
		}
	}
	s.stats = startStats(o.cmd, o.term, s.producer, c.cli.statsInterval)
	return s, nil
}

// config builds the producer's configuration from the flags, or prints it
// for -X dump (and returns errDumped).
func (c *connFlags) config(e *env, o connectOpts) (samsa.Config, map[string]string, map[string]string, error) {
	props, origin, err := c.properties(e, o.cmd)
	if err != nil {
		return samsa.Config{}, nil, nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if _, ok := props["client.id"]; !ok && o.clientID != "" {
		props["client.id"] = o.clientID
	}
	cfg, err := samsa.ConfigFromProperties(props)
	if err != nil {
		return cfg, nil, nil, fmt.Errorf("%w: %w", errUsage, configError(err, props, origin))
	}
	if c.dump {
		writeDump(e.stdout, cfg, c.cli)
		return cfg, nil, nil, errDumped
	}
	return cfg, props, origin, nil
}

// budget is how long connect waits for the cluster.
func (c *connFlags) budget(cfg samsa.Config) time.Duration {
	if c.connectTimeout > 0 {
		return time.Duration(c.connectTimeout * float64(time.Second))
	}
	return cfg.RequestTimeout
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
	if errors.Is(err, errDumped) {
		return exitOK
	}
	fmt.Fprintf(e.stderr, "%s: %v\n", cmd, strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
	if errors.Is(err, errUsage) {
		return exitUsage
	}
	return exitFailure
}
