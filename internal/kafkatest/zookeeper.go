package kafkatest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// zkServer is the ZooKeeper server of a cluster in ZooKeeper mode: one
// standalone server (org.apache.zookeeper.server.ZooKeeperServerMain from
// the ZooKeeper jar on Kafka's class path) on a loopback port, under the
// same watchdog as the brokers.
type zkServer struct {
	dir     string
	port    int
	logFile string
	proc    *proc
}

// zkChroot keeps the cluster's znodes under one path, as a shared
// ZooKeeper would.
const zkChroot = "/kafka"

// connect is the brokers' zookeeper.connect.
func (z *zkServer) connect() string {
	return "127.0.0.1:" + strconv.Itoa(z.port) + zkChroot
}

// zkConfig is the server's zoo.cfg: loopback only, a short tick (so that
// the brokers' 6 s sessions are allowed), no admin web server, no
// four-letter commands.
func (z *zkServer) zkConfig() string {
	return fmt.Sprintf(`dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
tickTime=500
minSessionTimeout=1000
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=
`, escapeProp(filepath.Join(z.dir, "data")), z.port)
}

// startZooKeeper writes the server's configuration and starts it, then
// waits until it accepts connections. The brokers create the chroot.
func (c *Cluster) startZooKeeper(ctx context.Context, port int) error {
	z := &zkServer{dir: filepath.Join(c.dir, "zookeeper"), port: port}
	z.logFile = filepath.Join(z.dir, "zookeeper.log")
	if err := os.MkdirAll(filepath.Join(z.dir, "data"), 0o755); err != nil {
		return err
	}
	cfg := filepath.Join(z.dir, "zoo.cfg")
	if err := os.WriteFile(cfg, []byte(z.zkConfig()), 0o644); err != nil {
		return err
	}
	c.zk = z
	args := slices.Concat([]string{c.java}, toolJVMFlags, []string{
		"-Dzookeeper.admin.enableServer=false", c.logFlag(), "-cp", c.classpath,
		"org.apache.zookeeper.server.ZooKeeperServerMain", cfg,
	})
	p, err := startProc(args, z.dir, z.logFile, filepath.Join(z.dir, "jvm.pid"), os.Environ())
	if err != nil {
		return err
	}
	z.proc = p
	wctx, cancel := context.WithTimeout(ctx, c.opts.ReadyTimeout)
	defer cancel()
	var d net.Dialer
	for {
		conn, err := d.DialContext(wctx, "tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			_ = conn.Close()
			return nil
		}
		if p.exited() || wctx.Err() != nil {
			b, _ := os.ReadFile(z.logFile)
			if p.exited() && strings.Contains(string(b), "Address already in use") {
				return errPortTaken
			}
			return fmt.Errorf("kafkatest: ZooKeeper on port %d did not start: %v\n--- last lines of %s ---\n%s",
				port, err, z.logFile, tail(string(b), 40))
		}
		select {
		case <-wctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}
