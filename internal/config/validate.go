package config

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
)

// defaultKafkaPort is the port used for a bootstrap server given without
// one.
const defaultKafkaPort = "9092"

// maxIdempotentInFlight is the most produce requests per connection the
// idempotent producer allows (Java's
// MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE).
const maxIdempotentInFlight = 5

// minMetadataMaxIdle is the lower bound Java puts on metadata.max.idle.ms.
const minMetadataMaxIdle = 5 * time.Second

// MaxInt32Millis is the longest duration a setting that Java declares as
// an INT of milliseconds (and that is sent as an int32) can hold.
//
//nolint:staticcheck // ST1011: "Millis" names the int32 count that bounds the value, not its unit.
const MaxInt32Millis = time.Duration(math.MaxInt32) * time.Millisecond

// Validate checks c as samsa.Config.Validate documents (but for the hooks,
// which the root package checks) and returns the first problem found.
func (c *Config) Validate() error {
	if _, err := c.BootstrapAddrs(); err != nil {
		return err
	}
	checks := []func() error{
		c.validateProducing,
		c.validateTimeouts,
		c.validateCompression,
		c.validateRetries,
		c.validateNetwork,
		c.validateIdempotence,
		c.validateSecurity,
		c.validateSpool,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// cfgMsText formats a duration as a Java millisecond setting value.
func cfgMsText(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10)
}

// cfgDurationText formats a duration for a Error's Value: the
// millisecond count, or the Go duration when it is not a whole number of
// milliseconds.
func cfgDurationText(d time.Duration) string {
	if d%time.Millisecond == 0 {
		return cfgMsText(d)
	}
	return d.String()
}

// cfgCheckDuration checks that d is not negative and, for settings Java
// declares as INT, that it fits in an int32 of milliseconds.
func cfgCheckDuration(key, field string, d time.Duration, int32Millis bool) error {
	if d < 0 {
		return Invalid(key, field, cfgDurationText(d), "must not be negative")
	}
	if int32Millis && d > MaxInt32Millis {
		return Invalid(key, field, cfgDurationText(d),
			fmt.Sprintf("must be at most %d ms (it is sent as a 32-bit millisecond count)", math.MaxInt32))
	}
	return nil
}

func (c *Config) validateProducing() error {
	switch c.Acks {
	case AcksNone, AcksLeader, AcksAll:
	default:
		return Invalid("acks", "Acks", strconv.Itoa(int(c.Acks)), "must be 0, 1 or all (-1)")
	}
	if c.BatchSize < 0 || c.BatchSize > math.MaxInt32 {
		return Invalid("batch.size", "BatchSize", strconv.Itoa(c.BatchSize), "must be between 0 and 2147483647 bytes")
	}
	if c.BufferMemory < 0 {
		return Invalid("buffer.memory", "BufferMemory", strconv.FormatInt(c.BufferMemory, 10), "must not be negative")
	}
	if c.MaxRequestSize < 0 || c.MaxRequestSize > math.MaxInt32 {
		return Invalid("max.request.size", "MaxRequestSize", strconv.Itoa(c.MaxRequestSize), "must be between 0 and 2147483647 bytes")
	}
	if c.MaxInFlight < 1 || c.MaxInFlight > math.MaxInt32 {
		return Invalid("max.in.flight.requests.per.connection", "MaxInFlight", strconv.Itoa(c.MaxInFlight), "must be at least 1")
	}
	if err := cfgCheckDuration("partitioner.availability.timeout.ms", "PartitionerAvailabilityTimeout", c.PartitionerAvailabilityTimeout, false); err != nil {
		return err
	}
	return c.validateBuiltinPartitioner()
}

// validateBuiltinPartitioner refuses settings of the built-in partitioner
// that would have no effect: with a custom Partitioner, or (for the
// availability timeout) without adaptive partitioning. The Java client
// ignores them there; samsa refuses a setting it would ignore.
func (c *Config) validateBuiltinPartitioner() error {
	if c.CustomPartitioner {
		if c.PartitionerIgnoreKeys {
			return Invalid("partitioner.ignore.keys", "PartitionerIgnoreKeys", "true",
				"configures only the built-in partitioner, and Config.Partitioner (partitioner.class) replaces it")
		}
		if c.PartitionerAvailabilityTimeout > 0 {
			return Invalid("partitioner.availability.timeout.ms", "PartitionerAvailabilityTimeout", cfgDurationText(c.PartitionerAvailabilityTimeout),
				"configures only the built-in partitioner, and Config.Partitioner (partitioner.class) replaces it")
		}
	}
	if c.PartitionerAvailabilityTimeout > 0 && !c.PartitionerAdaptive {
		return Invalid("partitioner.availability.timeout.ms", "PartitionerAvailabilityTimeout", cfgDurationText(c.PartitionerAvailabilityTimeout),
			"takes effect only with adaptive partitioning (partitioner.adaptive.partitioning.enable=true)")
	}
	return nil
}

func (c *Config) validateTimeouts() error {
	durations := []struct {
		key, field string
		d          time.Duration
		int32ms    bool
	}{
		{"linger.ms", "Linger", c.Linger, false},
		{"max.block.ms", "MaxBlock", c.MaxBlock, false},
		{"delivery.timeout.ms", "DeliveryTimeout", c.DeliveryTimeout, true},
		{"request.timeout.ms", "RequestTimeout", c.RequestTimeout, true},
	}
	for _, d := range durations {
		if err := cfgCheckDuration(d.key, d.field, d.d, d.int32ms); err != nil {
			return err
		}
	}
	if c.DeliveryTimeout == 0 && c.Spool.Dir != "" {
		return nil // no limit: the spool keeps the records
	}
	if sum := c.Linger + c.RequestTimeout; c.DeliveryTimeout < sum {
		return Invalid("delivery.timeout.ms", "DeliveryTimeout", cfgDurationText(c.DeliveryTimeout),
			fmt.Sprintf("must be at least linger.ms + request.timeout.ms = %s + %s = %s",
				cfgDurationText(c.Linger), cfgDurationText(c.RequestTimeout), cfgDurationText(sum)))
	}
	return nil
}

// compressionLevelKey returns the Java property holding the level of
// codec c.
func compressionLevelKey(c compress.Codec) string {
	switch c {
	case compress.Gzip, compress.LZ4, compress.Zstd:
		return "compression." + c.String() + ".level"
	}
	return "compression.level"
}

// CheckCompressionLevel checks level against codec c's range, as the
// Java client's level validators do; 0 always selects the default.
func CheckCompressionLevel(c compress.Codec, level int) string {
	if level == 0 {
		return ""
	}
	lo, hi, def := compress.LevelRange(c)
	if lo == 0 && hi == 0 {
		return fmt.Sprintf("compression.type=%s has no compression levels; leave the level 0", c)
	}
	if level == def || (level >= lo && level <= hi) {
		return ""
	}
	if c == compress.Gzip {
		return fmt.Sprintf("gzip levels are %d to %d, or %d for zlib's default (0 also selects the default)", lo, hi, def)
	}
	return fmt.Sprintf("%s levels are %d to %d (0 selects the default, %d)", c, lo, hi, def)
}

func (c *Config) validateCompression() error {
	switch c.Compression {
	case compress.None, compress.Gzip, compress.Snappy, compress.LZ4, compress.Zstd:
	default:
		return Invalid("compression.type", "Compression", strconv.Itoa(int(c.Compression)),
			"must be none, gzip, snappy, lz4 or zstd")
	}
	if reason := CheckCompressionLevel(c.Compression, c.CompressionLevel); reason != "" {
		return Invalid(compressionLevelKey(c.Compression), "CompressionLevel", strconv.Itoa(c.CompressionLevel), reason)
	}
	return nil
}

func (c *Config) validateRetries() error {
	if c.Retries < 0 || c.Retries > math.MaxInt32 {
		return Invalid("retries", "Retries", strconv.Itoa(c.Retries), "must be between 0 and 2147483647")
	}
	if err := cfgCheckDuration("retry.backoff.ms", "RetryBackoff", c.RetryBackoff, false); err != nil {
		return err
	}
	return cfgCheckDuration("retry.backoff.max.ms", "RetryBackoffMax", c.RetryBackoffMax, false)
}

func (c *Config) validateNetwork() error {
	durations := []struct {
		key, field string
		d          time.Duration
	}{
		{"metadata.max.age.ms", "MetadataMaxAge", c.MetadataMaxAge},
		{"metadata.max.idle.ms", "MetadataMaxIdle", c.MetadataMaxIdle},
		{"reconnect.backoff.ms", "ReconnectBackoff", c.ReconnectBackoff},
		{"reconnect.backoff.max.ms", "ReconnectBackoffMax", c.ReconnectBackoffMax},
		{"socket.connection.setup.timeout.ms", "ConnectTimeout", c.ConnectTimeout},
		{"metadata.recovery.rebootstrap.trigger.ms", "MetadataRecoveryTrigger", c.MetadataRecoveryTrigger},
	}
	for _, d := range durations {
		if err := cfgCheckDuration(d.key, d.field, d.d, false); err != nil {
			return err
		}
	}
	if c.MetadataRecovery.String() == "invalid" {
		return Invalid("metadata.recovery.strategy", "MetadataRecovery", strconv.Itoa(int(c.MetadataRecovery)),
			"must be MetadataRecoveryRebootstrap (rebootstrap) or MetadataRecoveryNone (none)")
	}
	if c.DNSLookup.String() == "invalid" {
		return Invalid("client.dns.lookup", "DNSLookup", strconv.Itoa(int(c.DNSLookup)),
			"must be DNSLookupUseAllIPs (use_all_dns_ips) or DNSLookupCanonicalBootstrap (resolve_canonical_bootstrap_servers_only)")
	}
	if c.MetadataMaxIdle < minMetadataMaxIdle {
		return Invalid("metadata.max.idle.ms", "MetadataMaxIdle", cfgDurationText(c.MetadataMaxIdle), "must be at least 5000 ms")
	}
	if c.SendBufferBytes < -1 || c.SendBufferBytes > math.MaxInt32 {
		return Invalid("send.buffer.bytes", "SendBufferBytes", strconv.Itoa(c.SendBufferBytes),
			"must be -1 (the OS default) or a size in bytes")
	}
	if c.ReceiveBufferBytes < -1 || c.ReceiveBufferBytes > math.MaxInt32 {
		return Invalid("receive.buffer.bytes", "ReceiveBufferBytes", strconv.Itoa(c.ReceiveBufferBytes),
			"must be -1 (the OS default) or a size in bytes")
	}
	return nil
}

// idempotenceConflict returns the first setting that rules idempotence
// out, as key, field, value and reason, or ok false when there is none.
func (c *Config) idempotenceConflict() (key, field, value, reason string, ok bool) {
	switch {
	case c.Acks != AcksAll:
		return "acks", "Acks", c.Acks.String(), "must be all", true
	case c.MaxInFlight > maxIdempotentInFlight:
		return "max.in.flight.requests.per.connection", "MaxInFlight", strconv.Itoa(c.MaxInFlight), "must be at most 5", true
	case c.Retries == 0:
		return "retries", "Retries", "0", "must not be 0", true
	}
	return "", "", "", "", false
}

// Idempotent reports whether the producer is effectively idempotent: a
// transactional producer always is; otherwise IdempotenceOn means yes,
// IdempotenceOff no, and IdempotenceAuto yes unless acks is not all, more
// than 5 requests may be in flight or retries is 0 (as the Java client
// does when enable.idempotence is not set explicitly). It assumes the
// configuration passed Validate.
func (c *Config) Idempotent() bool {
	if c.TransactionalID != "" {
		return true
	}
	switch c.Idempotence {
	case IdempotenceOn:
		return true
	case IdempotenceOff:
		return false
	}
	_, _, _, _, conflict := c.idempotenceConflict()
	return !conflict
}

func (c *Config) validateIdempotence() error {
	switch c.Idempotence {
	case IdempotenceAuto, IdempotenceOn, IdempotenceOff:
	default:
		return Invalid("enable.idempotence", "Idempotence", strconv.Itoa(int(c.Idempotence)),
			"must be IdempotenceAuto, IdempotenceOn or IdempotenceOff")
	}
	if err := cfgCheckDuration("transaction.timeout.ms", "TransactionTimeout", c.TransactionTimeout, true); err != nil {
		return err
	}
	if c.TransactionTimeout <= 0 {
		return Invalid("transaction.timeout.ms", "TransactionTimeout", cfgDurationText(c.TransactionTimeout), "must be positive")
	}
	transactional := c.TransactionalID != ""
	if transactional && c.Idempotence == IdempotenceOff {
		return Invalid("transactional.id", "TransactionalID", c.TransactionalID,
			"a transactional producer must be idempotent, but enable.idempotence is false (IdempotenceOff)")
	}
	if c.Idempotence != IdempotenceOn && !transactional {
		return nil
	}
	key, field, value, reason, conflict := c.idempotenceConflict()
	if !conflict {
		return nil
	}
	why := "the idempotent producer (enable.idempotence=true)"
	if transactional {
		why = "a transactional producer (transactional.id is set), which must be idempotent"
	}
	return Invalid(key, field, value, reason+" for "+why)
}

// cfgSettingGiven reports whether a TLS setting has been made that shows
// the user expects TLS (trusted roots, a client certificate, a server
// name or a ready tls.Config), naming one of them. Settings often left in
// shared configuration files (TLS versions, host name verification) do
// not count.
func (t *TLS) cfgSettingGiven() (key string, ok bool) {
	switch {
	case t.Config != nil:
		return "TLS.Config", true
	case t.CAFile != "":
		return "ssl.truststore.location", true
	case t.CertFile != "":
		return "ssl.keystore.location", true
	case t.KeyFile != "":
		return "ssl.key.location", true
	case t.ServerName != "":
		return "TLS.ServerName", true
	}
	return "", false
}

func (c *Config) validateSecurity() error {
	switch c.SecurityProtocol {
	case Plaintext, SSL, SASLPlaintext, SASLSSL:
	default:
		return Invalid("security.protocol", "SecurityProtocol", strconv.Itoa(int(c.SecurityProtocol)),
			"must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
	}
	proto := c.SecurityProtocol.String()
	if c.SecurityProtocol.UsesSASL() {
		if err := c.SASL.cfgValidate(proto); err != nil {
			return err
		}
	} else {
		switch {
		case c.SASL.Mechanism != "":
			return Invalid("sasl.mechanism", "SASL.Mechanism", c.SASL.Mechanism,
				"is set but security.protocol="+proto+" does not use SASL; use SASL_PLAINTEXT or SASL_SSL")
		case c.SASL.Username != "" || c.SASL.Password != "" || c.SASL.HasTokenSource || c.SASL.OAuth.Set() || c.SASL.HasCustom:
			return Invalid("sasl.jaas.config", "SASL", "",
				"SASL credentials are set but security.protocol="+proto+" does not use SASL; use SASL_PLAINTEXT or SASL_SSL")
		}
	}
	if !c.SecurityProtocol.UsesTLS() {
		if key, ok := c.TLS.cfgSettingGiven(); ok {
			return Invalid("security.protocol", "SecurityProtocol", proto,
				"does not use TLS, but TLS is configured ("+key+"); use SSL or SASL_SSL, or remove the TLS settings")
		}
		return nil
	}
	return c.TLS.Validate()
}

// cfgValidate checks the SASL settings for the SASL protocol proto.
func (s *SASL) cfgValidate(proto string) error {
	if s.HasCustom {
		if name := s.CustomName; s.Mechanism != "" && !strings.EqualFold(s.Mechanism, name) {
			return Invalid("sasl.mechanism", "SASL.Mechanism", s.Mechanism,
				"conflicts with SASL.Custom, which implements "+name+": leave Mechanism empty or set it to "+name)
		}
		return nil
	}
	switch s.Mechanism {
	case "":
		return Invalid("sasl.mechanism", "SASL.Mechanism", "",
			"security.protocol="+proto+" needs a SASL mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER")
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		if s.Username == "" {
			return Invalid("sasl.jaas.config", "SASL.Username", "", "SASL "+s.Mechanism+" needs a user name")
		}
		if s.Password == "" {
			return Invalid("sasl.jaas.config", "SASL.Password", "", "SASL "+s.Mechanism+" needs a password")
		}
	case "OAUTHBEARER":
		switch {
		case s.HasTokenSource && s.OAuth.Set():
			return Invalid("sasl.oauthbearer.token.endpoint.url", "SASL.OAuth.TokenEndpointURL", s.OAuth.TokenEndpointURL,
				"conflicts with SASL.TokenSource: tokens come from one or the other")
		case !s.HasTokenSource && !s.OAuth.Set():
			return Invalid("sasl.mechanism", "SASL.TokenSource", "",
				"SASL OAUTHBEARER needs a token endpoint (sasl.oauthbearer.token.endpoint.url, SASL.OAuth) or Config.SASL.TokenSource, a function that supplies tokens")
		case s.OAuth.Set():
			return s.OAuth.Validate()
		}
	case "GSSAPI":
		return Invalid("sasl.mechanism", "SASL.Mechanism", s.Mechanism,
			"GSSAPI (Kerberos) is not supported; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER")
	default:
		return Invalid("sasl.mechanism", "SASL.Mechanism", s.Mechanism,
			"must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER, or a mechanism set in SASL.Custom (such as AWS_MSK_IAM from plugin/awsmskiam)")
	}
	return nil
}

// Validate checks TLS settings that can be checked without reading files.
func (t *TLS) Validate() error {
	if t.Config != nil {
		return t.besideConfig()
	}
	if err := t.ProtocolError(); err != nil {
		return err
	}
	if t.CertFile != "" && t.KeyFile == "" {
		return Invalid("ssl.key.location", "TLS.KeyFile", "",
			"a client certificate (TLS.CertFile) needs its private key (TLS.KeyFile; the same file when it holds both)")
	}
	if t.KeyFile != "" && t.CertFile == "" {
		return Invalid("ssl.certificate.location", "TLS.CertFile", "",
			"a private key (TLS.KeyFile) needs its client certificate (TLS.CertFile; the same file when it holds both)")
	}
	return nil
}

// BootstrapAddrs returns BootstrapServers normalised to host:port, with
// the default port 9092 where none is given, IPv6 addresses in brackets,
// and a listener prefix such as "SASL_SSL://" removed. Entries that are
// empty after trimming spaces are skipped; none left is an error.
func (c *Config) BootstrapAddrs() ([]string, error) {
	out := make([]string, 0, len(c.BootstrapServers))
	for _, s := range c.BootstrapServers {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		addr, reason := NormalizeBootstrapAddr(s)
		if reason != "" {
			return nil, Invalid("bootstrap.servers", "BootstrapServers", s, reason)
		}
		out = append(out, addr)
	}
	if len(out) == 0 {
		return nil, Invalid("bootstrap.servers", "BootstrapServers", "",
			"no bootstrap servers: give at least one host:port, such as localhost:9092")
	}
	return out, nil
}

// NormalizeBootstrapAddr returns s as host:port, or a reason it is not a
// valid address.
func NormalizeBootstrapAddr(s string) (string, string) {
	if i := strings.Index(s, "://"); i >= 0 {
		switch strings.ToUpper(s[:i]) {
		case "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL":
			s = s[i+3:]
		default:
			return "", "the prefix " + s[:i+3] + " is not a security protocol; give host:port"
		}
	}
	var host, port string
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.Index(s, "]")
		if end < 0 {
			return "", "an IPv6 address opened with [ must be closed with ], as in [::1]:9092"
		}
		host, port = s[1:end], ""
		switch rest := s[end+1:]; {
		case rest == "":
		case strings.HasPrefix(rest, ":"):
			port = rest[1:]
			if port == "" {
				return "", "the port after the colon is missing"
			}
		default:
			return "", "unexpected text after the IPv6 address; use [address]:port"
		}
		if ip := net.ParseIP(cfgStripZone(host)); ip == nil || ip.To4() != nil && !strings.Contains(host, ":") {
			return "", "not an IPv6 address inside [ ]"
		}
	case strings.Count(s, ":") > 1:
		// Several colons without brackets: a bare IPv6 address, without a
		// port (a port would be ambiguous).
		if net.ParseIP(cfgStripZone(s)) == nil {
			return "", "write an IPv6 address in brackets, as in [::1]:9092"
		}
		host = s
	case strings.Contains(s, ":"):
		i := strings.LastIndex(s, ":")
		host, port = s[:i], s[i+1:]
		if port == "" {
			return "", "the port after the colon is missing"
		}
	default:
		host = s
	}
	if host == "" {
		return "", "the host name is missing"
	}
	if !strings.Contains(host, ":") {
		for _, r := range host {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
				return "", fmt.Sprintf("the host name has the character %q; host names may have letters, digits, '-', '.' and '_'", r)
			}
		}
	}
	if port == "" {
		port = defaultKafkaPort
	} else {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' {
			return "", "the port must be a number from 1 to 65535"
		}
		port = strconv.Itoa(n)
	}
	return net.JoinHostPort(host, port), ""
}

// cfgStripZone removes an IPv6 zone such as "%eth0".
func cfgStripZone(host string) string {
	if i := strings.IndexByte(host, '%'); i >= 0 {
		return host[:i]
	}
	return host
}

// besideConfig refuses a TLS field set together with TLS.Config, which is
// used as it is: the field would be ignored.
func (t *TLS) besideConfig() error {
	fields := []struct {
		set        bool
		key, field string
	}{
		{t.CAFile != "", "ssl.truststore.location", "CAFile"},
		{t.CertFile != "", "ssl.keystore.location", "CertFile"},
		{t.KeyFile != "", "ssl.key.location", "KeyFile"},
		{t.KeyPassword != "", "ssl.key.password", "KeyPassword"},
		{t.ServerName != "", "", "ServerName"},
		{t.InsecureSkipVerify, "", "InsecureSkipVerify"},
		{t.SkipHostnameVerification, "ssl.endpoint.identification.algorithm", "SkipHostnameVerification"},
		{t.MinVersion != 0, "ssl.enabled.protocols", "MinVersion"},
		{t.MaxVersion != 0, "ssl.enabled.protocols", "MaxVersion"},
		{len(t.CipherSuites) > 0, "ssl.cipher.suites", "CipherSuites"},
	}
	for _, f := range fields {
		if f.set {
			return Invalid(f.key, "TLS."+f.field, "",
				"TLS.Config is used as it is, so TLS."+f.field+" would be ignored: set it in the tls.Config instead")
		}
	}
	return nil
}
