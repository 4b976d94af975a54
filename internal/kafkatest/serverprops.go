package kafkatest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// This file renders the brokers' configuration files.

// logConfigPath is the logging configuration shared by the nodes.
func (c *Cluster) logConfigPath() string {
	if c.layout.Log4j2 {
		return filepath.Join(c.dir, "log4j2.properties")
	}
	return filepath.Join(c.dir, "log4j.properties")
}

// writeLogConfig writes a console logging configuration (the console is
// each node's log file). The full config dumps are turned down.
func (c *Cluster) writeLogConfig() error {
	quiet := []string{
		"kafka.server.KafkaConfig",
		"org.apache.kafka.common.config.AbstractConfig",
		"org.apache.kafka.clients",
		"org.apache.kafka.common.metrics",
		"org.apache.kafka.common.utils.AppInfoParser",
		"kafka.utils.Log4jControllerRegistration$",
	}
	var b strings.Builder
	if c.layout.Log4j2 {
		b.WriteString(`status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
`)
		for i, name := range quiet {
			fmt.Fprintf(&b, "logger.q%d.name = %s\nlogger.q%d.level = WARN\n", i, name, i)
		}
	} else {
		b.WriteString(`log4j.rootLogger=INFO, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
`)
		for _, name := range quiet {
			fmt.Fprintf(&b, "log4j.logger.%s=WARN\n", name)
		}
	}
	return os.WriteFile(c.logConfigPath(), []byte(b.String()), 0o644)
}

// logFlag is the JVM property that points the logging library at its
// configuration.
func (c *Cluster) logFlag() string {
	if c.layout.Log4j2 {
		return "-Dlog4j2.configurationFile=" + c.logConfigPath()
	}
	return "-Dlog4j.configuration=file:" + c.logConfigPath()
}

// serverProperties renders node n's server.properties.
func (c *Cluster) serverProperties(n *node) string {
	nodes := c.opts.Nodes
	p := map[string]string{}
	c.metadataProps(n, p)
	p["inter.broker.listener.name"] = string(PLAINTEXT)

	listeners := []string{}
	advertised := []string{}
	protos := []string{"PLAINTEXT:PLAINTEXT"}
	for _, l := range c.listeners() {
		u := fmt.Sprintf("%s://127.0.0.1:%d", l, n.ports[l])
		listeners = append(listeners, u)
		advertised = append(advertised, u)
	}
	if c.layout.Mode != ZooKeeper {
		protos = append(protos, controllerListener+":PLAINTEXT")
		listeners = append(listeners, fmt.Sprintf("%s://127.0.0.1:%d", controllerListener, n.ctrl))
	}
	p["listeners"] = strings.Join(listeners, ",")
	p["advertised.listeners"] = strings.Join(advertised, ",")

	if c.opts.Security {
		for _, s := range securityListeners {
			protos = append(protos, string(s.l)+":"+s.proto)
		}
		p["ssl.keystore.type"] = "PEM"
		p["ssl.keystore.location"] = c.certs.brokerStore
		p["ssl.truststore.type"] = "PEM"
		p["ssl.truststore.location"] = c.certs.caCert
		p["ssl.client.auth"] = "none"
		p["listener.name.mtls.ssl.client.auth"] = "required"
		p["listener.name.ssl_wronghost.ssl.keystore.location"] = c.certs.wrongHostStore
		p["listener.name.ssl_expired.ssl.keystore.location"] = c.certs.expiredStore
		mechs := "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
		p["sasl.enabled.mechanisms"] = mechs
		for _, l := range []Listener{SASLPlaintext, SASLSSL} {
			pre := "listener.name." + strings.ToLower(string(l)) + "."
			p[pre+"sasl.enabled.mechanisms"] = mechs
			p[pre+"plain.sasl.jaas.config"] = fmt.Sprintf(
				`org.apache.kafka.common.security.plain.PlainLoginModule required user_%s="%s";`,
				PlainUser.Name, PlainUser.Password)
			p[pre+"scram-sha-256.sasl.jaas.config"] = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
			p[pre+"scram-sha-512.sasl.jaas.config"] = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
			if c.opts.ReauthMs > 0 {
				p[pre+"connections.max.reauth.ms"] = strconv.Itoa(c.opts.ReauthMs)
			}
		}
	}
	p["listener.security.protocol.map"] = strings.Join(protos, ",")

	p["log.dirs"] = filepath.Join(n.dir, "data")
	p["auto.create.topics.enable"] = "true"
	p["num.partitions"] = "1"
	p["default.replication.factor"] = strconv.Itoa(nodes)
	p["offsets.topic.replication.factor"] = strconv.Itoa(min(3, nodes))
	p["offsets.topic.num.partitions"] = "3"
	p["transaction.state.log.replication.factor"] = strconv.Itoa(min(3, nodes))
	p["transaction.state.log.min.isr"] = strconv.Itoa(min(2, nodes))
	p["transaction.state.log.num.partitions"] = "3"
	if c.layout.Log4j2 { // Kafka 4: share groups (KIP-932)
		p["share.coordinator.state.topic.replication.factor"] = strconv.Itoa(min(3, nodes))
		p["share.coordinator.state.topic.min.isr"] = strconv.Itoa(min(2, nodes))
		p["share.coordinator.state.topic.num.partitions"] = "3"
	}
	p["group.initial.rebalance.delay.ms"] = "0"
	if c.opts.MinInsyncReplicas > 0 {
		p["min.insync.replicas"] = strconv.Itoa(c.opts.MinInsyncReplicas)
	}

	// Few threads and small buffers: tests are small and the machine too.
	p["num.network.threads"] = "2"
	p["num.io.threads"] = "2"
	p["background.threads"] = "2"
	p["num.replica.fetchers"] = "1"
	p["num.recovery.threads.per.data.dir"] = "1"
	p["log.cleaner.threads"] = "1"
	p["log.cleaner.dedupe.buffer.size"] = strconv.Itoa(8 << 20)

	for k, v := range c.opts.ServerProps {
		p[k] = v
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by samsa internal/kafkatest for Kafka %s, node %d of %d.\n", c.version, n.id, nodes)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, escapeProp(p[k]))
	}
	return b.String()
}

// escapeProp escapes a value for a Java properties file.
func escapeProp(v string) string {
	return strings.ReplaceAll(v, `\`, `\\`)
}

// metadataProps sets how node n finds the cluster's metadata: its KRaft
// roles and controllers, or its ZooKeeper. Either way a node that dies is
// fenced within a few seconds, so that leadership moves quickly after a
// kill, and a restarted node rejoins fast.
func (c *Cluster) metadataProps(n *node, p map[string]string) {
	if c.layout.Mode == ZooKeeper {
		p["broker.id"] = strconv.Itoa(int(n.id))
		p["zookeeper.connect"] = c.zk.connect()
		p["zookeeper.session.timeout.ms"] = "6000"
		p["zookeeper.connection.timeout.ms"] = "30000"
		return
	}
	p["process.roles"] = "broker,controller"
	p["node.id"] = strconv.Itoa(int(n.id))
	p["controller.listener.names"] = controllerListener
	var ctrls []string
	for _, o := range c.nodes {
		if c.layout.Mode == KRaftStatic {
			ctrls = append(ctrls, fmt.Sprintf("%d@127.0.0.1:%d", o.id, o.ctrl))
		} else {
			ctrls = append(ctrls, "127.0.0.1:"+strconv.Itoa(o.ctrl))
		}
	}
	if c.layout.Mode == KRaftStatic {
		p["controller.quorum.voters"] = strings.Join(ctrls, ",")
	} else {
		p["controller.quorum.bootstrap.servers"] = strings.Join(ctrls, ",")
	}
	p["broker.heartbeat.interval.ms"] = "500"
	p["broker.session.timeout.ms"] = "6000"
}
