package samsa

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/samsa-go/samsa/internal/config"
)

// Acks is how many replicas must acknowledge a produce request before the
// broker answers it (acks).
type Acks int8

const (
	// AcksNone (acks=0): the broker does not answer; the producer learns
	// neither offsets nor failures, and nothing is retried.
	AcksNone = Acks(config.AcksNone)
	// AcksLeader (acks=1): the leader wrote the batch to its log.
	AcksLeader = Acks(config.AcksLeader)
	// AcksAll (acks=all or -1): every in-sync replica has the batch. The
	// default, and required by idempotence and transactions.
	AcksAll = Acks(config.AcksAll)
)

// String returns the acks setting as the Java client spells it: "0", "1"
// or "all".
func (a Acks) String() string { return config.Acks(a).String() }

// Compression is a record batch compression codec (compression.type).
type Compression int8

// The codecs, by their value in a record batch's attributes.
const (
	CompressionNone   Compression = 0
	CompressionGzip   Compression = 1
	CompressionSnappy Compression = 2
	CompressionLZ4    Compression = 3
	CompressionZstd   Compression = 4
)

// String returns the codec's Kafka name: none, gzip, snappy, lz4 or zstd.
func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionGzip:
		return "gzip"
	case CompressionSnappy:
		return "snappy"
	case CompressionLZ4:
		return "lz4"
	case CompressionZstd:
		return "zstd"
	}
	return "invalid"
}

// Idempotence selects the idempotent producer (enable.idempotence).
type Idempotence int8

const (
	// IdempotenceAuto is the default: it enables idempotence unless another
	// setting conflicts with it (acks other than all, more than 5 requests
	// in flight, retries 0), in which case it is quietly off, as the Java
	// client does when enable.idempotence was not set explicitly.
	IdempotenceAuto = Idempotence(config.IdempotenceAuto)
	// IdempotenceOn requires idempotence: conflicting settings are an error.
	IdempotenceOn = Idempotence(config.IdempotenceOn)
	// IdempotenceOff disables idempotence.
	IdempotenceOff = Idempotence(config.IdempotenceOff)
)

// MetadataRecovery is what the producer does when the brokers it knows
// cannot give it metadata (metadata.recovery.strategy, KIP-899).
type MetadataRecovery int8

const (
	// MetadataRecoveryRebootstrap is the default, as in the Java client
	// since Kafka 4.0: it resolves the bootstrap servers again and starts over from
	// them when none of the brokers metadata listed answers, when one
	// answers REBOOTSTRAP_REQUIRED (KIP-1102), or when no metadata could be
	// had for MetadataRecoveryTrigger: a cluster whose brokers all moved
	// to new addresses behind the same bootstrap names is found again.
	MetadataRecoveryRebootstrap = MetadataRecovery(config.MetadataRecoveryRebootstrap)
	// MetadataRecoveryNone uses the bootstrap servers only until metadata
	// lists brokers, and then only those brokers.
	MetadataRecoveryNone = MetadataRecovery(config.MetadataRecoveryNone)
)

// String returns the strategy as the Java client spells it: "rebootstrap"
// or "none".
func (m MetadataRecovery) String() string { return config.MetadataRecovery(m).String() }

// DNSLookup is how broker names are resolved (client.dns.lookup).
type DNSLookup int8

const (
	// DNSLookupUseAllIPs is the default: it dials every address a name
	// resolves to in turn until one connects, resolving the name again for
	// every connection (use_all_dns_ips).
	DNSLookupUseAllIPs = DNSLookup(config.DNSLookupUseAllIPs)
	// DNSLookupCanonicalBootstrap replaces each bootstrap name, before
	// bootstrapping, by the canonical names of its addresses (each address
	// looked up in reverse), as Kerberos setups need; after that it is
	// DNSLookupUseAllIPs (resolve_canonical_bootstrap_servers_only).
	DNSLookupCanonicalBootstrap = DNSLookup(config.DNSLookupCanonicalBootstrap)
)

// String returns the setting as the Java client spells it.
func (d DNSLookup) String() string { return config.DNSLookup(d).String() }

// SecurityProtocol is how connections to brokers are secured
// (security.protocol).
type SecurityProtocol int8

// The security protocols, by their Kafka names.
const (
	Plaintext     = SecurityProtocol(config.Plaintext)     // PLAINTEXT
	SSL           = SecurityProtocol(config.SSL)           // SSL: TLS
	SASLPlaintext = SecurityProtocol(config.SASLPlaintext) // SASL_PLAINTEXT: SASL without TLS
	SASLSSL       = SecurityProtocol(config.SASLSSL)       // SASL_SSL: SASL over TLS
)

// String returns the protocol's Kafka name, such as "SASL_SSL".
func (p SecurityProtocol) String() string { return config.SecurityProtocol(p).String() }

// TLSConfig configures TLS for the SSL and SASL_SSL security protocols.
type TLSConfig struct {
	// CAFile is a PEM file of CA certificates to trust (ssl.truststore.location
	// / ssl.ca.location). Empty trusts the system roots.
	CAFile string
	// CertFile and KeyFile are the client's PEM certificate chain and
	// private key, for mutual TLS (ssl.keystore.location / ssl.certificate.location
	// and ssl.key.location).
	CertFile, KeyFile string
	// KeyPassword decrypts an encrypted PEM private key (ssl.key.password).
	KeyPassword string
	// ServerName overrides the host name verified in broker certificates;
	// empty verifies each broker's own host name.
	ServerName string
	// InsecureSkipVerify turns off certificate and host name verification
	// (ssl.endpoint.identification.algorithm set empty turns off only the
	// host name check; see SkipHostnameVerification). Never use it in
	// production.
	InsecureSkipVerify bool
	// SkipHostnameVerification verifies the certificate chain but not the
	// host name (ssl.endpoint.identification.algorithm="").
	SkipHostnameVerification bool
	// MinVersion is the lowest TLS version accepted (tls.VersionTLS12 by
	// default) and MaxVersion the highest (0: TLS 1.3); ssl.enabled.protocols
	// and ssl.protocol set them.
	MinVersion, MaxVersion uint16
	// CipherSuites, when set, are the only TLS 1.0-1.2 cipher suites offered
	// (ssl.cipher.suites); nil offers crypto/tls's defaults. crypto/tls
	// offers all of TLS 1.3's suites and cannot restrict them, so listing
	// one is an error; ConfigFromProperties turns TLS 1.3 on or off to
	// match ssl.cipher.suites instead (see there).
	CipherSuites []uint16
	// Config, when set, is used as it is; setting any field above with it
	// is an error (the field would be ignored), so set those in Config.
	Config *tls.Config
}

// SASLConfig configures SASL authentication for the SASL_PLAINTEXT and
// SASL_SSL security protocols.
type SASLConfig struct {
	// Mechanism is PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER
	// (sasl.mechanism).
	Mechanism string
	// Username and Password for PLAIN and SCRAM (sasl.plain.username,
	// sasl.plain.password, or sasl.username / sasl.password).
	Username, Password string
	// TokenSource supplies OAUTHBEARER tokens; it is called for every new
	// connection and re-authentication.
	TokenSource func(ctx context.Context) (OAuthToken, error)
	// OAuth fetches OAUTHBEARER tokens from an OAuth 2 / OIDC token
	// endpoint and refreshes them (sasl.oauthbearer.*, sasl.login.refresh.*)
	// when TokenSource is nil and OAuth.TokenEndpointURL is set.
	OAuth OAuthConfig
	// Custom is a SASL mechanism implemented outside samsa, such as
	// AWS_MSK_IAM (plugin/awsmskiam). When set, it is used, and Mechanism
	// must be empty or its name.
	Custom SASLMechanism
}

// OAuthToken is an OAUTHBEARER token and its SASL extensions (KIP-342).
type OAuthToken struct {
	Token      string
	Extensions map[string]string
}

// Config is a Producer's configuration. Start from DefaultConfig (or
// ConfigFromProperties); the zero Config is not valid. NewProducer checks
// the configuration once, and it cannot change afterwards.
//
// Each field names the Java client property it corresponds to.
type Config struct {
	// BootstrapServers are host:port addresses used to discover the
	// cluster (bootstrap.servers). A missing port means 9092.
	BootstrapServers []string
	// ClientID names the producer to brokers, in every request header, and
	// tags its metrics (client.id). Empty, the default, gives each producer
	// its own: "producer-N", numbered from 1 in the process, or
	// "producer-" + TransactionalID for a transactional producer, as the
	// Java client does.
	ClientID string

	// Acks: how many replicas must acknowledge a write (acks). Default AcksAll.
	Acks Acks
	// Linger is how long a batch waits for more records before it is sent
	// (linger.ms). Default 5ms, as the Java client since Kafka 4.0.
	Linger time.Duration
	// BatchSize is the largest batch per partition, in bytes before
	// compression (batch.size). Default 16384.
	BatchSize int
	// BufferMemory bounds the bytes of records held by the producer and
	// not yet acknowledged (buffer.memory). Default 32 MiB.
	BufferMemory int64
	// MaxBlock bounds how long Produce waits for buffer space or for topic
	// metadata (max.block.ms). Default 60s.
	MaxBlock time.Duration
	// MaxRequestSize bounds a produce request, and so the largest record
	// (max.request.size). Default 1 MiB.
	MaxRequestSize int
	// Compression codec for batches (compression.type). Default none.
	Compression Compression
	// CompressionLevel for the codec; 0 means the codec's default
	// (compression.gzip.level, compression.lz4.level, compression.zstd.level).
	CompressionLevel int

	// Retries is how many times a failed batch is retried (retries).
	// Default math.MaxInt32: retry until DeliveryTimeout.
	Retries int
	// RetryBackoff is the first retry's backoff; it doubles with jitter up
	// to RetryBackoffMax (retry.backoff.ms, retry.backoff.max.ms; KIP-580).
	// Defaults 100ms and 1s.
	RetryBackoff, RetryBackoffMax time.Duration
	// DeliveryTimeout bounds the time from Produce to a record's outcome,
	// retries included (delivery.timeout.ms). Default 120s. It must be at
	// least Linger + RequestTimeout.
	DeliveryTimeout time.Duration
	// RequestTimeout is how long the producer waits for a broker's answer
	// to a request (request.timeout.ms). Default 30s.
	RequestTimeout time.Duration
	// MaxInFlight is the most produce requests in flight per broker
	// connection (max.in.flight.requests.per.connection). Default 5; at
	// most 5 with idempotence.
	MaxInFlight int

	// Partitioner chooses partitions for records without an explicit one;
	// nil selects the built-in default (partitioner.class): murmur2 of the
	// key as Java computes it, uniform sticky partitioning without a key.
	Partitioner Partitioner
	// PartitionerIgnoreKeys makes the built-in partitioner ignore keys and
	// place every record by uniform sticky partitioning
	// (partitioner.ignore.keys). An error with a custom Partitioner.
	PartitionerIgnoreKeys bool
	// PartitionerAdaptive lets the built-in partitioner send fewer records
	// to partitions on slow brokers (partitioner.adaptive.partitioning.enable).
	// Default true.
	PartitionerAdaptive bool
	// PartitionerAvailabilityTimeout: when a partition's broker has accepted
	// nothing for this long, the built-in partitioner skips it
	// (partitioner.availability.timeout.ms). 0, the default, disables it;
	// it is an error with a custom Partitioner or without
	// PartitionerAdaptive.
	PartitionerAvailabilityTimeout time.Duration

	// MetadataMaxAge forces a metadata refresh this often
	// (metadata.max.age.ms). Default 5 minutes.
	MetadataMaxAge time.Duration
	// MetadataMaxIdle forgets a topic not produced to for this long
	// (metadata.max.idle.ms). Default 5 minutes.
	MetadataMaxIdle time.Duration
	// MetadataRecovery: see MetadataRecovery (metadata.recovery.strategy).
	// Default MetadataRecoveryRebootstrap, as Java 4.x.
	MetadataRecovery MetadataRecovery
	// MetadataRecoveryTrigger: with MetadataRecoveryRebootstrap, the
	// producer also rebootstraps when it could get no metadata from the
	// brokers it knows for this long, even if they accept connections
	// (metadata.recovery.rebootstrap.trigger.ms). Default 5 minutes, as
	// Java; 0 waits until each broker it knows has failed to answer once.
	MetadataRecoveryTrigger time.Duration
	// DNSLookup: see DNSLookup (client.dns.lookup). Default
	// DNSLookupUseAllIPs. With Dial set, names go to Dial unresolved (but
	// for the canonical names of the bootstrap servers).
	DNSLookup DNSLookup
	// ReconnectBackoff is the wait before reconnecting to a broker; it
	// doubles with jitter per failure up to ReconnectBackoffMax
	// (reconnect.backoff.ms, reconnect.backoff.max.ms). Defaults 50ms, 1s.
	ReconnectBackoff, ReconnectBackoffMax time.Duration
	// ConnectTimeout bounds establishing a connection, TLS and SASL
	// included (socket.connection.setup.timeout.ms). Default 10s.
	ConnectTimeout time.Duration
	// ConnectionsMaxIdle closes a broker connection once no request has
	// been in flight on it for this long; the next request opens a new
	// one (connections.max.idle.ms). Default 9 minutes, as Java; 0 or
	// negative never closes an idle connection.
	ConnectionsMaxIdle time.Duration
	// SendBufferBytes and ReceiveBufferBytes size the socket buffers
	// (send.buffer.bytes, receive.buffer.bytes); -1 (or 0) leaves a buffer
	// to the OS. Defaults -1 and 32768 (Java's are 131072 and 32768).
	//
	// The send buffer's default differs from Java's on purpose: a size set
	// here turns off the kernel's tuning of that socket, and a connection
	// then carries at most about that many bytes per round trip (131072
	// bytes every 20 ms is about 6.5 MB/s to a broker in another region).
	// Left to the OS, Linux grows it with the connection's needs up to
	// net.ipv4.tcp_wmem's maximum, as librdkafka, franz-go and sarama do.
	SendBufferBytes, ReceiveBufferBytes int
	// Dial, when set, opens the transport to a broker instead of a
	// net.Dialer: for proxies, custom name resolution or fault injection.
	// TLS, when configured, is layered on the connection it returns.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// SecurityProtocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
	// (security.protocol). Default Plaintext.
	SecurityProtocol SecurityProtocol
	// TLS configures SSL and SASL_SSL.
	TLS TLSConfig
	// SASL configures SASL_PLAINTEXT and SASL_SSL.
	SASL SASLConfig

	// Idempotence: see Idempotence (enable.idempotence). Default auto (on).
	Idempotence Idempotence
	// TransactionalID makes the producer transactional (transactional.id).
	TransactionalID string
	// TransactionTimeout is how long the coordinator lets a transaction stay
	// open before aborting it (transaction.timeout.ms). Default 60s.
	TransactionTimeout time.Duration

	// EnableMetricsPush lets the producer push its metrics to the cluster
	// when a broker's client metrics subscription asks for them (KIP-714,
	// Kafka 3.7+; enable.metrics.push). Brokers without the feature are
	// left alone. Default true, as in the Java client.
	EnableMetricsPush bool

	// Spool keeps every record in a durable local log until Kafka
	// acknowledges it (spool.dir and the spool.* settings); see
	// SpoolConfig. The zero value has no spool.
	Spool SpoolConfig

	// Hooks observe the producer: records as they are produced and
	// acknowledged (interceptor.classes), batches, requests, connections.
	// See Hook.
	Hooks []Hook
	// Logger receives the producer's log; nil logs nothing.
	Logger *slog.Logger
}

// DefaultConfig returns the default configuration, which follows the Java
// client's defaults. Set BootstrapServers before use.
func DefaultConfig() Config {
	return Config{
		Acks:                    AcksAll,
		Linger:                  5 * time.Millisecond,
		BatchSize:               16384,
		BufferMemory:            32 << 20,
		MaxBlock:                60 * time.Second,
		MaxRequestSize:          1 << 20,
		Retries:                 1<<31 - 1,
		RetryBackoff:            100 * time.Millisecond,
		RetryBackoffMax:         time.Second,
		DeliveryTimeout:         120 * time.Second,
		RequestTimeout:          30 * time.Second,
		MaxInFlight:             5,
		PartitionerAdaptive:     true,
		MetadataMaxAge:          5 * time.Minute,
		MetadataMaxIdle:         5 * time.Minute,
		MetadataRecovery:        MetadataRecoveryRebootstrap,
		MetadataRecoveryTrigger: 5 * time.Minute,
		DNSLookup:               DNSLookupUseAllIPs,
		ReconnectBackoff:        50 * time.Millisecond,
		ReconnectBackoffMax:     time.Second,
		ConnectTimeout:          10 * time.Second,
		ConnectionsMaxIdle:      9 * time.Minute,
		SendBufferBytes:         -1, // the OS's, tuned by the kernel: see the field
		ReceiveBufferBytes:      32768,
		TransactionTimeout:      60 * time.Second,
		EnableMetricsPush:       true,
		SASL:                    SASLConfig{OAuth: defaultOAuth()},
	}
}
