package kafkatest

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewUUID(t *testing.T) {
	for range 1000 {
		u := newUUID()
		b, err := base64.RawURLEncoding.DecodeString(u)
		if err != nil || len(b) != 16 || len(u) != 22 || u[0] == '-' {
			t.Fatalf("bad uuid %q: %v", u, err)
		}
	}
}

func TestVersions(t *testing.T) {
	for v, want := range map[string]Layout{
		"4.3.1": {4, 3, KRaftDynamic, true},
		"4.0.2": {4, 0, KRaftDynamic, true},
		"3.9.2": {3, 9, KRaftDynamic, false},
		"3.6.2": {3, 6, KRaftStatic, false},
		"3.5.0": {3, 5, KRaftStatic, false},
		"3.4.1": {3, 4, ZooKeeper, false},
		"3.0.2": {3, 0, ZooKeeper, false},
		"2.8.2": {2, 8, ZooKeeper, false},
	} {
		got, err := LayoutOf(v)
		if err != nil || got != want {
			t.Errorf("LayoutOf(%s) = %+v, %v; want %+v", v, got, err, want)
		}
	}
	for _, v := range []string{"2.7.2", "1.1.0", "0.11.0", "x", "3"} {
		if l, err := LayoutOf(v); err == nil {
			t.Errorf("LayoutOf(%s) accepted: %+v", v, l)
		}
	}
	t.Setenv(EnvVersion, "3.9.2")
	if got := resolveVersion(""); got != "3.9.2" {
		t.Errorf("resolveVersion with env = %s", got)
	}
	if got := resolveVersion("4.0.0"); got != "4.0.0" {
		t.Errorf("resolveVersion(4.0.0) = %s", got)
	}
	pom := pomFor("3.9.2", false)
	if !strings.Contains(pom, "reload4j") || strings.Contains(pom, "log4j-slf4j-impl") {
		t.Errorf("3.9 pom:\n%s", pom)
	}
	if pom := pomFor("4.3.1", true); !strings.Contains(pom, "log4j-slf4j-impl") {
		t.Errorf("4.x pom:\n%s", pom)
	}
}

func TestCacheRoot(t *testing.T) {
	t.Setenv(EnvCache, "")
	t.Setenv("XDG_CACHE_HOME", "/x/cache")
	if got, _ := cacheRoot(); got != "/x/cache/samsa/kafka" {
		t.Errorf("cacheRoot = %s", got)
	}
	t.Setenv(EnvCache, "/y")
	if got, _ := cacheRoot(); got != "/y" {
		t.Errorf("cacheRoot = %s", got)
	}
}

func TestCertificates(t *testing.T) {
	dir := t.TempDir()
	cs, err := newCertSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	load := func(p string) []*x509.Certificate {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var certs []*x509.Certificate
		for {
			var blk *pem.Block
			blk, b = pem.Decode(b)
			if blk == nil {
				return certs
			}
			switch blk.Type {
			case "CERTIFICATE":
				c, err := x509.ParseCertificate(blk.Bytes)
				if err != nil {
					t.Fatal(err)
				}
				certs = append(certs, c)
			case "PRIVATE KEY": // PKCS#8, as Kafka wants
				if _, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("%s: unexpected PEM block %s", p, blk.Type)
			}
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(load(cs.caCert)[0])
	verify := func(p, host string, usage x509.ExtKeyUsage) error {
		c := load(p)[0]
		_, err := c.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}})
		return err
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if err := verify(cs.brokerStore, host, x509.ExtKeyUsageServerAuth); err != nil {
			t.Errorf("broker for %s: %v", host, err)
		}
		if err := verify(cs.wrongHostStore, host, x509.ExtKeyUsageServerAuth); err == nil {
			t.Errorf("wrong-host certificate verified for %s", host)
		}
		if err := verify(cs.expiredStore, host, x509.ExtKeyUsageServerAuth); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Errorf("expired certificate for %s: %v", host, err)
		}
	}
	if err := verify(cs.wrongHostStore, WrongHostName, x509.ExtKeyUsageServerAuth); err != nil {
		t.Errorf("wrong-host certificate for its own name: %v", err)
	}
	if err := verify(cs.clientCert, "", x509.ExtKeyUsageClientAuth); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if _, err := loadPair(cs.clientCert, cs.clientKey); err != nil {
		t.Error(err)
	}
	if c := load(cs.expiredStore)[0]; !c.NotAfter.Before(time.Now()) {
		t.Errorf("expired certificate valid until %v", c.NotAfter)
	}
}

func TestServerProperties(t *testing.T) {
	c := &Cluster{
		opts:    Options{Nodes: 3, Security: true, ReauthMs: 5000, MinInsyncReplicas: 2, ServerProps: map[string]string{"num.io.threads": "4"}},
		version: "4.3.1",
		layout:  Layout{Major: 4, Minor: 3, Mode: KRaftDynamic, Log4j2: true},
		certs:   &certSet{brokerStore: "/b.pem", caCert: "/ca.pem", wrongHostStore: "/w.pem", expiredStore: "/e.pem"},
	}
	for i := range 3 {
		n := &node{id: int32(i + 1), dir: filepath.Join("/n", string(rune('1'+i))), ports: map[Listener]int{}, ctrl: 9000 + i}
		for j, l := range c.listeners() {
			n.ports[l] = 10000 + 100*i + j
		}
		c.nodes = append(c.nodes, n)
	}
	p := c.serverProperties(c.nodes[1])
	for _, want := range []string{
		"node.id=2\n",
		"process.roles=broker,controller\n",
		"controller.quorum.bootstrap.servers=127.0.0.1:9000,127.0.0.1:9001,127.0.0.1:9002\n",
		"broker.heartbeat.interval.ms=500\n",
		"broker.session.timeout.ms=6000\n",
		"offsets.topic.replication.factor=3\n",
		"transaction.state.log.min.isr=2\n",
		"default.replication.factor=3\n",
		"min.insync.replicas=2\n",
		"num.io.threads=4\n",
		"listener.name.mtls.ssl.client.auth=required\n",
		"listener.name.sasl_ssl.connections.max.reauth.ms=5000\n",
		"listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_plain-user=\"plain-secret\";\n",
		"CONTROLLER://127.0.0.1:9001",
		"SASL_SSL:SASL_SSL",
		"SSL_EXPIRED:SSL",
	} {
		if !strings.Contains(p, want) {
			t.Errorf("server.properties lacks %q:\n%s", want, p)
		}
	}
	if strings.Contains(p, "advertised.listeners=CONTROLLER") || strings.Contains(p, "controller.quorum.voters") {
		t.Errorf("unexpected entries:\n%s", p)
	}

	// Kafka 3.5 to 3.8: a static quorum.
	c.layout = Layout{Major: 3, Minor: 6, Mode: KRaftStatic}
	p = c.serverProperties(c.nodes[1])
	if !strings.Contains(p, "controller.quorum.voters=1@127.0.0.1:9000,2@127.0.0.1:9001,3@127.0.0.1:9002\n") ||
		strings.Contains(p, "controller.quorum.bootstrap.servers") || strings.Contains(p, "share.coordinator") {
		t.Errorf("static quorum:\n%s", p)
	}

	// ZooKeeper mode: no KRaft roles, no controller listener.
	c.layout = Layout{Major: 2, Minor: 8, Mode: ZooKeeper}
	c.zk = &zkServer{port: 2181}
	p = c.serverProperties(c.nodes[1])
	for _, want := range []string{"broker.id=2\n", "zookeeper.connect=127.0.0.1:2181/kafka\n", "zookeeper.session.timeout.ms=6000\n"} {
		if !strings.Contains(p, want) {
			t.Errorf("ZooKeeper mode lacks %q:\n%s", want, p)
		}
	}
	for _, bad := range []string{"process.roles", "node.id", "CONTROLLER", "controller.", "broker.heartbeat"} {
		if strings.Contains(p, bad) {
			t.Errorf("ZooKeeper mode has %q:\n%s", bad, p)
		}
	}
}

func TestToolsMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("JAVA_HOME", "")
	err := ToolsError("")
	if err == nil || !strings.Contains(err.Error(), "openjdk-17-jre-headless") {
		t.Fatalf("ToolsError without java = %v", err)
	}
}
