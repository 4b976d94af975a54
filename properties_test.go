package samsa

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	iprops "github.com/samsa-go/samsa/internal/props"
)

// propCase tests one key: good is applied with extra and check inspects
// the result; bad (when set) must be rejected with an error naming the key.
type propCase struct {
	good  string
	extra map[string]string
	check func(t *testing.T, c Config)
	bad   string
}

// want returns a check comparing a value taken from the Config.
func propWant[T any](get func(Config) T, v T) func(*testing.T, Config) {
	return func(t *testing.T, c Config) {
		t.Helper()
		if got := get(c); !reflect.DeepEqual(got, v) {
			t.Errorf("got %#v; want %#v", got, v)
		}
	}
}

func propMs(n int) time.Duration { return time.Duration(n) * time.Millisecond }

var (
	pcLinger         = func(c Config) time.Duration { return c.Linger }
	pcBatchSize      = func(c Config) int { return c.BatchSize }
	pcBufferMemory   = func(c Config) int64 { return c.BufferMemory }
	pcMaxRequestSize = func(c Config) int { return c.MaxRequestSize }
	pcCompression    = func(c Config) Compression { return c.Compression }
	pcCompLevel      = func(c Config) int { return c.CompressionLevel }
	pcRetries        = func(c Config) int { return c.Retries }
	pcDeliveryTO     = func(c Config) time.Duration { return c.DeliveryTimeout }
	pcRequestTO      = func(c Config) time.Duration { return c.RequestTimeout }
	pcAcks           = func(c Config) Acks { return c.Acks }
	pcCaFile         = func(c Config) string { return c.TLS.CAFile }
	pcCertKeyFiles   = func(c Config) [2]string { return [2]string{c.TLS.CertFile, c.TLS.KeyFile} }
	pcSkipHost       = func(c Config) bool { return c.TLS.SkipHostnameVerification }
	pcMinTLS         = func(c Config) uint16 { return c.TLS.MinVersion }
	pcMechanism      = func(c Config) string { return c.SASL.Mechanism }
	pcUserPass       = func(c Config) [2]string { return [2]string{c.SASL.Username, c.SASL.Password} }
	pcSendBuf        = func(c Config) int { return c.SendBufferBytes }
	pcRecvBuf        = func(c Config) int { return c.ReceiveBufferBytes }
	pcMetadataMaxAge = func(c Config) time.Duration { return c.MetadataMaxAge }
	pcSecurityProto  = func(c Config) SecurityProtocol { return c.SecurityProtocol }
	pcIdempotence    = func(c Config) Idempotence { return c.Idempotence }
	pcTxnID          = func(c Config) string { return c.TransactionalID }
	pcTxnTimeout     = func(c Config) time.Duration { return c.TransactionTimeout }
	pcMaxInFlight    = func(c Config) int { return c.MaxInFlight }
	pcUnchanged      = func(t *testing.T, c Config) {
		t.Helper()
		if !reflect.DeepEqual(c, DefaultConfig()) {
			t.Errorf("an ignored key changed the configuration: %+v", c)
		}
	}
)

const propPlainJAAS = `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cr3t";`

// propCases has a case for every key ConfigFromProperties accepts;
// TestEveryPropertyHasACase enforces that.
func propCases(t *testing.T) map[string]propCase {
	pki := newPropPKI(t)
	dir := t.TempDir()
	caPath := propWriteFile(t, dir, "ca.pem", pki.caPEM)
	certPath := propWriteFile(t, dir, "client.pem", pki.certPEM)
	keyPath := propWriteFile(t, dir, "client.key", pki.keyPEM)
	bothPath := propWriteFile(t, dir, "keystore.pem", pki.certPEM+pki.keyPEM)
	ssl := map[string]string{"security.protocol": "SSL"}

	cases := map[string]propCase{
		"bootstrap.servers":    {good: " a:1, b ,[::1]:9093", check: propWant(func(c Config) []string { return c.BootstrapServers }, []string{"a:1", "b", "[::1]:9093"}), bad: "a:0"},
		"bootstrap_servers":    {good: "x:9", check: propWant(func(c Config) []string { return c.BootstrapServers }, []string{"x:9"}), bad: ","},
		"metadata.broker.list": {good: "x:9", check: propWant(func(c Config) []string { return c.BootstrapServers }, []string{"x:9"}), bad: "x:y"},
		"client.id":            {good: "app-1", check: propWant(func(c Config) string { return c.ClientID }, "app-1")},
		"client_id":            {good: "app-2", check: propWant(func(c Config) string { return c.ClientID }, "app-2")},

		"acks":                       {good: "1", check: propWant(pcAcks, AcksLeader), bad: "2"},
		"request.required.acks":      {good: "0", check: propWant(pcAcks, AcksNone), bad: "any"},
		"linger.ms":                  {good: "25", check: propWant(pcLinger, propMs(25)), bad: "-1"},
		"linger_ms":                  {good: "26", check: propWant(pcLinger, propMs(26)), bad: "1.5"},
		"queue.buffering.max.ms":     {good: "27", check: propWant(pcLinger, propMs(27)), bad: "x"},
		"batch.size":                 {good: "0", check: propWant(pcBatchSize, 0), bad: "2147483648"},
		"batch_size":                 {good: "65536", check: propWant(pcBatchSize, 65536), bad: "-1"},
		"buffer.memory":              {good: "1048576", check: propWant(pcBufferMemory, int64(1048576)), bad: "-1"},
		"buffer_memory":              {good: "2048", check: propWant(pcBufferMemory, int64(2048)), bad: "lots"},
		"queue.buffering.max.kbytes": {good: "1024", check: propWant(pcBufferMemory, int64(1<<20)), bad: "-1"},
		"max.block.ms":               {good: "9223372036854775807", check: propWant(func(c Config) time.Duration { return c.MaxBlock }, time.Duration(1<<63-1)), bad: "-1"},
		"max_block_ms":               {good: "1000", check: propWant(func(c Config) time.Duration { return c.MaxBlock }, time.Second), bad: ""},
		"max.request.size":           {good: "2097152", check: propWant(pcMaxRequestSize, 2<<20), bad: "-1"},
		"max_request_size":           {good: "100", check: propWant(pcMaxRequestSize, 100), bad: "1e6"},
		"message.max.bytes":          {good: "200", check: propWant(pcMaxRequestSize, 200), bad: "-5"},
		"compression.type":           {good: "LZ4", check: propWant(pcCompression, CompressionLZ4), bad: "brotli"},
		"compression_type":           {good: "snappy", check: propWant(pcCompression, CompressionSnappy), bad: "zip"},
		"compression.codec":          {good: "gzip", check: propWant(pcCompression, CompressionGzip), bad: "deflate"},
		"compression.gzip.level":     {good: "9", extra: map[string]string{"compression.type": "gzip"}, check: propWant(pcCompLevel, 9), bad: "10"},
		"compression.lz4.level":      {good: "17", extra: map[string]string{"compression.type": "lz4"}, check: propWant(pcCompLevel, 17), bad: "0"},
		"compression.zstd.level":     {good: "-5", extra: map[string]string{"compression.type": "zstd"}, check: propWant(pcCompLevel, -5), bad: "23"},
		"compression.level":          {good: "4", extra: map[string]string{"compression.codec": "zstd"}, check: propWant(pcCompLevel, 4), bad: "high"},

		"retries":                               {good: "0", check: propWant(pcRetries, 0), bad: "-1"},
		"message.send.max.retries":              {good: "3", check: propWant(pcRetries, 3), bad: "2147483648"},
		"retry.backoff.ms":                      {good: "250", check: propWant(func(c Config) time.Duration { return c.RetryBackoff }, propMs(250)), bad: "-250"},
		"retry_backoff_ms":                      {good: "251", check: propWant(func(c Config) time.Duration { return c.RetryBackoff }, propMs(251)), bad: "soon"},
		"retry.backoff.max.ms":                  {good: "5000", check: propWant(func(c Config) time.Duration { return c.RetryBackoffMax }, 5*time.Second), bad: "-1"},
		"retry_backoff_max_ms":                  {good: "5001", check: propWant(func(c Config) time.Duration { return c.RetryBackoffMax }, propMs(5001)), bad: "x"},
		"delivery.timeout.ms":                   {good: "60000", check: propWant(pcDeliveryTO, time.Minute), bad: "2147483648"},
		"delivery_timeout_ms":                   {good: "60001", check: propWant(pcDeliveryTO, propMs(60001)), bad: "-1"},
		"message.timeout.ms":                    {good: "60002", check: propWant(pcDeliveryTO, propMs(60002)), bad: "x"},
		"request.timeout.ms":                    {good: "10000", check: propWant(pcRequestTO, 10*time.Second), bad: "-1"},
		"request_timeout_ms":                    {good: "10001", check: propWant(pcRequestTO, propMs(10001)), bad: "2147483648"},
		"max.in.flight.requests.per.connection": {good: "1", check: propWant(pcMaxInFlight, 1), bad: "0"},
		"max_in_flight_requests_per_connection": {good: "2", check: propWant(pcMaxInFlight, 2), bad: "-3"},

		"partitioner.class": {good: "org.apache.kafka.clients.producer.RoundRobinPartitioner",
			check: func(t *testing.T, c Config) {
				if _, ok := c.Partitioner.(*roundRobinPartitioner); !ok {
					t.Errorf("Partitioner = %T; want the round-robin partitioner", c.Partitioner)
				}
			}, bad: "com.example.Mine"},
		"partitioner": {good: "random",
			check: func(t *testing.T, c Config) {
				if _, ok := c.Partitioner.(randomPartitioner); !ok {
					t.Errorf("Partitioner = %T; want the random partitioner", c.Partitioner)
				}
			}, bad: "sticky"},
		"partitioner.ignore.keys":                  {good: "TRUE", check: propWant(func(c Config) bool { return c.PartitionerIgnoreKeys }, true), bad: "yes"},
		"partitioner.adaptive.partitioning.enable": {good: "false", check: propWant(func(c Config) bool { return c.PartitionerAdaptive }, false), bad: "0"},
		"partitioner.availability.timeout.ms":      {good: "1500", check: propWant(func(c Config) time.Duration { return c.PartitionerAvailabilityTimeout }, propMs(1500)), bad: "-1"},

		"metadata.max.age.ms":                    {good: "60000", check: propWant(pcMetadataMaxAge, time.Minute), bad: "-1"},
		"metadata_max_age_ms":                    {good: "60001", check: propWant(pcMetadataMaxAge, propMs(60001)), bad: "x"},
		"topic.metadata.refresh.interval.ms":     {good: "60002", check: propWant(pcMetadataMaxAge, propMs(60002)), bad: "-1"},
		"metadata.max.idle.ms":                   {good: "5000", check: propWant(func(c Config) time.Duration { return c.MetadataMaxIdle }, 5*time.Second), bad: "4999"},
		"reconnect.backoff.ms":                   {good: "100", extra: map[string]string{"reconnect.backoff.max.ms": "2000"}, check: propWant(func(c Config) [2]time.Duration { return [2]time.Duration{c.ReconnectBackoff, c.ReconnectBackoffMax} }, [2]time.Duration{propMs(100), propMs(2000)}), bad: "-1"},
		"reconnect_backoff_ms":                   {good: "101", check: propWant(func(c Config) time.Duration { return c.ReconnectBackoff }, propMs(101)), bad: "x"},
		"reconnect.backoff.max.ms":               {good: "3000", check: propWant(func(c Config) time.Duration { return c.ReconnectBackoffMax }, 3*time.Second), bad: "-1"},
		"reconnect_backoff_max_ms":               {good: "3001", check: propWant(func(c Config) time.Duration { return c.ReconnectBackoffMax }, propMs(3001)), bad: "x"},
		"socket.connection.setup.timeout.ms":     {good: "2500", check: propWant(func(c Config) time.Duration { return c.ConnectTimeout }, propMs(2500)), bad: "-1"},
		"socket.connection.setup.timeout.max.ms": {good: "30000", check: pcUnchanged, bad: "-1"},
		"send.buffer.bytes":                      {good: "-1", check: propWant(pcSendBuf, -1), bad: "-2"},
		"send_buffer_bytes":                      {good: "1000", check: propWant(pcSendBuf, 1000), bad: "x"},
		"socket.send.buffer.bytes":               {good: "0", check: propWant(pcSendBuf, -1), bad: "-1"},
		"receive.buffer.bytes":                   {good: "65536", check: propWant(pcRecvBuf, 65536), bad: "-2"},
		"receive_buffer_bytes":                   {good: "1001", check: propWant(pcRecvBuf, 1001), bad: "x"},
		"socket.receive.buffer.bytes":            {good: "4096", check: propWant(pcRecvBuf, 4096), bad: "-1"},

		"security.protocol": {good: "sasl_ssl", check: propWant(pcSecurityProto, SASLSSL), bad: "TLS"},
		"security_protocol": {good: "SSL", check: propWant(pcSecurityProto, SSL), bad: "HTTPS"},

		"ssl.truststore.location": {good: caPath, extra: ssl, check: propWant(pcCaFile, caPath)},
		"ssl_cafile":              {good: caPath, extra: ssl, check: propWant(pcCaFile, caPath)},
		"ssl.ca.location":         {good: caPath, extra: ssl, check: propWant(pcCaFile, caPath)},
		"ssl.truststore.type":     {good: "pem", extra: ssl, check: propWant(pcCaFile, ""), bad: "JKS"},
		"ssl.keystore.type":       {good: "PEM", extra: ssl, check: propWant(pcCaFile, ""), bad: "PKCS12"},
		"ssl.keystore.location":   {good: bothPath, extra: ssl, check: propWant(pcCertKeyFiles, [2]string{bothPath, bothPath})},
		"ssl.certificate.location": {good: certPath, extra: map[string]string{"security.protocol": "SSL", "ssl.key.location": keyPath},
			check: propWant(pcCertKeyFiles, [2]string{certPath, keyPath})},
		"ssl.key.location": {good: keyPath, extra: map[string]string{"security.protocol": "SSL", "ssl.certificate.location": certPath},
			check: propWant(pcCertKeyFiles, [2]string{certPath, keyPath})},
		"ssl_certfile": {good: bothPath, extra: ssl, check: propWant(pcCertKeyFiles, [2]string{bothPath, bothPath})},
		"ssl_keyfile": {good: keyPath, extra: map[string]string{"security.protocol": "SSL", "ssl_certfile": certPath},
			check: propWant(pcCertKeyFiles, [2]string{certPath, keyPath})},
		"ssl.key.password": {good: "pw", extra: map[string]string{"security.protocol": "SSL", "ssl.keystore.location": bothPath},
			check: propWant(func(c Config) string { return c.TLS.KeyPassword }, "pw")},
		"ssl_password": {good: "pw2", extra: map[string]string{"security.protocol": "SSL", "ssl.keystore.location": bothPath},
			check: propWant(func(c Config) string { return c.TLS.KeyPassword }, "pw2")},
		"ssl.truststore.certificates":              {good: pki.caPEM, extra: ssl, check: pki.checkInline(false), bad: "not pem"},
		"ssl.ca.pem":                               {good: pki.caPEM, extra: ssl, check: pki.checkInline(false), bad: "not pem"},
		"ssl.keystore.certificate.chain":           {good: pki.certPEM, extra: map[string]string{"security.protocol": "SSL", "ssl.keystore.key": pki.keyPEM}, check: pki.checkInline(true), bad: "junk"},
		"ssl.certificate.pem":                      {good: pki.certPEM, extra: map[string]string{"security.protocol": "SSL", "ssl.key.pem": pki.keyPEM}, check: pki.checkInline(true), bad: "junk"},
		"ssl.keystore.key":                         {good: pki.keyPEM, extra: map[string]string{"security.protocol": "SSL", "ssl.keystore.certificate.chain": pki.certPEM}, check: pki.checkInline(true), bad: "junk"},
		"ssl.key.pem":                              {good: pki.keyPEM, extra: map[string]string{"security.protocol": "SSL", "ssl.certificate.pem": pki.certPEM}, check: pki.checkInline(true), bad: "junk"},
		"ssl.endpoint.identification.algorithm":    {good: "", extra: ssl, check: propWant(pcSkipHost, true), bad: "http"},
		"ssl_check_hostname":                       {good: "false", extra: ssl, check: propWant(pcSkipHost, true), bad: "no"},
		"enable.ssl.certificate.verification":      {good: "false", extra: ssl, check: propWant(func(c Config) bool { return c.TLS.InsecureSkipVerify }, true), bad: "off"},
		"ssl.crl.location":                         {good: "", check: pcUnchanged, bad: "/etc/crl.pem"},
		"ssl_crlfile":                              {good: "", check: pcUnchanged, bad: "/etc/crl.pem"},
		"ssl.protocol":                             {good: "TLSv1.1", extra: ssl, check: propWant(pcMinTLS, uint16(tls.VersionTLS11)), bad: "SSLv3"},
		"ssl.enabled.protocols":                    {good: "TLSv1.3", extra: ssl, check: propWant(pcMinTLS, uint16(tls.VersionTLS13)), bad: "TLSv1.2,SSLv3"},
		"ssl.cipher.suites":                        {good: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", extra: ssl, check: propWant(func(c Config) []uint16 { return c.TLS.CipherSuites }, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}), bad: "TLS_NULL"},
		"ssl_ciphers":                              {good: "ECDHE-RSA-AES128-GCM-SHA256", extra: ssl, check: propWant(func(c Config) uint16 { return c.TLS.MaxVersion }, uint16(tls.VersionTLS12)), bad: "HIGH"},
		"ssl.provider":                             {good: "", check: pcUnchanged, bad: "SunJSSE"},
		"security.providers":                       {good: "", check: pcUnchanged, bad: "com.example.Provider"},
		"ssl.engine.factory.class":                 {good: "", check: pcUnchanged, bad: "com.example.Factory"},
		"sasl.client.callback.handler.class":       {good: "", check: pcUnchanged, bad: "com.example.Handler"},
		"ssl.keymanager.algorithm":                 {good: "SunX509", check: pcUnchanged, bad: "Custom"},
		"ssl.trustmanager.algorithm":               {good: "PKIX", check: pcUnchanged, bad: "TrustAll"},
		"ssl.secure.random.implementation":         {good: "SHA1PRNG", check: pcUnchanged, bad: "Custom"},
		"ssl.keystore.password":                    {good: "", check: pcUnchanged, bad: "changeit"},
		"ssl.truststore.password":                  {good: "", check: pcUnchanged, bad: "changeit"},
		"client.dns.lookup":                        {good: "resolve_canonical_bootstrap_servers_only", check: propWant(func(c Config) DNSLookup { return c.DNSLookup }, DNSLookupCanonicalBootstrap), bad: "default"},
		"metadata.recovery.strategy":               {good: "NONE", check: propWant(func(c Config) MetadataRecovery { return c.MetadataRecovery }, MetadataRecoveryNone), bad: "restart"},
		"metadata.recovery.rebootstrap.trigger.ms": {good: "60000", check: propWant(func(c Config) time.Duration { return c.MetadataRecoveryTrigger }, time.Minute), bad: "-1"},
		"api.version.request":                      {good: "true", check: pcUnchanged, bad: "false"},
		"socket.keepalive.enable":                  {good: "true", check: pcUnchanged, bad: "false"},
		"socket.nagle.disable":                     {good: "true", check: pcUnchanged, bad: "false"},
		"connections.max.idle.ms":                  {good: "60000", check: propWant(func(c Config) time.Duration { return c.ConnectionsMaxIdle }, time.Minute), bad: "0"},
		"connections_max_idle_ms":                  {good: "-1", check: propWant(func(c Config) time.Duration { return c.ConnectionsMaxIdle }, time.Duration(0)), bad: "x"},

		"sasl.mechanism":      {good: "scram-sha-256", extra: map[string]string{"security.protocol": "SASL_SSL"}, check: propWant(pcMechanism, "SCRAM-SHA-256"), bad: "GSSAPI"},
		"sasl_mechanism":      {good: "PLAIN", check: propWant(pcMechanism, "PLAIN"), bad: "NTLM"},
		"sasl.mechanisms":     {good: "OAUTHBEARER", check: propWant(pcMechanism, "OAUTHBEARER"), bad: "X"},
		"sasl.jaas.config":    {good: propPlainJAAS, check: propWant(pcUserPass, [2]string{"alice", "s3cr3t"}), bad: `PlainLoginModule required username="u" password="hunter2";`},
		"sasl.username":       {good: "bob", check: propWant(pcUserPass, [2]string{"bob", ""})},
		"sasl_plain_username": {good: "carol", check: propWant(pcUserPass, [2]string{"carol", ""})},
		"sasl.password":       {good: "pw", check: propWant(pcUserPass, [2]string{"", "pw"})},
		"sasl_plain_password": {good: "pw", check: propWant(pcUserPass, [2]string{"", "pw"})},

		"enable.idempotence":                  {good: "false", check: propWant(pcIdempotence, IdempotenceOff), bad: "maybe"},
		"enable_idempotence":                  {good: "true", check: propWant(pcIdempotence, IdempotenceOn), bad: "1"},
		"enable.metrics.push":                 {good: "false", check: propWant(func(c Config) bool { return c.EnableMetricsPush }, false), bad: "sometimes"},
		"transactional.id":                    {good: "txn-1", check: propWant(pcTxnID, "txn-1"), bad: ""},
		"transactional_id":                    {good: "txn-2", check: propWant(pcTxnID, "txn-2"), bad: ""},
		"transaction.timeout.ms":              {good: "900000", check: propWant(pcTxnTimeout, 15*time.Minute), bad: "0"},
		"transaction_timeout_ms":              {good: "1000", check: propWant(pcTxnTimeout, time.Second), bad: "-1"},
		"transaction.two.phase.commit.enable": {good: "false", check: pcUnchanged, bad: "true"},

		"spool.dir":       {good: "/var/spool/p", check: propWant(func(c Config) string { return c.Spool.Dir }, "/var/spool/p"), bad: ""},
		"spool.max.bytes": {good: "4194304", extra: spoolDir, check: propWant(func(c Config) int64 { return c.Spool.MaxBytes }, int64(4<<20)), bad: "-1"},
		"spool.fsync":     {good: "os", extra: spoolDir, check: propWant(func(c Config) SpoolFsync { return c.Spool.Fsync }, SpoolFsyncOS), bad: "never"},
		"spool.fsync.interval.ms": {good: "20", extra: spoolDir,
			check: propWant(func(c Config) time.Duration { return c.Spool.FsyncInterval }, 20*time.Millisecond), bad: "0"},
	}
	for k, v := range propOAuthCases(dir) {
		cases[k] = v
	}
	return cases
}

// spoolDir is the extra setting the other spool keys need.
var spoolDir = map[string]string{"spool.dir": "/var/spool/p"}

func TestEveryPropertyHasACase(t *testing.T) {
	cases := propCases(t)
	for _, key := range iprops.Keys() {
		if _, ok := cases[key]; !ok {
			t.Errorf("no test case for property %q", key)
		}
	}
	for key := range cases {
		if !iprops.Known(key) {
			t.Errorf("test case for %q, which ConfigFromProperties does not accept", key)
		}
	}
}

func TestPropertiesEachKey(t *testing.T) {
	for key, pc := range propCases(t) {
		t.Run(key, func(t *testing.T) {
			props := map[string]string{key: pc.good}
			for k, v := range pc.extra {
				props[k] = v
			}
			c, err := ConfigFromProperties(props)
			if err != nil {
				t.Fatalf("ConfigFromProperties(%s=%q): %v", key, pc.good, err)
			}
			pc.check(t, c)

			if pc.bad == "" && key != "max_block_ms" && key != "transactional.id" && key != "transactional_id" {
				return
			}
			props[key] = pc.bad
			_, err = ConfigFromProperties(props)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("ConfigFromProperties(%s=%q) = %v; want a *ConfigError", key, pc.bad, err)
			}
			if ce.Key != key || !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %q names key %q; want %q", err, ce.Key, key)
			}
			if iprops.Secret(key) {
				if ce.Value != "" || strings.Contains(err.Error(), pc.bad) && pc.bad != "" {
					t.Errorf("error for secret %s echoes its value: %q", key, err)
				}
			} else if ce.Value != strings.TrimSpace(pc.bad) {
				t.Errorf("error Value = %q; want %q", ce.Value, pc.bad)
			}
			if ce.Reason == "" {
				t.Errorf("error has no reason: %q", err)
			}
		})
	}
}

// TestPropertyNameEquivalence checks that kafka-python and librdkafka
// names give the same Config as the Java names.
func TestPropertyNameEquivalence(t *testing.T) {
	java := map[string]string{
		"bootstrap.servers": "k1:9092,k2:9093", "client.id": "svc", "acks": "1", "linger.ms": "20",
		"batch.size": "32768", "buffer.memory": "1048576", "max.block.ms": "5000", "compression.type": "gzip",
		"retries": "7", "retry.backoff.ms": "300", "request.timeout.ms": "15000", "delivery.timeout.ms": "90000",
		"max.request.size": "500000", "max.in.flight.requests.per.connection": "3", "metadata.max.age.ms": "1000",
		"reconnect.backoff.ms": "10", "reconnect.backoff.max.ms": "500", "send.buffer.bytes": "1024",
		"receive.buffer.bytes": "2048", "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
		"sasl.jaas.config": propPlainJAAS, "enable.idempotence": "false", "transaction.timeout.ms": "30000",
	}
	python := map[string]string{
		"bootstrap_servers": "k1:9092,k2:9093", "client_id": "svc", "acks": "1", "linger_ms": "20",
		"batch_size": "32768", "buffer_memory": "1048576", "max_block_ms": "5000", "compression_type": "gzip",
		"retries": "7", "retry_backoff_ms": "300", "request_timeout_ms": "15000", "delivery_timeout_ms": "90000",
		"max_request_size": "500000", "max_in_flight_requests_per_connection": "3", "metadata_max_age_ms": "1000",
		"reconnect_backoff_ms": "10", "reconnect_backoff_max_ms": "500", "send_buffer_bytes": "1024",
		"receive_buffer_bytes": "2048", "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN",
		"sasl_plain_username": "alice", "sasl_plain_password": "s3cr3t", "enable_idempotence": "false",
		"transaction_timeout_ms": "30000",
	}
	librdkafka := map[string]string{
		"metadata.broker.list": "k1:9092,k2:9093", "client.id": "svc", "request.required.acks": "1",
		"queue.buffering.max.ms": "20", "batch.size": "32768", "queue.buffering.max.kbytes": "1024",
		"max.block.ms": "5000", "compression.codec": "gzip", "message.send.max.retries": "7",
		"retry.backoff.ms": "300", "request.timeout.ms": "15000", "message.timeout.ms": "90000",
		"message.max.bytes": "500000", "max.in.flight.requests.per.connection": "3",
		"topic.metadata.refresh.interval.ms": "1000", "reconnect.backoff.ms": "10", "reconnect.backoff.max.ms": "500",
		"socket.send.buffer.bytes": "1024", "socket.receive.buffer.bytes": "2048", "security.protocol": "sasl_plaintext",
		"sasl.mechanisms": "PLAIN", "sasl.username": "alice", "sasl.password": "s3cr3t", "enable.idempotence": "false",
		"transaction.timeout.ms": "30000", "debug": "all",
	}
	jc, err := ConfigFromProperties(java)
	if err != nil {
		t.Fatal(err)
	}
	if err := jc.Validate(); err != nil {
		t.Fatalf("Java config does not validate: %v", err)
	}
	for name, props := range map[string]map[string]string{"kafka-python": python, "librdkafka": librdkafka} {
		c, err := ConfigFromProperties(props)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(c, jc) {
			t.Errorf("%s config differs from the Java one:\n%+v\nwant\n%+v", name, c, jc)
		}
	}
}

func TestPropertiesAliasConflict(t *testing.T) {
	_, err := ConfigFromProperties(map[string]string{"linger.ms": "5", "linger_ms": "6"})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "linger_ms" || !strings.Contains(ce.Reason, `linger.ms="5"`) {
		t.Errorf("conflicting aliases: %v", err)
	}
	// The same value under two names is fine.
	c, err := ConfigFromProperties(map[string]string{"linger.ms": "5", "linger_ms": " 5 ", "buffer.memory": "2048", "queue.buffering.max.kbytes": "2"})
	if err != nil || c.Linger != propMs(5) || c.BufferMemory != 2048 {
		t.Errorf("agreeing aliases: %v, %v", c.Linger, err)
	}
	// Secrets are not quoted in conflicts.
	_, err = ConfigFromProperties(map[string]string{"sasl.password": "hunter2", "sasl_plain_password": "hunter3"})
	if err == nil || strings.Contains(err.Error(), "hunter") {
		t.Errorf("secret conflict: %v", err)
	}
}

func TestPropertiesUnknownKey(t *testing.T) {
	cases := []struct{ key, suggestion string }{
		{"linger.mss", "linger.ms"},
		{"lingerms", "linger.ms"},
		{"Batch.Size", "batch.size"},
		{"bootstrap.server", "bootstrap.servers"},
		{"retires", "retries"},
		{"compresion.type", "compression.type"},
		{"sasl.jass.config", "sasl.jaas.config"},
		{"key.serialiser", "key.serializer"},
		{"zookeeper.connect", ""},
		{"x", ""},
	}
	for _, c := range cases {
		_, err := ConfigFromProperties(map[string]string{c.key: "1"})
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: got %v; want a *ConfigError", c.key, err)
			continue
		}
		if ce.Key != c.key || ce.Suggestion != c.suggestion || !strings.Contains(ce.Reason, "unknown") {
			t.Errorf("%s: got key %q suggestion %q reason %q; want suggestion %q", c.key, ce.Key, ce.Suggestion, ce.Reason, c.suggestion)
		}
	}
}

func TestPropertiesIgnored(t *testing.T) {
	props := map[string]string{}
	for _, k := range IgnoredProperties() {
		props[k] = "anything"
	}
	props["sasl.kerberos.service.name"] = "kafka"
	c, err := ConfigFromProperties(props)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, DefaultConfig()) {
		t.Errorf("ignored keys changed the configuration")
	}
	for _, k := range []string{"key.serializer", "value.serializer", "interceptor.classes", "metric.reporters", "auto.include.jmx.reporter"} {
		if !iprops.IsIgnored(k) {
			t.Errorf("%s is not ignored", k)
		}
	}
	if len(IgnoredPropertyPrefixes()) == 0 || iprops.IsIgnored("sasl.login.") {
		t.Error("prefix rules")
	}
}

func TestPropertiesJavaAdjustments(t *testing.T) {
	// reconnect.backoff.max.ms follows an explicit reconnect.backoff.ms.
	c, err := ConfigFromProperties(map[string]string{"reconnect.backoff.ms": "2000"})
	if err != nil || c.ReconnectBackoffMax != 2*time.Second {
		t.Errorf("reconnect.backoff.max.ms = %v (%v); want 2s", c.ReconnectBackoffMax, err)
	}
	// An unset delivery.timeout.ms is raised to pcLinger + request timeout...
	c, err = ConfigFromProperties(map[string]string{"request.timeout.ms": "200000", "linger.ms": "100", "bootstrap.servers": "k"})
	if err != nil || c.DeliveryTimeout != propMs(200100) || c.Validate() != nil {
		t.Errorf("delivery.timeout.ms = %v (%v); want 200.1s", c.DeliveryTimeout, err)
	}
	// ...but an explicit one is kept, for Validate to reject.
	c, err = ConfigFromProperties(map[string]string{"request.timeout.ms": "200000", "delivery.timeout.ms": "120000", "bootstrap.servers": "k"})
	if err != nil || c.DeliveryTimeout != 2*time.Minute {
		t.Fatalf("explicit delivery.timeout.ms = %v (%v)", c.DeliveryTimeout, err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "delivery.timeout.ms") {
		t.Errorf("Validate: %v", err)
	}
	// UniformStickyPartitioner ignores keys, unless told otherwise.
	c, _ = ConfigFromProperties(map[string]string{"partitioner.class": "org.apache.kafka.clients.producer.UniformStickyPartitioner"})
	if c.Partitioner != nil || !c.PartitionerIgnoreKeys {
		t.Errorf("UniformStickyPartitioner: %T ignore=%v", c.Partitioner, c.PartitionerIgnoreKeys)
	}
	c, _ = ConfigFromProperties(map[string]string{"partitioner.class": "org.apache.kafka.clients.producer.UniformStickyPartitioner", "partitioner.ignore.keys": "false"})
	if c.PartitionerIgnoreKeys {
		t.Error("explicit partitioner.ignore.keys=false was overridden")
	}
	c, _ = ConfigFromProperties(map[string]string{"partitioner.class": "org.apache.kafka.clients.producer.internals.DefaultPartitioner"})
	if c.Partitioner != nil || c.PartitionerIgnoreKeys {
		t.Error("DefaultPartitioner should be the built-in default")
	}
}

func TestPropertiesCompressionLevels(t *testing.T) {
	cases := []struct {
		props map[string]string
		level int
		err   string
	}{
		// A level for another codec is checked but not applied.
		{map[string]string{"compression.type": "lz4", "compression.gzip.level": "3"}, 0, ""},
		{map[string]string{"compression.type": "lz4", "compression.gzip.level": "13"}, 0, "compression.gzip.level"},
		{map[string]string{"compression.type": "gzip", "compression.gzip.level": "-1"}, -1, ""},
		{map[string]string{"compression.type": "zstd", "compression.zstd.level": "-131072"}, -131072, ""},
		{map[string]string{"compression.type": "zstd", "compression.zstd.level": "-131073"}, 0, "compression.zstd.level"},
		{map[string]string{"compression.type": "zstd", "compression.zstd.level": "0"}, 0, ""},
		// librdkafka's compression.level: -1 is the default; checked against the codec.
		{map[string]string{"compression.codec": "lz4", "compression.level": "-1"}, 0, ""},
		{map[string]string{"compression.codec": "lz4", "compression.level": "30"}, 0, "compression.level"},
		{map[string]string{"compression.codec": "snappy", "compression.level": "3"}, 0, "compression.level"},
		// The codec-specific key wins over the generic one.
		{map[string]string{"compression.codec": "zstd", "compression.level": "5", "compression.zstd.level": "6"}, 6, ""},
	}
	for _, c := range cases {
		cfg, err := ConfigFromProperties(c.props)
		if c.err != "" {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != c.err {
				t.Errorf("%v: got %v; want an error for %s", c.props, err, c.err)
			}
			continue
		}
		if err != nil || cfg.CompressionLevel != c.level {
			t.Errorf("%v: level %d, %v; want %d", c.props, cfg.CompressionLevel, err, c.level)
		}
	}
}

func TestPropertiesJAAS(t *testing.T) {
	good := []struct {
		jaas, mech, user, pass string
	}{
		{propPlainJAAS, "PLAIN", "alice", "s3cr3t"},
		{`org.apache.kafka.common.security.scram.ScramLoginModule required
			username = "bob" // a comment
			password="p\"q\\r;s=t" /* another */ ;`, "SCRAM-SHA-512", "bob", `p"q\r;s=t`},
		{`org.apache.kafka.common.security.plain.PlainLoginModule REQUIRED username=carol password='single quoted';`, "PLAIN", "carol", "single quoted"},
		{`org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="x" clientSecret="y";`, "OAUTHBEARER", "", ""},
	}
	for _, g := range good {
		props := map[string]string{"sasl.jaas.config": g.jaas}
		if strings.Contains(g.jaas, "Scram") {
			props["sasl.mechanism"] = g.mech
		}
		c, err := ConfigFromProperties(props)
		if err != nil {
			t.Errorf("%s: %v", g.jaas, err)
			continue
		}
		if c.SASL.Mechanism != g.mech || c.SASL.Username != g.user || c.SASL.Password != g.pass {
			t.Errorf("%s: got %q %q %q; want %q %q %q", g.jaas, c.SASL.Mechanism, c.SASL.Username, c.SASL.Password, g.mech, g.user, g.pass)
		}
	}

	bad := []struct{ props map[string]string }{
		{map[string]string{"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="hunter2"`}},
		{map[string]string{"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="hunter2;`}},
		{map[string]string{"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule username="u" password="hunter2";`}},
		{map[string]string{"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="u";`}},
		{map[string]string{"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password=hunter2 hunter2;`}},
		{map[string]string{"sasl.jaas.config": `com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="hunter2";`}},
		{map[string]string{"sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="hunter2" tokenauth=true;`}},
		{map[string]string{"sasl.jaas.config": propPlainJAAS + propPlainJAAS}},
		{map[string]string{"sasl.jaas.config": propPlainJAAS, "sasl.mechanism": "SCRAM-SHA-256"}},
		{map[string]string{"sasl.jaas.config": propPlainJAAS, "sasl.username": "mallory"}},
		{map[string]string{"sasl.jaas.config": `hunter2`}},
		{map[string]string{"sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="hunter2";`}},
		{map[string]string{"sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientSecret="hunter2";`,
			"sasl.oauthbearer.client.credentials.client.secret": "s3cr3t"}},
	}
	for _, b := range bad {
		_, err := ConfigFromProperties(b.props)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%v: got %v; want a *ConfigError", b.props, err)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error quotes a secret: %q", err)
		}
	}
	// SCRAM cannot be inferred: Validate asks for the mechanism.
	c, err := ConfigFromProperties(map[string]string{"bootstrap.servers": "k", "security.protocol": "SASL_SSL",
		"sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`})
	if err != nil {
		t.Fatal(err)
	}
	var ce *ConfigError
	if err := c.Validate(); !errors.As(err, &ce) || ce.Key != "sasl.mechanism" {
		t.Errorf("Validate without a SCRAM mechanism: %v", err)
	}
}

func TestPropertiesTLSConflicts(t *testing.T) {
	pki := newPropPKI(t)
	dir := t.TempDir()
	both := propWriteFile(t, dir, "both.pem", pki.certPEM+pki.keyPEM)
	cases := []map[string]string{
		{"ssl.keystore.location": both, "ssl.key.location": both},
		{"ssl.truststore.location": both, "ssl.truststore.certificates": pki.caPEM},
		{"ssl.keystore.certificate.chain": pki.certPEM},
		{"ssl.keystore.key": pki.keyPEM},
		{"ssl.keystore.certificate.chain": pki.certPEM, "ssl.keystore.key": pki.keyPEM, "ssl.keystore.location": both},
		{"ssl.keystore.certificate.chain": pki.certPEM, "ssl.keystore.key": pki.encryptedKeyPEM(t)},
		{"ssl.truststore.certificates": pki.caPEM, "ssl.keystore.location": filepath.Join(dir, "missing.pem")},
		{"ssl.keystore.certificate.chain": pki.caPEM, "ssl.keystore.key": pki.keyPEM},
	}
	for _, props := range cases {
		_, err := ConfigFromProperties(props)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%v: got %v; want a *ConfigError", propKeysOf(props), err)
			continue
		}
		if strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("error quotes key material: %q", err)
		}
	}
}

func TestPropertiesInlineTLSWithFilesAndHostnames(t *testing.T) {
	pki := newPropPKI(t)
	dir := t.TempDir()
	both := propWriteFile(t, dir, "both.pem", pki.certPEM+pki.keyPEM)
	c, err := ConfigFromProperties(map[string]string{
		"security.protocol":                     "SSL",
		"ssl.truststore.certificates":           pki.caPEM,
		"ssl.keystore.location":                 both,
		"ssl.endpoint.identification.algorithm": "",
		"ssl.enabled.protocols":                 "TLSv1.3",
	})
	if err != nil {
		t.Fatal(err)
	}
	tc := c.TLS.Config
	if tc == nil || len(tc.Certificates) != 1 || tc.RootCAs == nil || tc.MinVersion != tls.VersionTLS13 {
		t.Fatalf("TLS.Config = %+v", tc)
	}
	// Every setting went into the tls.Config, so no field is left beside it
	// for Validate to refuse.
	c.BootstrapServers = []string{"k:9093"}
	if err := c.Validate(); err != nil || c.TLS.CertFile != "" || c.TLS.SkipHostnameVerification {
		t.Fatalf("Validate of a configuration with inline PEM: %v; TLS fields left: %+v", err, c.TLS)
	}
	if !tc.InsecureSkipVerify || tc.VerifyConnection == nil {
		t.Fatal("host name verification off should verify the chain only")
	}
	// The chain check accepts the CA's leaf and rejects a stranger's.
	if err := tc.VerifyConnection(tls.ConnectionState{PeerCertificates: []*x509.Certificate{pki.leaf}}); err != nil {
		t.Errorf("VerifyConnection(trusted leaf): %v", err)
	}
	other := newPropPKI(t)
	if err := tc.VerifyConnection(tls.ConnectionState{PeerCertificates: []*x509.Certificate{other.leaf}}); err == nil {
		t.Error("VerifyConnection accepted a certificate from another CA")
	}
	if err := tc.VerifyConnection(tls.ConnectionState{}); err == nil {
		t.Error("VerifyConnection accepted no certificate")
	}
}

func TestLoadProperties(t *testing.T) {
	props, err := LoadProperties(filepath.Join("testdata", "config", "syntax.properties"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"plain":              "value",
		"colon":              "value",
		"space":              "value with  inner spaces ",
		"equals.in.value":    "a=b:c",
		"key with spaces":    "x",
		"key=with:seps":      "y",
		"continued":          "one,two,three",
		"escapes":            "tab\there\nnewline \\ backslash",
		"unicode":            "caf\u00e9 \U0001F600",
		"empty":              "",
		"duplicate":          "second",
		"hash#not.comment":   "v#1 !2",
		"trailing.backslash": `ends\`,
		"bang":               "x",
		"crlf":               "windows",
	}
	if !reflect.DeepEqual(props, want) {
		for k, v := range want {
			if props[k] != v {
				t.Errorf("%q = %q; want %q", k, props[k], v)
			}
		}
		for k := range props {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected key %q = %q", k, props[k])
			}
		}
	}
}

func TestLoadPropertiesErrors(t *testing.T) {
	path := filepath.Join("testdata", "config", "bad-escape.properties")
	_, err := LoadProperties(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":3: ") || !strings.Contains(err.Error(), `\u`) {
		t.Errorf("bad escape: %v", err)
	}
	if _, err := LoadProperties(filepath.Join("testdata", "config", "missing.properties")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	// Latin-1 files (Java's default encoding for properties) are read too.
	p := propWriteFile(t, t.TempDir(), "latin1.properties", "client.id=caf\xe9\n")
	props, err := LoadProperties(p)
	if err != nil || props["client.id"] != "café" {
		t.Errorf("latin-1: %q, %v", props["client.id"], err)
	}
}

func TestConfigFromFile(t *testing.T) {
	c, err := ConfigFromFile(filepath.Join("testdata", "config", "java-producer.properties"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if !reflect.DeepEqual(c.BootstrapServers, []string{"broker1:9092", "broker2:9092"}) || c.Acks != AcksAll ||
		c.Linger != propMs(10) || c.Compression != CompressionZstd || c.CompressionLevel != 5 ||
		c.SecurityProtocol != SASLSSL || c.SASL.Mechanism != "SCRAM-SHA-512" || c.SASL.Username != "app" ||
		c.SASL.Password != `pa"ss` || c.TLS.CAFile != "/etc/kafka/ca.pem" || c.Idempotence != IdempotenceOn ||
		c.TransactionalID != "orders-1" || c.ClientID != "orders" {
		t.Errorf("unexpected config: %+v", c)
	}

	c, err = ConfigFromFile(filepath.Join("testdata", "config", "kafka-python.properties"))
	if err != nil || c.Validate() != nil || c.SASL.Username != "py" || c.TLS.SkipHostnameVerification != true {
		t.Errorf("kafka-python file: %+v %v", c, err)
	}
	c, err = ConfigFromFile(filepath.Join("testdata", "config", "librdkafka.properties"))
	if err != nil || c.Validate() != nil || c.BufferMemory != 64<<20 || c.Compression != CompressionLZ4 {
		t.Errorf("librdkafka file: %+v %v", c, err)
	}

	path := filepath.Join("testdata", "config", "typo.properties")
	_, err = ConfigFromFile(path)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Suggestion != "max.in.flight.requests.per.connection" || !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("typo file: %v", err)
	}
}

// propPKI is a CA and a client certificate it signed.
type propPKI struct {
	caPEM, certPEM, keyPEM string
	key                    *ecdsa.PrivateKey
	leaf                   *x509.Certificate
}

func newPropPKI(t *testing.T) *propPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "broker"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: []string{"broker.example"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	return &propPKI{
		caPEM:   string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})),
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})),
		keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
		key:     key,
		leaf:    leaf,
	}
}

// encryptedKeyPEM returns a PEM block typed as an encrypted PKCS#8 key.
func (p *propPKI) encryptedKeyPEM(t *testing.T) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x00}}))
}

// checkInline checks that TLS.Config was built from inline PEM.
func (p *propPKI) checkInline(withCert bool) func(*testing.T, Config) {
	return func(t *testing.T, c Config) {
		t.Helper()
		tc := c.TLS.Config
		if tc == nil {
			t.Fatal("TLS.Config not built from inline PEM")
		}
		if withCert {
			if len(tc.Certificates) != 1 {
				t.Fatalf("got %d client certificates; want 1", len(tc.Certificates))
			}
			if !tc.Certificates[0].PrivateKey.(*ecdsa.PrivateKey).Equal(p.key) {
				t.Error("client key differs")
			}
		} else if tc.RootCAs == nil || tc.MinVersion != tls.VersionTLS12 || tc.InsecureSkipVerify {
			t.Errorf("inline trust store: %+v", tc)
		}
	}
}

func propWriteFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func propKeysOf(m map[string]string) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return fmt.Sprint(ks)
}
