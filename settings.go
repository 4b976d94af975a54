package samsa

import (
	"crypto/tls"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/config"
)

// The rules behind Config live in internal/config (Validate's checks, the
// bootstrap address syntax, building a tls.Config) and internal/props
// (ConfigFromProperties). This file hands them a Config's settings and
// takes back what they set.

// Validate checks the configuration and returns a *ConfigError describing
// the first problem found, or nil. NewProducer calls it; call it yourself
// to check a configuration early.
//
// It applies the ranges the Java client's ConfigDef puts on each setting
// (for example batch.size >= 0, max.in.flight.requests.per.connection >= 1,
// metadata.max.idle.ms >= 5000), the limits of settings sent as 32-bit
// millisecond counts, and the rules that tie settings together:
//
//   - bootstrap.servers must list at least one valid host[:port];
//   - delivery.timeout.ms must be at least linger.ms + request.timeout.ms;
//   - partitioner.ignore.keys and partitioner.availability.timeout.ms
//     configure the built-in partitioner, so they are an error with a
//     custom Partitioner, and the availability timeout is one without
//     adaptive partitioning (the Java client ignores them there);
//   - a compression level must lie in its codec's range (gzip 1..9 or -1,
//     lz4 1..17, zstd -131072..22; 0 always means the codec's default),
//     and none and snappy take no level;
//   - IdempotenceOn requires acks=all, at most 5 requests in flight and
//     retries > 0; a TransactionalID requires idempotence, so it cannot be
//     combined with IdempotenceOff or with settings that rule idempotence
//     out;
//   - transaction.timeout.ms must be positive;
//   - the spool.* settings need spool.dir, a transactional producer cannot
//     have a spool, spool.max.bytes must hold two requests of
//     max.request.size, spool.fsync.interval.ms applies only to
//     spool.fsync=interval, and delivery.timeout.ms may be 0 (no limit)
//     only with a spool;
//   - SASL_PLAINTEXT and SASL_SSL need a mechanism and its credentials
//     (a user name and password, or a TokenSource for OAUTHBEARER), and
//     SASL settings are an error with a protocol that does not use SASL;
//   - a TLS client certificate needs its key and the other way round, and
//     trusted roots, client certificates, a server name or a tls.Config
//     are an error with a protocol that does not use TLS.
//
// Each error's Key is the Java property name and Field the Config field.
func (c Config) Validate() error {
	s := c.settings()
	if err := s.Validate(); err != nil {
		return configError(err)
	}
	return c.validateHooks()
}

// settings returns the fields of c that internal/config checks and
// internal/props sets.
func (c *Config) settings() config.Config {
	return config.Config{
		BootstrapServers: c.BootstrapServers,
		ClientID:         c.ClientID,

		Acks:             config.Acks(c.Acks),
		Linger:           c.Linger,
		BatchSize:        c.BatchSize,
		BufferMemory:     c.BufferMemory,
		MaxBlock:         c.MaxBlock,
		MaxRequestSize:   c.MaxRequestSize,
		Compression:      compress.Codec(c.Compression),
		CompressionLevel: c.CompressionLevel,

		Retries:         c.Retries,
		RetryBackoff:    c.RetryBackoff,
		RetryBackoffMax: c.RetryBackoffMax,
		DeliveryTimeout: c.DeliveryTimeout,
		RequestTimeout:  c.RequestTimeout,
		MaxInFlight:     c.MaxInFlight,

		CustomPartitioner:              c.Partitioner != nil,
		PartitionerIgnoreKeys:          c.PartitionerIgnoreKeys,
		PartitionerAdaptive:            c.PartitionerAdaptive,
		PartitionerAvailabilityTimeout: c.PartitionerAvailabilityTimeout,

		MetadataMaxAge:          c.MetadataMaxAge,
		MetadataMaxIdle:         c.MetadataMaxIdle,
		MetadataRecovery:        config.MetadataRecovery(c.MetadataRecovery),
		MetadataRecoveryTrigger: c.MetadataRecoveryTrigger,
		DNSLookup:               config.DNSLookup(c.DNSLookup),
		ReconnectBackoff:        c.ReconnectBackoff,
		ReconnectBackoffMax:     c.ReconnectBackoffMax,
		ConnectTimeout:          c.ConnectTimeout,
		ConnectionsMaxIdle:      c.ConnectionsMaxIdle,
		SendBufferBytes:         c.SendBufferBytes,
		ReceiveBufferBytes:      c.ReceiveBufferBytes,

		SecurityProtocol: config.SecurityProtocol(c.SecurityProtocol),
		TLS:              config.TLS(c.TLS),
		SASL:             c.SASL.settings(),

		Idempotence:        config.Idempotence(c.Idempotence),
		TransactionalID:    c.TransactionalID,
		TransactionTimeout: c.TransactionTimeout,

		EnableMetricsPush: c.EnableMetricsPush,

		Spool: config.Spool{Dir: c.Spool.Dir, MaxBytes: c.Spool.MaxBytes, Fsync: config.SpoolFsync(c.Spool.Fsync),
			FsyncInterval: c.Spool.FsyncInterval, HasCallbacks: c.Spool.OnRecovered != nil || c.Spool.OnRecovery != nil},
	}
}

// setSettings sets c's fields from s, which internal/props filled in: a
// partitioner.class name becomes the Partitioner it names.
func (c *Config) setSettings(s *config.Config) {
	c.BootstrapServers, c.ClientID = s.BootstrapServers, s.ClientID
	c.Acks, c.Linger, c.BatchSize, c.BufferMemory = Acks(s.Acks), s.Linger, s.BatchSize, s.BufferMemory
	c.MaxBlock, c.MaxRequestSize = s.MaxBlock, s.MaxRequestSize
	c.Compression, c.CompressionLevel = Compression(s.Compression), s.CompressionLevel
	c.Retries, c.RetryBackoff, c.RetryBackoffMax = s.Retries, s.RetryBackoff, s.RetryBackoffMax
	c.DeliveryTimeout, c.RequestTimeout, c.MaxInFlight = s.DeliveryTimeout, s.RequestTimeout, s.MaxInFlight
	if s.Partitioner != "" {
		// internal/props checked the name with partitionerProperty.
		c.Partitioner, _ = PartitionerByName(s.Partitioner)
	}
	c.PartitionerIgnoreKeys, c.PartitionerAdaptive = s.PartitionerIgnoreKeys, s.PartitionerAdaptive
	c.PartitionerAvailabilityTimeout = s.PartitionerAvailabilityTimeout
	c.MetadataMaxAge, c.MetadataMaxIdle = s.MetadataMaxAge, s.MetadataMaxIdle
	c.MetadataRecovery, c.MetadataRecoveryTrigger = MetadataRecovery(s.MetadataRecovery), s.MetadataRecoveryTrigger
	c.DNSLookup = DNSLookup(s.DNSLookup)
	c.ReconnectBackoff, c.ReconnectBackoffMax = s.ReconnectBackoff, s.ReconnectBackoffMax
	c.ConnectTimeout, c.ConnectionsMaxIdle = s.ConnectTimeout, s.ConnectionsMaxIdle
	c.SendBufferBytes, c.ReceiveBufferBytes = s.SendBufferBytes, s.ReceiveBufferBytes
	c.SecurityProtocol, c.TLS = SecurityProtocol(s.SecurityProtocol), TLSConfig(s.TLS)
	c.SASL.Mechanism, c.SASL.Username, c.SASL.Password = s.SASL.Mechanism, s.SASL.Username, s.SASL.Password
	c.SASL.OAuth.setSettings(&s.SASL.OAuth)
	c.Idempotence, c.TransactionalID, c.TransactionTimeout = Idempotence(s.Idempotence), s.TransactionalID, s.TransactionTimeout
	c.EnableMetricsPush = s.EnableMetricsPush
	c.Spool.Dir, c.Spool.MaxBytes, c.Spool.Fsync = s.Spool.Dir, s.Spool.MaxBytes, SpoolFsync(s.Spool.Fsync)
	c.Spool.FsyncInterval = s.Spool.FsyncInterval
}

// settings returns s for internal/config.
func (s *SASLConfig) settings() config.SASL {
	out := config.SASL{Mechanism: s.Mechanism, Username: s.Username, Password: s.Password,
		HasTokenSource: s.TokenSource != nil, OAuth: s.OAuth.settings(), HasCustom: s.Custom != nil}
	if s.Custom != nil {
		out.CustomName = s.Custom.Name()
	}
	return out
}

// settings returns o for internal/config.
func (o *OAuthConfig) settings() config.OAuth {
	return config.OAuth{
		TokenEndpointURL: o.TokenEndpointURL, GrantType: o.GrantType,
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, Scope: o.Scope, HeaderURLEncode: o.HeaderURLEncode,
		Assertion:      config.OAuthAssertion(o.Assertion),
		ScopeClaimName: o.ScopeClaimName, SubClaimName: o.SubClaimName,
		ExpectedAudience: o.ExpectedAudience, ExpectedIssuer: o.ExpectedIssuer, ClockSkew: o.ClockSkew,
		Extensions: o.Extensions, Refresh: config.OAuthRefresh(o.Refresh),
		ConnectTimeout: o.ConnectTimeout, ReadTimeout: o.ReadTimeout,
		RetryBackoff: o.RetryBackoff, RetryBackoffMax: o.RetryBackoffMax, HTTPClient: o.HTTPClient,
	}
}

// setSettings sets o's fields from s.
func (o *OAuthConfig) setSettings(s *config.OAuth) {
	*o = OAuthConfig{
		TokenEndpointURL: s.TokenEndpointURL, GrantType: s.GrantType,
		ClientID: s.ClientID, ClientSecret: s.ClientSecret, Scope: s.Scope, HeaderURLEncode: s.HeaderURLEncode,
		Assertion:      OAuthAssertion(s.Assertion),
		ScopeClaimName: s.ScopeClaimName, SubClaimName: s.SubClaimName,
		ExpectedAudience: s.ExpectedAudience, ExpectedIssuer: s.ExpectedIssuer, ClockSkew: s.ClockSkew,
		Extensions: s.Extensions, Refresh: OAuthRefresh(s.Refresh),
		ConnectTimeout: s.ConnectTimeout, ReadTimeout: s.ReadTimeout,
		RetryBackoff: s.RetryBackoff, RetryBackoffMax: s.RetryBackoffMax, HTTPClient: s.HTTPClient,
	}
}

// configError returns err with an internal *config.Error turned into the
// *ConfigError it stands for (the two have the same fields).
func configError(err error) error {
	if ce, ok := err.(*config.Error); ok {
		return (*ConfigError)(ce)
	}
	return err
}

// bootstrapAddrs returns BootstrapServers normalised to host:port (see
// config.Config.BootstrapAddrs).
func (c *Config) bootstrapAddrs() ([]string, error) {
	s := c.settings()
	addrs, err := s.BootstrapAddrs()
	return addrs, configError(err)
}

// idempotent reports whether the producer is effectively idempotent (see
// config.Config.Idempotent). It assumes the configuration passed Validate.
func (c *Config) idempotent() bool {
	s := c.settings()
	return s.Idempotent()
}

// build returns the crypto/tls configuration for t (see config.TLS.Build).
func (t *TLSConfig) build() (*tls.Config, error) {
	ct := config.TLS(*t)
	cfg, err := ct.Build()
	if err != nil {
		return nil, configError(err)
	}
	return cfg, nil
}
