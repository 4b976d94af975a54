package kafkatest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Listener names one of the listeners every node of a cluster has.
type Listener string

// The listeners. PLAINTEXT is always there (it also carries inter-broker
// traffic); the others exist when Options.Security is set.
const (
	// PLAINTEXT is an unencrypted, unauthenticated listener.
	PLAINTEXT Listener = "PLAINTEXT"
	// SSL is TLS with a server certificate signed by CAFile; client
	// certificates are not asked for.
	SSL Listener = "SSL"
	// MTLS is TLS that requires a client certificate signed by CAFile
	// (ClientCertFile and ClientKeyFile are one).
	MTLS Listener = "MTLS"
	// SASLPlaintext is SASL over plain TCP with the mechanisms PLAIN,
	// SCRAM-SHA-256 and SCRAM-SHA-512 (see PlainUser, Scram256User,
	// Scram512User).
	SASLPlaintext Listener = "SASL_PLAINTEXT"
	// SASLSSL is SASL over TLS (server certificate as for SSL) with the
	// same mechanisms and users as SASLPlaintext.
	SASLSSL Listener = "SASL_SSL"
	// SSLWrongHost is TLS whose server certificate, signed by CAFile, is
	// valid but names only WrongHostName: a client that verifies host
	// names must refuse it.
	SSLWrongHost Listener = "SSL_WRONGHOST"
	// SSLExpired is TLS whose server certificate, signed by CAFile and
	// naming 127.0.0.1 and localhost, expired a day before the cluster
	// started: a client must refuse it.
	SSLExpired Listener = "SSL_EXPIRED"
)

// controllerListener is the KRaft controller listener's name.
const controllerListener = "CONTROLLER"

// securityListeners are the listeners added by Options.Security, with
// their security protocols.
var securityListeners = []struct {
	l     Listener
	proto string
}{
	{SSL, "SSL"},
	{MTLS, "SSL"},
	{SASLPlaintext, "SASL_PLAINTEXT"},
	{SASLSSL, "SASL_SSL"},
	{SSLWrongHost, "SSL"},
	{SSLExpired, "SSL"},
}

// User is a SASL user that the security listeners accept.
type User struct {
	Mechanism string // "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512"
	Name      string
	Password  string
}

// The SASL users of clusters started with Options.Security. Each works
// only with its own mechanism.
var (
	// PlainUser authenticates with SASL/PLAIN (listener JAAS config).
	PlainUser = User{Mechanism: "PLAIN", Name: "plain-user", Password: "plain-secret"}
	// Scram256User authenticates with SCRAM-SHA-256 (created at format
	// time with --add-scram).
	Scram256User = User{Mechanism: "SCRAM-SHA-256", Name: "scram256-user", Password: "scram256-secret"}
	// Scram512User authenticates with SCRAM-SHA-512 (created at format
	// time with --add-scram).
	Scram512User = User{Mechanism: "SCRAM-SHA-512", Name: "scram512-user", Password: "scram512-secret"}
)

// DefaultReadyTimeout bounds the wait for a started or restarted node to
// become ready when Options.ReadyTimeout is zero.
const DefaultReadyTimeout = 120 * time.Second

// Options configures a cluster. The zero value is a single node with a
// PLAINTEXT listener running the default Kafka version.
type Options struct {
	// Nodes is the number of combined broker+controller nodes, with node
	// IDs 1..Nodes. 0 means 1. Tests use 1 or 3.
	Nodes int
	// Version is the Apache Kafka version, e.g. "4.3.1" or "3.9.2".
	// Empty means $SAMSA_KAFKA_VERSION, else DefaultVersion. 3.9 is the
	// oldest version supported.
	Version string
	// Security adds the SSL, MTLS, SASL_PLAINTEXT, SASL_SSL,
	// SSL_WRONGHOST and SSL_EXPIRED listeners.
	Security bool
	// TransactionVersion, when positive, formats the cluster with the
	// feature transaction.version at this level (Kafka 4: 1 is
	// transactions without KIP-890 part 2, 2 with it); negative formats
	// with level 0. 0 keeps Kafka's default: 2 for Kafka 4.x, 0 for 3.9,
	// which offers no other level.
	TransactionVersion int
	// MinInsyncReplicas sets min.insync.replicas; 0 keeps Kafka's
	// default (1).
	MinInsyncReplicas int
	// ReauthMs sets connections.max.reauth.ms on the SASL listeners
	// (KIP-368 re-authentication); 0 leaves it off.
	ReauthMs int
	// ServerProps adds or overrides server.properties entries on every
	// node. They are applied last.
	ServerProps map[string]string
	// Classpath entries are appended to the brokers' class path: test-only
	// broker plugins (see CompileJava), configured through ServerProps.
	Classpath []string
	// JVMFlags are extra JVM flags placed after the package's defaults
	// (see DefaultJVMFlags), so they can override them.
	JVMFlags []string
	// ReadyTimeout bounds the wait for each start or restart to become
	// ready; 0 means DefaultReadyTimeout.
	ReadyTimeout time.Duration
}

// DefaultJVMFlags are the JVM flags every broker runs with, chosen for a
// fast start on a small machine: a small heap, the serial collector, the
// C1 compiler only (half the start-up time of the JVM's defaults on two
// cores, see TestMeasureStartup), few compiler threads. The class-data
// sharing archive flag (see EnvCDS) is added after these.
var DefaultJVMFlags = []string{
	"-Xms256m", "-Xmx768m",
	"-XX:+UseSerialGC",
	"-XX:TieredStopAtLevel=1",
	"-XX:CICompilerCount=2",
	"-Xshare:auto",
	"-XX:-UsePerfData",
	"-XX:+ExitOnOutOfMemoryError",
	"-Djava.awt.headless=true",
	"-Djava.security.egd=file:/dev/./urandom",
}

// toolJVMFlags are the flags for the short-lived StorageTool runs.
var toolJVMFlags = []string{
	"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:-UsePerfData",
	"-Djava.awt.headless=true",
}

// Cluster is a running Kafka cluster on loopback. Its methods are safe
// for concurrent use.
type Cluster struct {
	opts      Options
	version   string
	layout    Layout
	java      string
	classpath string
	dir       string
	clusterID string
	certs     *certSet
	zk        *zkServer // ZooKeeper mode only

	cds     cdsArchives // class-data sharing archives, if any
	dumpCDS bool        // write them at exit instead of reading them

	// How long the last start took to format and from launching the
	// JVMs to ready; for measurements.
	formatTime, readyTime time.Duration

	mu     sync.Mutex
	nodes  []*node
	closed bool
}

// node is one combined broker+controller.
type node struct {
	id      int32
	dir     string // the node's directory: config, log, data
	config  string
	logFile string
	ports   map[Listener]int
	ctrl    int    // controller port
	dirID   string // metadata log directory id (KIP-858)
	proc    *proc
}

// normalize fills in defaults.
func (o Options) normalize() (Options, error) {
	if o.Nodes == 0 {
		o.Nodes = 1
	}
	if o.Nodes < 0 {
		return o, fmt.Errorf("kafkatest: Options.Nodes is %d", o.Nodes)
	}
	o.Version = resolveVersion(o.Version)
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = DefaultReadyTimeout
	}
	return o, nil
}

// findJava returns $JAVA_HOME/bin/java if it exists, else java on PATH.
func findJava() (string, error) {
	return findJDKTool("java", "a Java 17+ runtime, e.g. apt-get install openjdk-17-jre-headless")
}

// findJDKTool finds a JDK command: in $JAVA_HOME/bin, else on the PATH.
func findJDKTool(name, install string) (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		p := filepath.Join(home, "bin", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("kafkatest: %s not found (install %s): %w", name, install, err)
	}
	return p, nil
}

// errPortTaken marks a start that failed because a port we picked was
// taken by someone else in between; Start then retries with new ports.
var errPortTaken = errors.New("kafkatest: a listener port was taken")

// Start fetches Kafka if needed, formats and starts a cluster, and waits
// until every node answers Metadata listing every node. The caller must
// Close it; its JVMs also die when the calling process exits in any way.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	base, err := prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		c := &Cluster{
			opts:      opts,
			version:   base.version,
			layout:    base.layout,
			java:      base.java,
			classpath: base.classpath,
			cds:       base.cds,
		}
		err := c.start(ctx)
		if err == nil {
			return c, nil
		}
		_ = c.Close()
		if attempt < 3 && errors.Is(err, errPortTaken) {
			continue
		}
		return nil, err
	}
}

// Prepare does the slow one-time work for a Kafka version (empty: the
// default) ahead of Start: it fetches the jars into the cache and builds
// the class-data sharing archive (see EnvCDS). Start does the same when
// needed, so calling Prepare is optional; CI calls it up front.
func Prepare(ctx context.Context, version string) error {
	opts, err := Options{Version: version}.normalize()
	if err != nil {
		return err
	}
	_, err = prepare(ctx, opts)
	return err
}

// prepare returns a template Cluster with the version, Java, class path
// and CDS archives filled in.
func prepare(ctx context.Context, opts Options) (*Cluster, error) {
	layout, err := LayoutOf(opts.Version)
	if err != nil {
		return nil, err
	}
	if opts.Security && layout.Mode == ZooKeeper {
		// Before 3.x's later releases a PEM key store needs an encrypted
		// key (ssl.key.password), and SCRAM users need ZooKeeper tools.
		return nil, fmt.Errorf("kafkatest: Kafka %s runs in ZooKeeper mode here, which has no security listeners: Options.Security needs Kafka 3.5 or newer", opts.Version)
	}
	if opts.TransactionVersion != 0 && !layout.hasTransactionVersion() {
		return nil, fmt.Errorf("kafkatest: Kafka %s has no transaction.version feature to format with (Kafka 4.0 brought it); leave Options.TransactionVersion 0", opts.Version)
	}
	java, err := findJava()
	if err != nil {
		return nil, err
	}
	libs, err := Fetch(ctx, opts.Version)
	if err != nil {
		return nil, err
	}
	jars, err := listJars(libs)
	if err != nil {
		return nil, err
	}
	base := &Cluster{
		opts:      opts,
		version:   opts.Version,
		layout:    layout,
		java:      java,
		classpath: strings.Join(jars, string(os.PathListSeparator)),
	}
	if base.cds, err = ensureCDS(ctx, base, libs); err != nil {
		return nil, err
	}
	return base, nil
}

// newUUID returns a random Kafka Uuid in its base64 form (what
// kafka-storage random-uuid prints), avoiding a leading '-'.
func newUUID() string {
	for {
		var b [16]byte
		_, _ = rand.Read(b[:])
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		s := base64.RawURLEncoding.EncodeToString(b[:])
		if s[0] != '-' {
			return s
		}
	}
}

// Each cluster directory is os.TempDir()/samsa-kafka-* and names the
// process that made it in its owner file. A process that dies without
// Close (SIGKILL, a test time-out) leaves its directory behind; the next
// Start anywhere on the machine removes it.
const (
	tempPrefix = "samsa-kafka-"
	ownerFile  = "owner.pid"
)

// removeStaleDirs removes cluster directories whose owner process is gone.
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			continue // being created, or not ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: ask the kernel
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// freePorts reserves n distinct loopback ports. The kernel hands out
// each, and they are released together just before the JVMs bind them.
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (c *Cluster) listeners() []Listener {
	ls := []Listener{PLAINTEXT}
	if c.opts.Security {
		for _, s := range securityListeners {
			ls = append(ls, s.l)
		}
	}
	return ls
}

func (c *Cluster) start(ctx context.Context) error {
	removeStaleDirs()
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return err
	}
	c.dir = dir
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	c.clusterID = newUUID()
	if c.opts.Security {
		if c.certs, err = newCertSet(filepath.Join(dir, "tls")); err != nil {
			return fmt.Errorf("kafkatest: generating certificates: %w", err)
		}
	}
	ls := c.listeners()
	// Per node its listeners and a controller port; one more for
	// ZooKeeper.
	ports, err := freePorts(c.opts.Nodes*(len(ls)+1) + 1)
	if err != nil {
		return err
	}
	zkPort, ports := ports[0], ports[1:]
	for i := range c.opts.Nodes {
		n := &node{
			id:    int32(i + 1),
			dir:   filepath.Join(dir, "node"+strconv.Itoa(i+1)),
			ports: map[Listener]int{},
			dirID: newUUID(),
		}
		n.config = filepath.Join(n.dir, "server.properties")
		n.logFile = filepath.Join(n.dir, "kafka.log")
		for _, l := range ls {
			n.ports[l], ports = ports[0], ports[1:]
		}
		n.ctrl, ports = ports[0], ports[1:]
		if err := os.MkdirAll(filepath.Join(n.dir, "data"), 0o755); err != nil {
			return err
		}
		c.nodes = append(c.nodes, n)
	}
	if err := c.writeLogConfig(); err != nil {
		return err
	}
	if c.layout.Mode == ZooKeeper {
		c.zk = &zkServer{port: zkPort} // started below, under the lock
	}
	for _, n := range c.nodes {
		if err := os.WriteFile(n.config, []byte(c.serverProperties(n)), 0o644); err != nil {
			return err
		}
	}

	// Only one cluster of this machine formats and starts at a time, so
	// that parallel test binaries on a small machine do not starve each
	// other's JVMs into the ready timeout.
	root, err := cacheRoot()
	if err != nil {
		return err
	}
	unlock, err := lockFile(ctx, filepath.Join(root, "start.lock"))
	if err != nil {
		return err
	}
	defer unlock()

	t0 := time.Now()
	if c.layout.Mode == ZooKeeper {
		if err := c.startZooKeeper(ctx, zkPort); err != nil {
			return err
		}
	} else if err := c.format(ctx); err != nil {
		return err
	}
	c.formatTime = time.Since(t0)
	t0 = time.Now()
	c.mu.Lock()
	for _, n := range c.nodes { // start all before waiting on any
		if err := c.startNode(n); err != nil {
			c.mu.Unlock()
			return err
		}
	}
	c.mu.Unlock()
	if err := c.waitReady(ctx, c.opts.ReadyTimeout, nil); err != nil {
		return err
	}
	c.readyTime = time.Since(t0)
	return nil
}

// format runs kafka-storage format on every node, in parallel.
func (c *Cluster) format(ctx context.Context) error {
	var quorum []string
	switch {
	case c.layout.Mode == KRaftStatic:
		// The voters are in controller.quorum.voters.
	case len(c.nodes) == 1:
		quorum = []string{"--standalone"}
	default:
		var voters []string
		for _, n := range c.nodes {
			voters = append(voters, fmt.Sprintf("%d@127.0.0.1:%d:%s", n.id, n.ctrl, n.dirID))
		}
		quorum = []string{"--initial-controllers", strings.Join(voters, ",")}
	}
	errs := make([]error, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		args := slices.Concat(toolJVMFlags, c.cdsFlag(c.cds.tool), []string{c.logFlag(), "-cp", c.classpath,
			"kafka.tools.StorageTool", "format",
			"--cluster-id", c.clusterID,
			"--config", n.config,
		}, quorum)
		if c.opts.Security {
			for _, u := range []User{Scram256User, Scram512User} {
				args = append(args, "--add-scram", fmt.Sprintf("%s=[name=%s,password=%s]", u.Mechanism, u.Name, u.Password))
			}
		}
		if tv := c.opts.TransactionVersion; tv != 0 {
			args = append(args, "--feature", "transaction.version="+strconv.Itoa(max(tv, 0)))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, c.java, args...)
			cmd.Dir = n.dir
			out, err := cmd.CombinedOutput()
			_ = os.WriteFile(filepath.Join(n.dir, "format.log"), out, 0o644)
			if err != nil {
				errs[i] = fmt.Errorf("kafkatest: formatting node %d failed: %w\n%s", n.id, err, tail(string(out), 30))
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// startNode starts n's JVM. c.mu must be held.
func (c *Cluster) startNode(n *node) error {
	cp := strings.Join(append([]string{c.classpath}, c.opts.Classpath...), string(os.PathListSeparator))
	args := slices.Concat([]string{c.java}, DefaultJVMFlags, c.cdsFlag(c.cds.broker), c.opts.JVMFlags,
		[]string{c.logFlag(), "-cp", cp, "kafka.Kafka", n.config})
	p, err := startProc(args, n.dir, n.logFile, filepath.Join(n.dir, "jvm.pid"), os.Environ())
	if err != nil {
		return err
	}
	n.proc = p
	return nil
}

// Version returns the Kafka version the cluster runs.
func (c *Cluster) Version() string { return c.version }

// Dir returns the cluster's temporary directory: per node a directory
// with server.properties, kafka.log (the JVM's output) and data/.
func (c *Cluster) Dir() string { return c.dir }

// NodeIDs returns the node IDs, 1..N.
func (c *Cluster) NodeIDs() []int32 {
	ids := make([]int32, len(c.nodes))
	for i, n := range c.nodes {
		ids[i] = n.id
	}
	return ids
}

func (c *Cluster) node(id int32) (*node, error) {
	if id < 1 || int(id) > len(c.nodes) {
		return nil, fmt.Errorf("kafkatest: no node %d (nodes are 1..%d)", id, len(c.nodes))
	}
	return c.nodes[id-1], nil
}

func (c *Cluster) mustListener(l Listener) {
	if l == PLAINTEXT {
		return
	}
	if !c.opts.Security {
		panic(fmt.Sprintf("kafkatest: listener %s needs Options.Security", l))
	}
	for _, s := range securityListeners {
		if s.l == l {
			return
		}
	}
	panic(fmt.Sprintf("kafkatest: unknown listener %q", l))
}

// Addr returns host:port of listener l on node id. It panics if the
// node or listener does not exist.
func (c *Cluster) Addr(id int32, l Listener) string {
	c.mustListener(l)
	n, err := c.node(id)
	if err != nil {
		panic(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ports[l]))
}

// Bootstrap returns host:port of listener l on every node, stopped
// nodes included. It panics if the listener does not exist.
func (c *Cluster) Bootstrap(l Listener) []string {
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = c.Addr(n.id, l)
	}
	return addrs
}

// Running reports whether node id's JVM is running.
func (c *Cluster) Running(id int32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	return err == nil && n.proc != nil && !n.proc.exited()
}

// Kill kills node id's JVM with SIGKILL and waits until it is gone.
func (c *Cluster) Kill(id int32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	if n.proc != nil {
		n.proc.kill()
	}
	return nil
}

// Stop stops node id gracefully with SIGTERM and waits for the JVM to
// exit, killing it if ctx ends first.
func (c *Cluster) Stop(ctx context.Context, id int32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(id)
	if err != nil {
		return err
	}
	return c.stopNode(ctx, n)
}

func (c *Cluster) stopNode(ctx context.Context, n *node) error {
	if n.proc == nil || n.proc.exited() {
		return nil
	}
	timeout := 60 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	return n.proc.terminate(timeout)
}

// Restart starts node id again on the same ports and data directory
// (stopping it first if it runs) and waits until it is ready and every
// running node sees it.
func (c *Cluster) Restart(ctx context.Context, id int32) error {
	c.mu.Lock()
	n, err := c.node(id)
	if err == nil && c.closed {
		err = errors.New("kafkatest: cluster is closed")
	}
	if err == nil {
		err = c.stopNode(ctx, n)
	}
	if err == nil {
		err = c.startNode(n)
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.waitReady(ctx, c.opts.ReadyTimeout, nil)
}

// WaitReady waits until every running node answers Metadata listing
// every running node, bounded by ctx and Options.ReadyTimeout.
func (c *Cluster) WaitReady(ctx context.Context) error {
	return c.waitReady(ctx, c.opts.ReadyTimeout, nil)
}

// waitReady waits for the running nodes (or only those in ids, if set)
// to be ready.
func (c *Cluster) waitReady(ctx context.Context, timeout time.Duration, ids []int32) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c.mu.Lock()
	var running []*node
	for _, n := range c.nodes {
		if n.proc != nil && !n.proc.exited() && (ids == nil || slices.Contains(ids, n.id)) {
			running = append(running, n)
		}
	}
	c.mu.Unlock()
	want := map[int32]bool{}
	for _, n := range running {
		want[n.id] = true
	}
	for _, n := range running {
		if err := c.waitNode(ctx, n, want); err != nil {
			return err
		}
	}
	return nil
}

// waitNode waits until n answers ApiVersions and Metadata with all of
// want among its brokers, and accepts connections on every listener.
func (c *Cluster) waitNode(ctx context.Context, n *node, want map[int32]bool) error {
	start := time.Now()
	var last error
	for {
		c.mu.Lock()
		p := n.proc
		c.mu.Unlock()
		if p.exited() {
			return c.nodeErr(n, fmt.Errorf("JVM exited: %v", p.err))
		}
		last = c.checkNode(ctx, n, want)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return c.nodeErr(n, fmt.Errorf("not ready after %v: %v (last probe: %v)",
				time.Since(start).Round(time.Millisecond), ctx.Err(), last))
		case <-p.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) checkNode(ctx context.Context, n *node, want map[int32]bool) error {
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	md, err := probe(pctx, c.Addr(n.id, PLAINTEXT), []string{})
	if err != nil {
		return err
	}
	have := map[int32]bool{}
	for _, b := range md.Brokers {
		have[b.NodeID] = true
	}
	for id := range want {
		if !have[id] {
			return fmt.Errorf("metadata lists brokers %v, missing %d", sortedIDs(have), id)
		}
	}
	var d net.Dialer
	for _, l := range c.listeners()[1:] {
		conn, err := d.DialContext(pctx, "tcp", c.Addr(n.id, l))
		if err != nil {
			return fmt.Errorf("listener %s: %w", l, err)
		}
		_ = conn.Close()
	}
	return nil
}

func sortedIDs(m map[int32]bool) []int32 {
	var ids []int32
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// nodeErr wraps err with the node's identity and the tail of its log.
func (c *Cluster) nodeErr(n *node, err error) error {
	logTail := c.LogTail(n.id, 60)
	e := fmt.Errorf("kafkatest: Kafka %s node %d (%s): %w\n--- last lines of %s ---\n%s",
		c.version, n.id, n.dir, err, n.logFile, logTail)
	if strings.Contains(logTail, "Address already in use") {
		return errors.Join(errPortTaken, e)
	}
	return e
}

// LogTail returns the last n lines of node id's log (the JVM's output).
func (c *Cluster) LogTail(id int32, n int) string {
	nd, err := c.node(id)
	if err != nil {
		return err.Error()
	}
	b, err := os.ReadFile(nd.logFile)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return tail(string(b), n)
}

// CAFile returns the PEM file of the CA that signed every certificate
// of the cluster. Empty without Options.Security.
func (c *Cluster) CAFile() string { return c.certFile(func(s *certSet) string { return s.caCert }) }

// ClientCertFile returns the PEM client certificate (with the CA) that
// the MTLS listener accepts. Empty without Options.Security.
func (c *Cluster) ClientCertFile() string {
	return c.certFile(func(s *certSet) string { return s.clientCert })
}

// ClientKeyFile returns the PEM (PKCS#8) key of ClientCertFile.
func (c *Cluster) ClientKeyFile() string {
	return c.certFile(func(s *certSet) string { return s.clientKey })
}

func (c *Cluster) certFile(f func(*certSet) string) string {
	if c.certs == nil {
		return ""
	}
	return f(c.certs)
}

// Close kills every node and removes the cluster's directory. It is safe
// to call more than once.
func (c *Cluster) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	for _, n := range c.nodes {
		if n.proc != nil {
			n.proc.kill()
		}
	}
	if c.zk != nil && c.zk.proc != nil {
		c.zk.proc.kill()
	}
	if c.dir == "" {
		return nil
	}
	return os.RemoveAll(c.dir)
}
