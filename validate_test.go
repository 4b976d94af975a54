package samsa

import (
	"context"
	"crypto/tls"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/config"
)

// validBase returns a configuration that passes Validate.
func validBase() Config {
	c := DefaultConfig()
	c.BootstrapServers = []string{"localhost:9092"}
	return c
}

func TestValidateDefaultsNeedOnlyBootstrap(t *testing.T) {
	if err := validBase().Validate(); err != nil {
		t.Fatalf("DefaultConfig with a bootstrap server: %v", err)
	}
	var ce *ConfigError
	err := DefaultConfig().Validate()
	if !errors.As(err, &ce) || ce.Key != "bootstrap.servers" || ce.Field != "BootstrapServers" {
		t.Fatalf("DefaultConfig without bootstrap servers: %v", err)
	}
}

func TestValidateRules(t *testing.T) {
	tokenSource := func(context.Context) (OAuthToken, error) { return OAuthToken{Token: "t"}, nil }
	cases := []struct {
		name   string
		mod    func(*Config)
		key    string // "" means valid
		field  string
		reason string // a substring of the reason
	}{
		// Bootstrap servers.
		{"empty list", func(c *Config) { c.BootstrapServers = nil }, "bootstrap.servers", "BootstrapServers", "at least one"},
		{"blank entries", func(c *Config) { c.BootstrapServers = []string{" ", ""} }, "bootstrap.servers", "BootstrapServers", "at least one"},
		{"port zero", func(c *Config) { c.BootstrapServers = []string{"h:0"} }, "bootstrap.servers", "BootstrapServers", "1 to 65535"},
		{"port too big", func(c *Config) { c.BootstrapServers = []string{"h:65536"} }, "bootstrap.servers", "BootstrapServers", "1 to 65535"},
		{"port not a number", func(c *Config) { c.BootstrapServers = []string{"h:http"} }, "bootstrap.servers", "BootstrapServers", "1 to 65535"},
		{"empty port", func(c *Config) { c.BootstrapServers = []string{"h:"} }, "bootstrap.servers", "BootstrapServers", "port"},
		{"no host", func(c *Config) { c.BootstrapServers = []string{":9092"} }, "bootstrap.servers", "BootstrapServers", "host"},
		{"bad host char", func(c *Config) { c.BootstrapServers = []string{"a/b:9092"} }, "bootstrap.servers", "BootstrapServers", "character"},
		{"unclosed bracket", func(c *Config) { c.BootstrapServers = []string{"[::1:9092"} }, "bootstrap.servers", "BootstrapServers", "]"},
		{"not ipv6 in brackets", func(c *Config) { c.BootstrapServers = []string{"[host]:9092"} }, "bootstrap.servers", "BootstrapServers", "IPv6"},
		{"ambiguous colons", func(c *Config) { c.BootstrapServers = []string{"a:b:c"} }, "bootstrap.servers", "BootstrapServers", "brackets"},
		{"bad scheme", func(c *Config) { c.BootstrapServers = []string{"http://h:1"} }, "bootstrap.servers", "BootstrapServers", "prefix"},
		{"ipv6 ok", func(c *Config) { c.BootstrapServers = []string{"[::1]:9092", "::1", "h"} }, "", "", ""},

		// Ranges.
		{"acks", func(c *Config) { c.Acks = 2 }, "acks", "Acks", "0, 1 or all"},
		{"linger", func(c *Config) { c.Linger = -time.Millisecond }, "linger.ms", "Linger", "negative"},
		{"batch.size", func(c *Config) { c.BatchSize = -1 }, "batch.size", "BatchSize", "0 and"},
		{"batch.size big", func(c *Config) { c.BatchSize = math.MaxInt32 + 1 }, "batch.size", "BatchSize", "0 and"},
		{"batch.size zero ok", func(c *Config) { c.BatchSize = 0 }, "", "", ""},
		{"buffer.memory", func(c *Config) { c.BufferMemory = -1 }, "buffer.memory", "BufferMemory", "negative"},
		{"max.block.ms", func(c *Config) { c.MaxBlock = -1 }, "max.block.ms", "MaxBlock", "negative"},
		{"max.request.size", func(c *Config) { c.MaxRequestSize = -1 }, "max.request.size", "MaxRequestSize", "0 and"},
		{"max.in.flight", func(c *Config) { c.MaxInFlight = 0 }, "max.in.flight.requests.per.connection", "MaxInFlight", "at least 1"},
		{"retries", func(c *Config) { c.Retries = -1 }, "retries", "Retries", "0 and"},
		{"retry.backoff.ms", func(c *Config) { c.RetryBackoff = -1 }, "retry.backoff.ms", "RetryBackoff", "negative"},
		{"retry.backoff.max.ms", func(c *Config) { c.RetryBackoffMax = -1 }, "retry.backoff.max.ms", "RetryBackoffMax", "negative"},
		{"backoff above max ok (static, as Java)", func(c *Config) { c.RetryBackoff = 2 * time.Second }, "", "", ""},
		{"request.timeout.ms", func(c *Config) { c.RequestTimeout = -1 }, "request.timeout.ms", "RequestTimeout", "negative"},
		{"request.timeout.ms int32", func(c *Config) {
			c.RequestTimeout = config.MaxInt32Millis + time.Millisecond
			c.DeliveryTimeout = config.MaxInt32Millis
		},
			"request.timeout.ms", "RequestTimeout", "32-bit"},
		{"delivery.timeout.ms int32", func(c *Config) { c.DeliveryTimeout = config.MaxInt32Millis + time.Millisecond }, "delivery.timeout.ms", "DeliveryTimeout", "32-bit"},
		{"availability timeout", func(c *Config) { c.PartitionerAvailabilityTimeout = -1 }, "partitioner.availability.timeout.ms", "PartitionerAvailabilityTimeout", "negative"},
		// Built-in partitioner settings that would have no effect.
		{"ignore keys with a custom partitioner", func(c *Config) { c.Partitioner, c.PartitionerIgnoreKeys = RoundRobinPartitioner(), true },
			"partitioner.ignore.keys", "PartitionerIgnoreKeys", "only the built-in partitioner"},
		{"availability timeout with a custom partitioner", func(c *Config) {
			c.Partitioner, c.PartitionerAvailabilityTimeout = RandomPartitioner(), time.Second
		}, "partitioner.availability.timeout.ms", "PartitionerAvailabilityTimeout", "only the built-in partitioner"},
		{"availability timeout without adaptive", func(c *Config) { c.PartitionerAdaptive, c.PartitionerAvailabilityTimeout = false, time.Second },
			"partitioner.availability.timeout.ms", "PartitionerAvailabilityTimeout", "adaptive partitioning"},
		{"custom partitioner with the adaptive default ok", func(c *Config) { c.Partitioner = RandomPartitioner() }, "", "", ""},
		{"built-in partitioner settings ok", func(c *Config) { c.PartitionerIgnoreKeys, c.PartitionerAvailabilityTimeout = true, time.Second }, "", "", ""},
		{"metadata.max.age.ms", func(c *Config) { c.MetadataMaxAge = -1 }, "metadata.max.age.ms", "MetadataMaxAge", "negative"},
		{"metadata.max.idle.ms", func(c *Config) { c.MetadataMaxIdle = 4999 * time.Millisecond }, "metadata.max.idle.ms", "MetadataMaxIdle", "5000"},
		{"metadata.recovery.strategy", func(c *Config) { c.MetadataRecovery = 7 }, "metadata.recovery.strategy", "MetadataRecovery", "rebootstrap"},
		{"metadata.recovery.rebootstrap.trigger.ms", func(c *Config) { c.MetadataRecoveryTrigger = -time.Second }, "metadata.recovery.rebootstrap.trigger.ms", "MetadataRecoveryTrigger", ""},
		{"client.dns.lookup", func(c *Config) { c.DNSLookup = -1 }, "client.dns.lookup", "DNSLookup", "use_all_dns_ips"},
		{"reconnect.backoff.ms", func(c *Config) { c.ReconnectBackoff = -1 }, "reconnect.backoff.ms", "ReconnectBackoff", "negative"},
		{"reconnect.backoff.max.ms", func(c *Config) { c.ReconnectBackoffMax = -1 }, "reconnect.backoff.max.ms", "ReconnectBackoffMax", "negative"},
		{"connect timeout", func(c *Config) { c.ConnectTimeout = -1 }, "socket.connection.setup.timeout.ms", "ConnectTimeout", "negative"},
		{"send.buffer.bytes", func(c *Config) { c.SendBufferBytes = -2 }, "send.buffer.bytes", "SendBufferBytes", "-1"},
		{"receive.buffer.bytes", func(c *Config) { c.ReceiveBufferBytes = -2 }, "receive.buffer.bytes", "ReceiveBufferBytes", "-1"},
		{"os default buffers ok", func(c *Config) { c.SendBufferBytes, c.ReceiveBufferBytes = -1, -1 }, "", "", ""},

		// delivery.timeout.ms >= linger.ms + request.timeout.ms.
		{"delivery below sum", func(c *Config) {
			c.Linger, c.RequestTimeout, c.DeliveryTimeout = 100*time.Millisecond, 30*time.Second, 30*time.Second
		}, "delivery.timeout.ms", "DeliveryTimeout", "linger.ms + request.timeout.ms = 100 + 30000 = 30100"},
		{"delivery equal to sum", func(c *Config) {
			c.Linger, c.RequestTimeout, c.DeliveryTimeout = 100*time.Millisecond, 30*time.Second, 30100*time.Millisecond
		}, "", "", ""},

		// Compression.
		{"codec", func(c *Config) { c.Compression = 9 }, "compression.type", "Compression", "none, gzip"},
		{"gzip 10", func(c *Config) { c.Compression, c.CompressionLevel = CompressionGzip, 10 }, "compression.gzip.level", "CompressionLevel", "1 to 9"},
		{"gzip -1", func(c *Config) { c.Compression, c.CompressionLevel = CompressionGzip, -1 }, "", "", ""},
		{"gzip -2", func(c *Config) { c.Compression, c.CompressionLevel = CompressionGzip, -2 }, "compression.gzip.level", "CompressionLevel", "1 to 9"},
		{"lz4 17", func(c *Config) { c.Compression, c.CompressionLevel = CompressionLZ4, 17 }, "", "", ""},
		{"lz4 18", func(c *Config) { c.Compression, c.CompressionLevel = CompressionLZ4, 18 }, "compression.lz4.level", "CompressionLevel", "1 to 17"},
		{"zstd 22", func(c *Config) { c.Compression, c.CompressionLevel = CompressionZstd, 22 }, "", "", ""},
		{"zstd 23", func(c *Config) { c.Compression, c.CompressionLevel = CompressionZstd, 23 }, "compression.zstd.level", "CompressionLevel", "-131072 to 22"},
		{"zstd -131072", func(c *Config) { c.Compression, c.CompressionLevel = CompressionZstd, -131072 }, "", "", ""},
		{"zstd -131073", func(c *Config) { c.Compression, c.CompressionLevel = CompressionZstd, -131073 }, "compression.zstd.level", "CompressionLevel", "-131072"},
		{"snappy level", func(c *Config) { c.Compression, c.CompressionLevel = CompressionSnappy, 1 }, "compression.level", "CompressionLevel", "no compression levels"},
		{"none level", func(c *Config) { c.CompressionLevel = 3 }, "compression.level", "CompressionLevel", "no compression levels"},

		// Idempotence.
		{"idempotence enum", func(c *Config) { c.Idempotence = 7 }, "enable.idempotence", "Idempotence", "IdempotenceAuto"},
		{"on with acks=1", func(c *Config) { c.Idempotence, c.Acks = IdempotenceOn, AcksLeader }, "acks", "Acks", "must be all for the idempotent producer"},
		{"on with acks=0", func(c *Config) { c.Idempotence, c.Acks = IdempotenceOn, AcksNone }, "acks", "Acks", "must be all"},
		{"on with 6 in flight", func(c *Config) { c.Idempotence, c.MaxInFlight = IdempotenceOn, 6 }, "max.in.flight.requests.per.connection", "MaxInFlight", "at most 5"},
		{"on with retries 0", func(c *Config) { c.Idempotence, c.Retries = IdempotenceOn, 0 }, "retries", "Retries", "must not be 0"},
		{"auto with acks=1 ok", func(c *Config) { c.Acks = AcksLeader }, "", "", ""},
		{"auto with 6 in flight ok", func(c *Config) { c.MaxInFlight = 6 }, "", "", ""},
		{"off with acks=0 ok", func(c *Config) { c.Idempotence, c.Acks = IdempotenceOff, AcksNone }, "", "", ""},

		// Transactions.
		{"transactional ok", func(c *Config) { c.TransactionalID = "t" }, "", "", ""},
		{"transactional with idempotence off", func(c *Config) { c.TransactionalID, c.Idempotence = "t", IdempotenceOff }, "transactional.id", "TransactionalID", "must be idempotent"},
		{"transactional with acks=1", func(c *Config) { c.TransactionalID, c.Acks = "t", AcksLeader }, "acks", "Acks", "transactional"},
		{"transactional with 10 in flight", func(c *Config) { c.TransactionalID, c.MaxInFlight = "t", 10 }, "max.in.flight.requests.per.connection", "MaxInFlight", "transactional"},
		{"transactional with retries 0", func(c *Config) { c.TransactionalID, c.Retries = "t", 0 }, "retries", "Retries", "transactional"},
		{"transaction timeout zero", func(c *Config) { c.TransactionTimeout = 0 }, "transaction.timeout.ms", "TransactionTimeout", "positive"},
		{"transaction timeout negative", func(c *Config) { c.TransactionTimeout = -time.Second }, "transaction.timeout.ms", "TransactionTimeout", "negative"},
		{"transaction timeout int32", func(c *Config) { c.TransactionTimeout = config.MaxInt32Millis + time.Millisecond }, "transaction.timeout.ms", "TransactionTimeout", "32-bit"},

		// SASL.
		{"protocol enum", func(c *Config) { c.SecurityProtocol = 9 }, "security.protocol", "SecurityProtocol", "PLAINTEXT, SSL"},
		{"sasl without mechanism", func(c *Config) { c.SecurityProtocol = SASLSSL }, "sasl.mechanism", "SASL.Mechanism", "needs a SASL mechanism"},
		{"plain without user", func(c *Config) { c.SecurityProtocol, c.SASL.Mechanism, c.SASL.Password = SASLPlaintext, "PLAIN", "p" }, "sasl.jaas.config", "SASL.Username", "user name"},
		{"scram without password", func(c *Config) { c.SecurityProtocol, c.SASL.Mechanism, c.SASL.Username = SASLSSL, "SCRAM-SHA-256", "u" }, "sasl.jaas.config", "SASL.Password", "password"},
		{"scram ok", func(c *Config) {
			c.SecurityProtocol, c.SASL = SASLSSL, SASLConfig{Mechanism: "SCRAM-SHA-512", Username: "u", Password: "p"}
		}, "", "", ""},
		{"oauth without token source", func(c *Config) { c.SecurityProtocol, c.SASL.Mechanism = SASLSSL, "OAUTHBEARER" }, "sasl.mechanism", "SASL.TokenSource", "TokenSource"},
		{"oauth ok", func(c *Config) {
			c.SecurityProtocol, c.SASL = SASLSSL, SASLConfig{Mechanism: "OAUTHBEARER", TokenSource: tokenSource}
		}, "", "", ""},
		{"gssapi", func(c *Config) { c.SecurityProtocol, c.SASL.Mechanism = SASLSSL, "GSSAPI" }, "sasl.mechanism", "SASL.Mechanism", "not supported"},
		{"unknown mechanism", func(c *Config) { c.SecurityProtocol, c.SASL.Mechanism = SASLSSL, "plain" }, "sasl.mechanism", "SASL.Mechanism", "must be PLAIN"},
		{"mechanism without sasl protocol", func(c *Config) { c.SASL.Mechanism = "PLAIN" }, "sasl.mechanism", "SASL.Mechanism", "does not use SASL"},
		{"credentials without sasl protocol", func(c *Config) { c.SecurityProtocol, c.SASL.Username = SSL, "u" }, "sasl.jaas.config", "SASL", "does not use SASL"},

		// TLS.
		{"tls ok", func(c *Config) { c.SecurityProtocol, c.TLS.CAFile = SSL, "/ca.pem" }, "", "", ""},
		{"cert without key", func(c *Config) { c.SecurityProtocol, c.TLS.CertFile = SSL, "/c.pem" }, "ssl.key.location", "TLS.KeyFile", "private key"},
		{"key without cert", func(c *Config) {
			c.SecurityProtocol, c.TLS.KeyFile = SASLSSL, "/k.pem"
			c.SASL = SASLConfig{Mechanism: "PLAIN", Username: "u", Password: "p"}
		},
			"ssl.certificate.location", "TLS.CertFile", "client certificate"},
		{"min version", func(c *Config) { c.SecurityProtocol, c.TLS.MinVersion = SSL, 0x0200 }, "ssl.enabled.protocols", "TLS.MinVersion", "TLS version"},
		{"tls settings on plaintext", func(c *Config) { c.TLS.CAFile = "/ca.pem" }, "security.protocol", "SecurityProtocol", "does not use TLS"},
		{"tls settings on sasl_plaintext", func(c *Config) {
			c.SecurityProtocol, c.SASL = SASLPlaintext, SASLConfig{Mechanism: "PLAIN", Username: "u", Password: "p"}
			c.TLS.ServerName = "broker"
		}, "security.protocol", "SecurityProtocol", "TLS.ServerName"},
		{"tls boilerplate on plaintext ok", func(c *Config) {
			c.TLS.SkipHostnameVerification, c.TLS.MinVersion, c.TLS.InsecureSkipVerify = true, tls.VersionTLS13, true
		}, "", "", ""},
		{"tls.Config alone", func(c *Config) { c.SecurityProtocol, c.TLS = SSL, TLSConfig{Config: &tls.Config{}} }, "", "", ""},
		// A field beside TLS.Config would be ignored: refused.
		{"tls.Config and a file", func(c *Config) { c.SecurityProtocol, c.TLS = SSL, TLSConfig{Config: &tls.Config{}, CertFile: "/c.pem"} },
			"ssl.keystore.location", "TLS.CertFile", "would be ignored"},
		{"tls.Config and a key password", func(c *Config) { c.SecurityProtocol, c.TLS = SSL, TLSConfig{Config: &tls.Config{}, KeyPassword: "pw"} },
			"ssl.key.password", "TLS.KeyPassword", "set it in the tls.Config"},
		{"tls.Config and cipher suites", func(c *Config) {
			c.SecurityProtocol, c.TLS = SSL, TLSConfig{Config: &tls.Config{}, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}
		}, "ssl.cipher.suites", "TLS.CipherSuites", "would be ignored"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validBase()
			tc.mod(&c)
			err := c.Validate()
			if tc.key == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate = %v; want a *ConfigError for %s", err, tc.key)
			}
			if ce.Key != tc.key || ce.Field != tc.field || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("Validate = %q (key %q, field %q); want key %q, field %q, reason containing %q",
					err, ce.Key, ce.Field, tc.key, tc.field, tc.reason)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Error("the error does not match ErrInvalidConfig")
			}
		})
	}
}

func TestValidateNeverEchoesSecrets(t *testing.T) {
	c := validBase()
	c.SASL = SASLConfig{Mechanism: "PLAIN", Username: "u", Password: "hunter2"}
	c.TLS.KeyPassword = "hunter3"
	err := c.Validate()
	if err == nil || strings.Contains(err.Error(), "hunter") {
		t.Errorf("Validate = %v", err)
	}
}

func TestIdempotent(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Config)
		want bool
	}{
		{"default", func(*Config) {}, true},
		{"auto, acks=1", func(c *Config) { c.Acks = AcksLeader }, false},
		{"auto, acks=0", func(c *Config) { c.Acks = AcksNone }, false},
		{"auto, 5 in flight", func(c *Config) { c.MaxInFlight = 5 }, true},
		{"auto, 6 in flight", func(c *Config) { c.MaxInFlight = 6 }, false},
		{"auto, retries 0", func(c *Config) { c.Retries = 0 }, false},
		{"on", func(c *Config) { c.Idempotence = IdempotenceOn }, true},
		{"off", func(c *Config) { c.Idempotence = IdempotenceOff }, false},
		{"transactional", func(c *Config) { c.TransactionalID = "t" }, true},
		{"transactional, off", func(c *Config) { c.TransactionalID, c.Idempotence = "t", IdempotenceOff }, true},
	}
	for _, tc := range cases {
		c := validBase()
		tc.mod(&c)
		if got := c.idempotent(); got != tc.want {
			t.Errorf("%s: idempotent() = %v; want %v", tc.name, got, tc.want)
		}
	}
}

func TestBootstrapAddrs(t *testing.T) {
	c := validBase()
	c.BootstrapServers = []string{" broker1 ", "broker2:9093", "", "[::1]", "[fe80::1%eth0]:9094", "::1",
		"10.0.0.1", "SASL_SSL://b3:9095", "plaintext://b4", "host_1.example.com:00080"}
	got, err := c.bootstrapAddrs()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"broker1:9092", "broker2:9093", "[::1]:9092", "[fe80::1%eth0]:9094", "[::1]:9092",
		"10.0.0.1:9092", "b3:9095", "b4:9092", "host_1.example.com:80"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bootstrapAddrs = %q;\nwant %q", got, want)
	}
	c.BootstrapServers = []string{"ok:1", "bad:99999"}
	var ce *ConfigError
	if _, err := c.bootstrapAddrs(); !errors.As(err, &ce) || ce.Value != "bad:99999" {
		t.Errorf("bootstrapAddrs with a bad port: %v", err)
	}
}

// TestValidatePropertiesConflicts runs the cross-setting rules on
// configurations read from properties, where errors name Java keys.
func TestValidatePropertiesConflicts(t *testing.T) {
	cases := []struct {
		props map[string]string
		key   string
	}{
		{map[string]string{"enable.idempotence": "true", "acks": "1"}, "acks"},
		{map[string]string{"enable.idempotence": "true", "max.in.flight.requests.per.connection": "6"}, "max.in.flight.requests.per.connection"},
		{map[string]string{"enable.idempotence": "true", "retries": "0"}, "retries"},
		{map[string]string{"enable.idempotence": "false", "transactional.id": "t"}, "transactional.id"},
		{map[string]string{"transactional.id": "t", "acks": "0"}, "acks"},
		{map[string]string{"delivery.timeout.ms": "1000", "linger.ms": "5", "request.timeout.ms": "1000"}, "delivery.timeout.ms"},
		{map[string]string{"security.protocol": "SASL_SSL"}, "sasl.mechanism"},
		{map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER"}, "sasl.mechanism"},
		{map[string]string{"ssl.truststore.location": "/ca.pem"}, "security.protocol"},
	}
	for _, tc := range cases {
		tc.props["bootstrap.servers"] = "localhost"
		c, err := ConfigFromProperties(tc.props)
		if err != nil {
			t.Errorf("%v: ConfigFromProperties: %v", tc.props, err)
			continue
		}
		var ce *ConfigError
		if err := c.Validate(); !errors.As(err, &ce) || ce.Key != tc.key {
			t.Errorf("%v: Validate = %v; want an error for %s", tc.props, err, tc.key)
		}
	}
}
