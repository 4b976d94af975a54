package samsa

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/typo"
)

// ConfigFromProperties returns DefaultConfig with the given producer
// properties applied. Keys are the Java client's property names
// (linger.ms, acks, sasl.jaas.config, ...); kafka-python's names
// (linger_ms, ssl_cafile, sasl_plain_username, ...) and common librdkafka
// names (queue.buffering.max.ms, compression.codec, ssl.ca.location,
// sasl.username, ...) are accepted for the same settings. Giving one
// setting under two names with different values is an error.
//
// Values are trimmed of surrounding spaces, as Java does. Durations are
// whole milliseconds, sizes are bytes (queue.buffering.max.kbytes is in
// kilobytes, as in librdkafka), booleans are true or false (in any case).
// Each value is checked against the range the Java client allows; an
// error is a *ConfigError naming the key, the value (never for passwords,
// private keys or sasl.jaas.config) and what is allowed. A key the
// producer does not know is an error that suggests the nearest valid key
// when there is a likely typo. Keys that only make sense to another
// client (key.serializer, interceptor.classes, metric.reporters, ...;
// see IgnoredProperties) are accepted and ignored; docs/properties.md
// gives the reason for each. A key that would change security (such as
// ssl.provider or ssl.engine.factory.class) is never ignored: a value
// samsa cannot honour is a ConfigError.
//
// Where Java adjusts settings that were not given explicitly,
// ConfigFromProperties does the same: reconnect.backoff.max.ms follows
// reconnect.backoff.ms when only the latter is set; delivery.timeout.ms,
// when not set, is raised to linger.ms + request.timeout.ms if it is below
// that; and Java's UniformStickyPartitioner sets PartitionerIgnoreKeys.
//
// Notes on particular keys:
//
//   - ssl.truststore.type and ssl.keystore.type must be PEM: convert JKS
//     and PKCS12 stores to PEM files (keytool -exportcert -rfc, or
//     openssl pkcs12 -nodes). A PEM keystore file holds the client
//     certificate chain and its private key.
//   - ssl.truststore.certificates, ssl.keystore.certificate.chain and
//     ssl.keystore.key (and librdkafka's ssl.ca.pem, ssl.certificate.pem,
//     ssl.key.pem) give PEM text inline; the result is a ready
//     Config.TLS.Config, built with the other TLS settings (any files they
//     name are read then). Inline private keys must not be encrypted.
//   - ssl.endpoint.identification.algorithm="" verifies broker
//     certificates but not their host names.
//   - ssl.enabled.protocols sets TLS.MinVersion and TLS.MaxVersion to the
//     lowest and highest version it lists (crypto/tls offers a range, so a
//     list with a gap is an error); ssl.protocol=TLSv1.2 keeps TLS 1.3 off,
//     as in Java, and TLSv1.3 or TLS leave the versions alone.
//   - ssl.cipher.suites takes Java's (IANA) names, and OpenSSL's as
//     librdkafka does, separated by commas or colons; its TLS 1.0-1.2
//     suites become TLS.CipherSuites. crypto/tls cannot restrict TLS 1.3's
//     suites, so the list must name all three of them or none: none keeps
//     TLS 1.3 off (Java cannot negotiate TLS 1.3 without one), and a list
//     of TLS 1.3 suites only keeps TLS 1.2 and below off.
//   - sasl.jaas.config takes Kafka's PlainLoginModule, ScramLoginModule
//     and OAuthBearerLoginModule lines. When sasl.mechanism is not given,
//     PlainLoginModule implies PLAIN and OAuthBearerLoginModule
//     OAUTHBEARER. OAUTHBEARER needs Config.SASL.TokenSource set in code.
//   - partitioner.class and librdkafka's partitioner take the names
//     PartitionerByName knows.
//   - socket.connection.setup.timeout.max.ms is checked and ignored: the
//     producer uses socket.connection.setup.timeout.ms for every attempt.
//
// ConfigFromProperties checks each value on its own; the rules that tie
// settings together (such as idempotence and acks) are checked by
// Config.Validate, which NewProducer calls, so that settings the file
// cannot express (such as SASL.TokenSource) can be added in code first.
func ConfigFromProperties(props map[string]string) (Config, error) {
	cfg := DefaultConfig()
	st := &propState{cfg: &cfg, given: map[string]propGiven{}}

	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	for _, key := range keys {
		raw := strings.TrimSpace(props[key])
		def, ok := propDefs[key]
		if !ok {
			if propIgnored(key) {
				continue
			}
			return Config{}, unknownPropertyError(key)
		}
		norm, apply, reason := def.parse(raw)
		if reason != "" {
			return Config{}, def.errorFor(key, raw, reason)
		}
		if prev, dup := st.given[def.canon]; dup && prev.norm != norm {
			e := def.errorFor(key, raw, fmt.Sprintf("conflicts with %s, which sets the same thing differently", prev.key))
			if !def.secret && !propDefs[prev.key].secret {
				e.Reason = fmt.Sprintf("conflicts with %s=%q, which sets the same thing", prev.key, props[prev.key])
			}
			return Config{}, e
		}
		st.given[def.canon] = propGiven{key: key, norm: norm, apply: apply}
	}

	// Apply in a fixed order so that the result does not depend on map
	// iteration.
	canons := make([]string, 0, len(st.given))
	for c := range st.given {
		canons = append(canons, c)
	}
	sort.Strings(canons)
	for _, c := range canons {
		st.given[c].apply(st)
	}
	if err := st.finish(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// ConfigFromFile reads a Java .properties file with LoadProperties and
// returns ConfigFromProperties of its contents. Errors name the file.
func ConfigFromFile(path string) (Config, error) {
	props, err := LoadProperties(path)
	if err != nil {
		return Config{}, err
	}
	cfg, err := ConfigFromProperties(props)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// propParser parses a trimmed value. It returns a normalised form of the
// value (to compare two keys that set the same thing), the function that
// applies it, or a reason the value is invalid.
type propParser func(raw string) (norm string, apply func(*propState), reason string)

// propDef describes one accepted key.
type propDef struct {
	// canon is the setting the key sets, by its Java name; aliases share it.
	canon string
	// field is the Config field, for errors.
	field string
	// secret keeps the value out of errors.
	secret bool
	parse  propParser
}

// errorFor returns the *ConfigError for an invalid value of key.
func (d *propDef) errorFor(key, raw, reason string) *ConfigError {
	e := &ConfigError{Key: key, Field: d.field, Value: raw, Reason: reason}
	if d.secret {
		e.Value = ""
	}
	return e
}

// propGiven records the key that set a setting.
type propGiven struct {
	key   string
	norm  string
	apply func(*propState)
}

// propState collects what ConfigFromProperties needs after the values
// are applied.
type propState struct {
	cfg   *Config
	given map[string]propGiven

	levels       map[Compression]int // compression.<codec>.level
	genericLevel *int                // librdkafka's compression.level

	uniformSticky bool

	jaas               *jaasLogin
	oauthRetriever     string            // sasl.oauthbearer.jwt.retriever.class, simple name
	oauthExtensions    map[string]string // sasl.oauthbearer.extensions
	saslUser, saslPass string
	saslUserSet        bool
	saslPassSet        bool

	tlsp tlsProtocolProps // ssl.protocol, ssl.enabled.protocols, ssl.cipher.suites

	inlineCA, inlineCert, inlineKey string
	keystoreFile                    string
	certOnlyFile                    bool // kafka-python's ssl_certfile, which may hold the key too
}

// has reports whether the setting canon was given.
func (st *propState) has(canon string) bool {
	_, ok := st.given[canon]
	return ok
}

// keyOf returns the key that gave the setting canon.
func (st *propState) keyOf(canon string) string { return st.given[canon].key }

// propDefs maps every accepted key to its definition.
var propDefs = map[string]*propDef{}

// defineProp registers key (and its aliases) for the setting canon.
func defineProp(field string, secret bool, parse propParser, canon string, aliases ...string) {
	for _, k := range append([]string{canon}, aliases...) {
		if _, dup := propDefs[k]; dup {
			panic("samsa: property " + k + " defined twice")
		}
		propDefs[k] = &propDef{canon: canon, field: field, secret: secret, parse: parse}
	}
}

// propMillis parses a whole number of milliseconds of at least min (and,
// for settings Java declares as INT, at most math.MaxInt32). Values too
// large for a time.Duration are capped at the largest one.
func propMillis(min int64, int32Range bool, set func(*Config, time.Duration)) propParser {
	max := int64(math.MaxInt64)
	if int32Range {
		max = math.MaxInt32
	}
	return func(raw string) (string, func(*propState), string) {
		ms, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || ms < min || ms > max {
			return "", nil, propRangeReason("a whole number of milliseconds", min, max)
		}
		d := time.Duration(math.MaxInt64)
		if ms <= math.MaxInt64/int64(time.Millisecond) {
			d = time.Duration(ms) * time.Millisecond
		}
		return strconv.FormatInt(ms, 10), func(st *propState) { set(st.cfg, d) }, ""
	}
}

// propRangeReason describes the allowed values of a number.
func propRangeReason(what string, min, max int64) string {
	switch {
	case max == math.MaxInt64:
		return fmt.Sprintf("must be %s, at least %d", what, min)
	default:
		return fmt.Sprintf("must be %s from %d to %d", what, min, max)
	}
}

// propInt parses an integer in [min, max].
func propInt(what string, min, max int64, set func(*Config, int64)) propParser {
	return func(raw string) (string, func(*propState), string) {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < min || n > max {
			return "", nil, propRangeReason(what, min, max)
		}
		return strconv.FormatInt(n, 10), func(st *propState) { set(st.cfg, n) }, ""
	}
}

// parsePropBool parses true or false, in any case.
func parsePropBool(raw string) (bool, bool) {
	switch strings.ToLower(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// propBool parses a boolean.
func propBool(set func(*propState, bool)) propParser {
	return func(raw string) (string, func(*propState), string) {
		b, ok := parsePropBool(raw)
		if !ok {
			return "", nil, "must be true or false"
		}
		return strconv.FormatBool(b), func(st *propState) { set(st, b) }, ""
	}
}

// propString takes any value, or any non-empty one.
func propString(nonEmpty bool, set func(*propState, string)) propParser {
	return func(raw string) (string, func(*propState), string) {
		if nonEmpty && raw == "" {
			return "", nil, "must not be empty"
		}
		return raw, func(st *propState) { set(st, raw) }, ""
	}
}

// propEnum parses one of values by its String, in any case.
func propEnum[T fmt.Stringer](values []T, set func(*propState, T)) propParser {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = v.String()
	}
	reason := "must be " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	return func(raw string) (string, func(*propState), string) {
		for _, v := range values {
			if strings.EqualFold(raw, v.String()) {
				return v.String(), func(st *propState) { set(st, v) }, ""
			}
		}
		return "", nil, reason
	}
}

// propLevel parses a compression level for codec c, with the Java
// client's ranges: gzip 1..9 or -1 (zlib's default), lz4 1..17, zstd
// -131072..22.
func propLevel(c Compression) propParser {
	lo, hi, def := compress.LevelRange(compress.Codec(c))
	allowed := fmt.Sprintf("must be an integer from %d to %d", lo, hi)
	if c == CompressionGzip {
		allowed += fmt.Sprintf(", or %d for zlib's default", def)
	}
	return func(raw string) (string, func(*propState), string) {
		n, err := strconv.Atoi(raw)
		if err != nil || (n < lo || n > hi) && !(c == CompressionGzip && n == def) {
			return "", nil, allowed
		}
		return strconv.Itoa(n), func(st *propState) {
			if st.levels == nil {
				st.levels = map[Compression]int{}
			}
			st.levels[c] = n
		}, ""
	}
}

// parseCompression parses a codec name.
func parseCompression(raw string) (Compression, bool) {
	for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd} {
		if strings.EqualFold(raw, c.String()) {
			return c, true
		}
	}
	return 0, false
}

// parseSecurityProtocol parses a security protocol name.
func parseSecurityProtocol(raw string) (SecurityProtocol, bool) {
	for _, p := range []SecurityProtocol{Plaintext, SSL, SASLPlaintext, SASLSSL} {
		if strings.EqualFold(raw, p.String()) {
			return p, true
		}
	}
	return 0, false
}

// tlsVersions maps the JSSE protocol names to TLS versions.
var tlsVersions = map[string]uint16{
	"TLSv1":   tls.VersionTLS10,
	"TLSv1.1": tls.VersionTLS11,
	"TLSv1.2": tls.VersionTLS12,
	"TLSv1.3": tls.VersionTLS13,
}

// parseTLSVersion parses a JSSE protocol name, case-insensitively.
func parseTLSVersion(raw string) (uint16, bool) {
	for name, v := range tlsVersions {
		if strings.EqualFold(raw, name) {
			return v, true
		}
	}
	return 0, false
}

func init() {
	// Connection and identity.
	defineProp("BootstrapServers", false, func(raw string) (string, func(*propState), string) {
		var list []string
		for _, s := range strings.Split(raw, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if _, reason := normalizeBootstrapAddr(s); reason != "" {
				if s != raw {
					reason = fmt.Sprintf("%q: %s", s, reason)
				}
				return "", nil, reason
			}
			list = append(list, s)
		}
		if len(list) == 0 {
			return "", nil, "must list at least one host:port, separated by commas"
		}
		return strings.Join(list, ","), func(st *propState) { st.cfg.BootstrapServers = list }, ""
	}, "bootstrap.servers", "bootstrap_servers", "metadata.broker.list")
	defineProp("ClientID", false, propString(false, func(st *propState, v string) { st.cfg.ClientID = v }),
		"client.id", "client_id")

	// Producing.
	defineProp("Acks", false, func(raw string) (string, func(*propState), string) {
		var a Acks
		switch strings.ToLower(raw) {
		case "all", "-1":
			a = AcksAll
		case "0":
			a = AcksNone
		case "1":
			a = AcksLeader
		default:
			return "", nil, "must be 0, 1, all or -1"
		}
		return a.String(), func(st *propState) { st.cfg.Acks = a }, ""
	}, "acks", "request.required.acks")
	defineProp("Linger", false, propMillis(0, false, func(c *Config, d time.Duration) { c.Linger = d }),
		"linger.ms", "linger_ms", "queue.buffering.max.ms")
	defineProp("BatchSize", false, propInt("a size in bytes", 0, math.MaxInt32, func(c *Config, n int64) { c.BatchSize = int(n) }),
		"batch.size", "batch_size")
	defineProp("BufferMemory", false, propInt("a size in bytes", 0, math.MaxInt64, func(c *Config, n int64) { c.BufferMemory = n }),
		"buffer.memory", "buffer_memory")
	propDefs["queue.buffering.max.kbytes"] = &propDef{canon: "buffer.memory", field: "BufferMemory",
		parse: func(raw string) (string, func(*propState), string) {
			kb, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || kb < 0 || kb > math.MaxInt64/1024 {
				return "", nil, "must be a size in kilobytes, at least 0"
			}
			return strconv.FormatInt(kb*1024, 10), func(st *propState) { st.cfg.BufferMemory = kb * 1024 }, ""
		}}
	defineProp("MaxBlock", false, propMillis(0, false, func(c *Config, d time.Duration) { c.MaxBlock = d }),
		"max.block.ms", "max_block_ms")
	defineProp("MaxRequestSize", false, propInt("a size in bytes", 0, math.MaxInt32, func(c *Config, n int64) { c.MaxRequestSize = int(n) }),
		"max.request.size", "max_request_size", "message.max.bytes")
	defineProp("Compression", false, func(raw string) (string, func(*propState), string) {
		c, ok := parseCompression(raw)
		if !ok {
			return "", nil, "must be none, gzip, snappy, lz4 or zstd"
		}
		return c.String(), func(st *propState) { st.cfg.Compression = c }, ""
	}, "compression.type", "compression_type", "compression.codec")
	defineProp("CompressionLevel", false, propLevel(CompressionGzip), "compression.gzip.level")
	defineProp("CompressionLevel", false, propLevel(CompressionLZ4), "compression.lz4.level")
	defineProp("CompressionLevel", false, propLevel(CompressionZstd), "compression.zstd.level")
	defineProp("CompressionLevel", false, func(raw string) (string, func(*propState), string) {
		n, err := strconv.Atoi(raw)
		if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
			return "", nil, "must be an integer compression level, or -1 for the codec's default"
		}
		return strconv.Itoa(n), func(st *propState) { st.genericLevel = &n }, ""
	}, "compression.level")

	// Retries and timeouts.
	defineProp("Retries", false, propInt("a count", 0, math.MaxInt32, func(c *Config, n int64) { c.Retries = int(n) }),
		"retries", "message.send.max.retries")
	defineProp("RetryBackoff", false, propMillis(0, false, func(c *Config, d time.Duration) { c.RetryBackoff = d }),
		"retry.backoff.ms", "retry_backoff_ms")
	defineProp("RetryBackoffMax", false, propMillis(0, false, func(c *Config, d time.Duration) { c.RetryBackoffMax = d }),
		"retry.backoff.max.ms", "retry_backoff_max_ms")
	defineProp("DeliveryTimeout", false, propMillis(0, true, func(c *Config, d time.Duration) { c.DeliveryTimeout = d }),
		"delivery.timeout.ms", "delivery_timeout_ms", "message.timeout.ms")
	defineProp("RequestTimeout", false, propMillis(0, true, func(c *Config, d time.Duration) { c.RequestTimeout = d }),
		"request.timeout.ms", "request_timeout_ms")
	defineProp("MaxInFlight", false, propInt("a count", 1, math.MaxInt32, func(c *Config, n int64) { c.MaxInFlight = int(n) }),
		"max.in.flight.requests.per.connection", "max_in_flight_requests_per_connection")

	// Partitioning.
	defineProp("Partitioner", false, func(raw string) (string, func(*propState), string) {
		p, err := PartitionerByName(raw)
		if err != nil {
			return "", nil, strings.TrimPrefix(err.Error(), "samsa: ")
		}
		uniform := raw == javaUniformStickyPartitioner
		return raw, func(st *propState) {
			st.cfg.Partitioner = p
			st.uniformSticky = uniform
		}, ""
	}, "partitioner.class", "partitioner")
	defineProp("PartitionerIgnoreKeys", false, propBool(func(st *propState, b bool) { st.cfg.PartitionerIgnoreKeys = b }),
		"partitioner.ignore.keys")
	defineProp("PartitionerAdaptive", false, propBool(func(st *propState, b bool) { st.cfg.PartitionerAdaptive = b }),
		"partitioner.adaptive.partitioning.enable")
	defineProp("PartitionerAvailabilityTimeout", false, propMillis(0, false, func(c *Config, d time.Duration) { c.PartitionerAvailabilityTimeout = d }),
		"partitioner.availability.timeout.ms")

	// Metadata and connections.
	defineProp("MetadataMaxAge", false, propMillis(0, false, func(c *Config, d time.Duration) { c.MetadataMaxAge = d }),
		"metadata.max.age.ms", "metadata_max_age_ms", "topic.metadata.refresh.interval.ms")
	defineProp("MetadataMaxIdle", false, propMillis(5000, false, func(c *Config, d time.Duration) { c.MetadataMaxIdle = d }),
		"metadata.max.idle.ms")
	defineProp("MetadataRecovery", false, propEnum([]MetadataRecovery{MetadataRecoveryRebootstrap, MetadataRecoveryNone},
		func(st *propState, m MetadataRecovery) { st.cfg.MetadataRecovery = m }), "metadata.recovery.strategy")
	defineProp("MetadataRecoveryTrigger", false, propMillis(0, false, func(c *Config, d time.Duration) { c.MetadataRecoveryTrigger = d }),
		"metadata.recovery.rebootstrap.trigger.ms")
	defineProp("DNSLookup", false, propEnum([]DNSLookup{DNSLookupUseAllIPs, DNSLookupCanonicalBootstrap},
		func(st *propState, d DNSLookup) { st.cfg.DNSLookup = d }), "client.dns.lookup")
	defineProp("ReconnectBackoff", false, propMillis(0, false, func(c *Config, d time.Duration) { c.ReconnectBackoff = d }),
		"reconnect.backoff.ms", "reconnect_backoff_ms")
	defineProp("ReconnectBackoffMax", false, propMillis(0, false, func(c *Config, d time.Duration) { c.ReconnectBackoffMax = d }),
		"reconnect.backoff.max.ms", "reconnect_backoff_max_ms")
	defineProp("ConnectTimeout", false, propMillis(0, false, func(c *Config, d time.Duration) { c.ConnectTimeout = d }),
		"socket.connection.setup.timeout.ms")
	defineProp("ConnectionsMaxIdle", false, func(raw string) (string, func(*propState), string) {
		if raw == "-1" {
			return "-1", func(st *propState) { st.cfg.ConnectionsMaxIdle = 0 }, ""
		}
		norm, apply, _ := propMillis(1, false, func(c *Config, d time.Duration) { c.ConnectionsMaxIdle = d })(raw)
		if apply == nil {
			return "", nil, "must be a whole number of milliseconds, at least 1, or -1 to keep idle connections open"
		}
		return norm, apply, ""
	}, "connections.max.idle.ms", "connections_max_idle_ms")
	defineProp("ConnectTimeout", false, propMillis(0, false, func(*Config, time.Duration) {}),
		"socket.connection.setup.timeout.max.ms")
	defineProp("SendBufferBytes", false, propInt("a size in bytes, or -1 for the OS default", -1, math.MaxInt32, func(c *Config, n int64) { c.SendBufferBytes = int(n) }),
		"send.buffer.bytes", "send_buffer_bytes")
	defineProp("ReceiveBufferBytes", false, propInt("a size in bytes, or -1 for the OS default", -1, math.MaxInt32, func(c *Config, n int64) { c.ReceiveBufferBytes = int(n) }),
		"receive.buffer.bytes", "receive_buffer_bytes")
	// librdkafka's socket buffer sizes use 0 for the OS default.
	for _, k := range []struct{ key, canon, field string }{
		{"socket.send.buffer.bytes", "send.buffer.bytes", "SendBufferBytes"},
		{"socket.receive.buffer.bytes", "receive.buffer.bytes", "ReceiveBufferBytes"},
	} {
		send := k.canon == "send.buffer.bytes"
		propDefs[k.key] = &propDef{canon: k.canon, field: k.field,
			parse: func(raw string) (string, func(*propState), string) {
				n, err := strconv.ParseInt(raw, 10, 64)
				if err != nil || n < 0 || n > math.MaxInt32 {
					return "", nil, "must be a size in bytes, or 0 for the OS default"
				}
				if n == 0 {
					n = -1
				}
				return strconv.FormatInt(n, 10), func(st *propState) {
					if send {
						st.cfg.SendBufferBytes = int(n)
					} else {
						st.cfg.ReceiveBufferBytes = int(n)
					}
				}, ""
			}}
	}

	definePropSecurity()
	definePropChecked()
	definePropSpool()

	// Idempotence and transactions.
	defineProp("Idempotence", false, propBool(func(st *propState, b bool) {
		st.cfg.Idempotence = IdempotenceOff
		if b {
			st.cfg.Idempotence = IdempotenceOn
		}
	}), "enable.idempotence", "enable_idempotence")
	defineProp("EnableMetricsPush", false, propBool(func(st *propState, b bool) { st.cfg.EnableMetricsPush = b }),
		"enable.metrics.push")
	defineProp("TransactionalID", false, propString(true, func(st *propState, v string) { st.cfg.TransactionalID = v }),
		"transactional.id", "transactional_id")
	defineProp("TransactionTimeout", false, propMillis(1, true, func(c *Config, d time.Duration) { c.TransactionTimeout = d }),
		"transaction.timeout.ms", "transaction_timeout_ms")
	defineProp("TransactionalID", false, func(raw string) (string, func(*propState), string) {
		b, ok := parsePropBool(raw)
		if !ok {
			return "", nil, "must be true or false"
		}
		if b {
			return "", nil, "two-phase commit transactions (KIP-939) are not supported"
		}
		return "false", func(*propState) {}, ""
	}, "transaction.two.phase.commit.enable")
}

// definePropSecurity registers the TLS and SASL keys.
func definePropSecurity() {
	defineProp("SecurityProtocol", false, func(raw string) (string, func(*propState), string) {
		p, ok := parseSecurityProtocol(raw)
		if !ok {
			return "", nil, "must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
		}
		return p.String(), func(st *propState) { st.cfg.SecurityProtocol = p }, ""
	}, "security.protocol", "security_protocol")

	// TLS files.
	defineProp("TLS.CAFile", false, propString(false, func(st *propState, v string) { st.cfg.TLS.CAFile = v }),
		"ssl.truststore.location", "ssl_cafile", "ssl.ca.location")
	defineProp("TLS.CertFile", false, propString(false, func(st *propState, v string) {
		st.keystoreFile = v
		st.cfg.TLS.CertFile, st.cfg.TLS.KeyFile = v, v
	}), "ssl.keystore.location")
	defineProp("TLS.CertFile", false, propString(false, func(st *propState, v string) { st.cfg.TLS.CertFile = v }),
		"ssl.certificate.location")
	propDefs["ssl_certfile"] = &propDef{canon: "ssl.certificate.location", field: "TLS.CertFile",
		parse: propString(false, func(st *propState, v string) {
			st.cfg.TLS.CertFile = v
			st.certOnlyFile = true
		})}
	defineProp("TLS.KeyFile", false, propString(false, func(st *propState, v string) { st.cfg.TLS.KeyFile = v }),
		"ssl.key.location", "ssl_keyfile")
	defineProp("TLS.KeyPassword", true, propString(false, func(st *propState, v string) { st.cfg.TLS.KeyPassword = v }),
		"ssl.key.password", "ssl_password")
	for _, k := range []struct{ key, field string }{
		{"ssl.truststore.type", "TLS.CAFile"},
		{"ssl.keystore.type", "TLS.CertFile"},
	} {
		key := k.key
		defineProp(k.field, false, func(raw string) (string, func(*propState), string) {
			switch strings.ToUpper(raw) {
			case "PEM":
				return "PEM", func(*propState) {}, ""
			case "JKS", "PKCS12", "PKCS#12", "P12":
				store := "truststore"
				if key == "ssl.keystore.type" {
					store = "keystore"
				}
				return "", nil, fmt.Sprintf("only PEM is supported: convert the %s to PEM "+
					"(keytool -importkeystore -deststoretype PKCS12, then openssl pkcs12 -nodes) and set %s=PEM", store, key)
			}
			return "", nil, "must be PEM"
		}, key)
	}

	// Inline PEM.
	// Inline PEM is never quoted in errors: keys are secret, and
	// certificates are long.
	defineProp("TLS.Config", true, propString(true, func(st *propState, v string) { st.inlineCA = v }),
		"ssl.truststore.certificates", "ssl.ca.pem")
	defineProp("TLS.Config", true, propString(true, func(st *propState, v string) { st.inlineCert = v }),
		"ssl.keystore.certificate.chain", "ssl.certificate.pem")
	defineProp("TLS.Config", true, propString(true, func(st *propState, v string) { st.inlineKey = v }),
		"ssl.keystore.key", "ssl.key.pem")

	// Verification.
	defineProp("TLS.SkipHostnameVerification", false, func(raw string) (string, func(*propState), string) {
		switch strings.ToLower(raw) {
		case "https":
			return "https", func(st *propState) { st.cfg.TLS.SkipHostnameVerification = false }, ""
		case "", "none":
			return "", func(st *propState) { st.cfg.TLS.SkipHostnameVerification = true }, ""
		}
		return "", nil, `must be "https" (verify broker host names) or empty (do not)`
	}, "ssl.endpoint.identification.algorithm")
	propDefs["ssl_check_hostname"] = &propDef{canon: "ssl.endpoint.identification.algorithm", field: "TLS.SkipHostnameVerification",
		parse: func(raw string) (string, func(*propState), string) {
			b, ok := parsePropBool(raw)
			if !ok {
				return "", nil, "must be true or false"
			}
			norm := ""
			if b {
				norm = "https"
			}
			return norm, func(st *propState) { st.cfg.TLS.SkipHostnameVerification = !b }, ""
		}}
	defineProp("TLS.InsecureSkipVerify", false, propBool(func(st *propState, b bool) { st.cfg.TLS.InsecureSkipVerify = !b }),
		"enable.ssl.certificate.verification")
	for _, key := range []string{"ssl.crl.location", "ssl_crlfile"} {
		defineProp("TLS", false, func(raw string) (string, func(*propState), string) {
			if raw != "" {
				return "", nil, "certificate revocation lists are not supported"
			}
			return "", func(*propState) {}, ""
		}, key)
	}

	// TLS versions and cipher suites.
	definePropTLSProtocols()

	// SASL.
	defineProp("SASL.Mechanism", false, func(raw string) (string, func(*propState), string) {
		m := strings.ToUpper(raw)
		switch m {
		case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER":
			return m, func(st *propState) { st.cfg.SASL.Mechanism = m }, ""
		case "GSSAPI":
			return "", nil, "GSSAPI (Kerberos) is not supported; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER"
		}
		return "", nil, "must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER"
	}, "sasl.mechanism", "sasl_mechanism", "sasl.mechanisms")
	defineProp("SASL", true, func(raw string) (string, func(*propState), string) {
		login, reason := parseJAAS(raw)
		if reason != "" {
			return "", nil, reason
		}
		return raw, func(st *propState) { st.jaas = login }, ""
	}, "sasl.jaas.config")
	defineProp("SASL.Username", false, propString(false, func(st *propState, v string) {
		st.saslUser, st.saslUserSet = v, true
	}), "sasl.username", "sasl_plain_username")
	defineProp("SASL.Password", true, propString(false, func(st *propState, v string) {
		st.saslPass, st.saslPassSet = v, true
	}), "sasl.password", "sasl_plain_password")
}

// finish applies the rules that involve several keys.
func (st *propState) finish() error {
	c := st.cfg

	// Compression level: the one for the chosen codec.
	if lvl, ok := st.levels[c.Compression]; ok {
		c.CompressionLevel = lvl
	} else if st.genericLevel != nil && *st.genericLevel != -1 {
		if reason := checkCompressionLevel(c.Compression, *st.genericLevel); reason != "" {
			return &ConfigError{Key: st.keyOf("compression.level"), Field: "CompressionLevel",
				Value: strconv.Itoa(*st.genericLevel), Reason: reason}
		}
		c.CompressionLevel = *st.genericLevel
	}

	// Java: an explicit reconnect.backoff.ms without a maximum turns the
	// exponential backoff off.
	if st.has("reconnect.backoff.ms") && !st.has("reconnect.backoff.max.ms") {
		c.ReconnectBackoffMax = c.ReconnectBackoff
	}
	// Java: a delivery.timeout.ms that was not given is raised to cover
	// linger.ms + request.timeout.ms.
	if !st.has("delivery.timeout.ms") && c.DeliveryTimeout < c.Linger+c.RequestTimeout {
		c.DeliveryTimeout = c.Linger + c.RequestTimeout
		if c.DeliveryTimeout > maxInt32Millis {
			c.DeliveryTimeout = maxInt32Millis
		}
	}
	if st.uniformSticky && !st.has("partitioner.ignore.keys") {
		c.PartitionerIgnoreKeys = true
	}

	if err := st.finishSASL(); err != nil {
		return err
	}
	return st.finishTLS()
}

// finishSASL merges sasl.jaas.config with the mechanism and credential
// keys.
func (st *propState) finishSASL() error {
	c := st.cfg
	if j := st.jaas; j != nil {
		key := st.keyOf("sasl.jaas.config")
		switch {
		case c.SASL.Mechanism == "":
			c.SASL.Mechanism = j.impliedMechanism()
		case !j.allows(c.SASL.Mechanism):
			return &ConfigError{Key: key, Field: "SASL", Reason: fmt.Sprintf(
				"its login module %s does not implement %s=%s", j.module, st.keyOf("sasl.mechanism"), c.SASL.Mechanism)}
		}
		c.SASL.Username, c.SASL.Password = j.username, j.password
		if st.saslUserSet && st.saslUser != j.username {
			return &ConfigError{Key: st.keyOf("sasl.username"), Field: "SASL.Username",
				Reason: "conflicts with the username in " + key}
		}
		if st.saslPassSet && st.saslPass != j.password {
			return &ConfigError{Key: st.keyOf("sasl.password"), Field: "SASL.Password",
				Reason: "conflicts with the password in " + key}
		}
	}
	if st.saslUserSet {
		c.SASL.Username = st.saslUser
	}
	if st.saslPassSet {
		c.SASL.Password = st.saslPass
	}
	return st.finishOAuth()
}

// finishTLS checks the TLS keys against each other and builds the
// tls.Config for inline PEM.
func (st *propState) finishTLS() error {
	c := st.cfg
	if err := st.resolveTLSProtocols(); err != nil {
		return err
	}
	if st.keystoreFile != "" {
		for _, canon := range []string{"ssl.certificate.location", "ssl.key.location"} {
			if st.has(canon) {
				return &ConfigError{Key: st.keyOf(canon), Field: "TLS", Value: st.given[canon].norm,
					Reason: "conflicts with " + st.keyOf("ssl.keystore.location") + ", which names the file holding both certificate and key"}
			}
		}
	}
	if st.certOnlyFile && c.TLS.KeyFile == "" {
		// kafka-python: the certificate file may hold the key as well.
		c.TLS.KeyFile = c.TLS.CertFile
	}
	if st.inlineCA != "" && c.TLS.CAFile != "" {
		return &ConfigError{Key: st.keyOf("ssl.truststore.certificates"), Field: "TLS",
			Reason: "conflicts with " + st.keyOf("ssl.truststore.location") + ": give the trusted certificates inline or in a file, not both"}
	}
	if (st.inlineCert != "") != (st.inlineKey != "") {
		key, missing := st.keyOf("ssl.keystore.certificate.chain"), "ssl.keystore.key"
		if st.inlineKey != "" {
			key, missing = st.keyOf("ssl.keystore.key"), "ssl.keystore.certificate.chain"
		}
		return &ConfigError{Key: key, Field: "TLS", Reason: "needs " + missing + " as well"}
	}
	if st.inlineCert != "" && (c.TLS.CertFile != "" || c.TLS.KeyFile != "") {
		return &ConfigError{Key: st.keyOf("ssl.keystore.certificate.chain"), Field: "TLS",
			Reason: "conflicts with the client certificate or key file also given: give them inline or in files, not both"}
	}
	if st.inlineCA == "" && st.inlineCert == "" {
		return nil
	}
	return st.buildInlineTLS()
}

// buildInlineTLS sets TLS.Config from inline PEM and the other TLS
// settings.
func (st *propState) buildInlineTLS() error {
	t := &st.cfg.TLS
	if err := t.cfgValidate(); err != nil {
		return err
	}
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	t.applyProtocols(cfg)

	caPEM, caKey := []byte(st.inlineCA), st.keyOf("ssl.truststore.certificates")
	if t.CAFile != "" {
		b, err := os.ReadFile(t.CAFile)
		if err != nil {
			return &ConfigError{Key: st.keyOf("ssl.truststore.location"), Field: "TLS.CAFile", Value: t.CAFile, Reason: propFileReason(err)}
		}
		caPEM, caKey = b, st.keyOf("ssl.truststore.location")
	}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return &ConfigError{Key: caKey, Field: "TLS", Reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"}
		}
		cfg.RootCAs = pool
	}

	certPEM, keyPEM := []byte(st.inlineCert), []byte(st.inlineKey)
	certKey, keyKey := st.keyOf("ssl.keystore.certificate.chain"), st.keyOf("ssl.keystore.key")
	if t.CertFile != "" {
		var err error
		certKey = st.keyOf("ssl.certificate.location")
		if st.keystoreFile != "" {
			certKey = st.keyOf("ssl.keystore.location")
		}
		if certPEM, err = os.ReadFile(t.CertFile); err != nil {
			return &ConfigError{Key: certKey, Field: "TLS.CertFile", Value: t.CertFile, Reason: propFileReason(err)}
		}
		keyKey = certKey
		if t.KeyFile != t.CertFile {
			keyKey = st.keyOf("ssl.key.location")
		}
		if keyPEM, err = os.ReadFile(t.KeyFile); err != nil {
			return &ConfigError{Key: keyKey, Field: "TLS.KeyFile", Value: t.KeyFile, Reason: propFileReason(err)}
		}
	}
	if len(certPEM) > 0 {
		if !propHasPEM(certPEM, "CERTIFICATE") {
			return &ConfigError{Key: certKey, Field: "TLS", Reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"}
		}
		if !propHasPEM(keyPEM, "PRIVATE KEY") {
			return &ConfigError{Key: keyKey, Field: "TLS", Reason: "holds no PEM private key (-----BEGIN ... PRIVATE KEY-----)"}
		}
		if reason := propEncryptedKeyReason(keyPEM); reason != "" {
			return &ConfigError{Key: keyKey, Field: "TLS", Reason: reason}
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return &ConfigError{Key: certKey, Field: "TLS",
				Reason: "the client certificate and private key do not form a usable pair: " + propSafeTLSReason(err)}
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if t.SkipHostnameVerification && !t.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = propVerifyChain(cfg.RootCAs)
	}
	// The tls.Config holds every TLS setting now; the fields it was built
	// from are cleared, since Validate refuses fields beside TLS.Config.
	*t = TLSConfig{Config: cfg}
	return nil
}

// propFileReason describes a file read failure without repeating the
// path.
func propFileReason(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "cannot read the file: " + err.Error()
}

// propHasPEM reports whether data has a PEM block whose type is typ or
// ends with " "+typ.
func propHasPEM(data []byte, typ string) bool {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return false
		}
		if b.Type == typ || strings.HasSuffix(b.Type, " "+typ) {
			return true
		}
	}
}

// propEncryptedKeyReason returns why an encrypted PEM private key cannot
// be used inline, or "".
func propEncryptedKeyReason(keyPEM []byte) string {
	rest := keyPEM
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return ""
		}
		if b.Type == "ENCRYPTED PRIVATE KEY" || b.Headers["Proc-Type"] == "4,ENCRYPTED" {
			return "the private key is encrypted; encrypted keys are supported only from a file " +
				"(ssl.keystore.location or ssl.key.location with ssl.key.password), or decrypt it " +
				"(openssl pkey -in key.pem -out plain.pem)"
		}
	}
}

// propSafeTLSReason returns err's text unless it could quote key material;
// crypto/tls's errors describe structure only, but be conservative.
func propSafeTLSReason(err error) string {
	s := err.Error()
	if strings.Contains(s, "-----BEGIN") {
		return "invalid PEM data"
	}
	return s
}

// propVerifyChain returns a VerifyConnection that checks the broker's
// chain against roots (nil: the system's) without checking its host name.
func propVerifyChain(roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("samsa: the broker presented no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		for _, ic := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(ic)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
}

// unknownPropertyError reports a key that is neither used nor ignored,
// suggesting the nearest known key when it is close enough to be a typo.
func unknownPropertyError(key string) *ConfigError {
	e := &ConfigError{Key: key, Reason: "unknown producer property"}
	best, bestDist := "", math.MaxInt
	lower := strings.ToLower(strings.TrimSpace(key))
	consider := func(k string) {
		d := typo.Distance(lower, strings.ToLower(k))
		if d < bestDist || d == bestDist && k < best {
			best, bestDist = k, d
		}
	}
	for k := range propDefs {
		consider(k)
	}
	for k := range ignoredProps {
		consider(k)
	}
	// A typo: a few edits, and fewer than a third of the key.
	if bestDist <= 3 && bestDist*3 <= len(key) {
		e.Suggestion = best
	}
	return e
}

// LoadProperties reads a Java .properties file: key=value, key:value or
// key value lines; comment lines starting with # or !; a backslash at the
// end of a line continues it on the next (whose leading spaces are
// dropped); and the escapes \t, \n, \r, \f, \uXXXX, and a backslash before
// any other character standing for that character. A later key replaces
// an earlier one, as in Java. The file is read as UTF-8, or as ISO-8859-1
// (Java's encoding for properties files) when it is not valid UTF-8.
// Errors name the file and line.
func LoadProperties(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	props, err := parseProperties(data)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	return props, nil
}

// propLineError is a syntax error at a line of a properties file; its
// text starts with the line number, for LoadProperties to prefix with the
// file name.
type propLineError struct {
	line   int
	reason string
}

func (e *propLineError) Error() string { return strconv.Itoa(e.line) + ": " + e.reason }

// parseProperties parses the contents of a properties file.
func parseProperties(data []byte) (map[string]string, error) {
	if !utf8.Valid(data) {
		runes := make([]rune, len(data))
		for i, b := range data {
			runes[i] = rune(b)
		}
		data = []byte(string(runes))
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	sc.Split(scanPropLines)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		start := lineNo
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines.
		logical := line
		for endsWithOddBackslashes(logical) {
			logical = logical[:len(logical)-1]
			if !sc.Scan() {
				break
			}
			lineNo++
			logical += strings.TrimLeft(sc.Text(), " \t\f")
		}
		key, value, err := splitPropLine(logical)
		if err != "" {
			return nil, &propLineError{line: start, reason: err}
		}
		props[key] = value
	}
	if err := sc.Err(); err != nil {
		return nil, &propLineError{line: lineNo + 1, reason: err.Error()}
	}
	return props, nil
}

// scanPropLines splits at \n, \r\n or \r.
func scanPropLines(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		switch b {
		case '\n':
			return i + 1, data[:i], nil
		case '\r':
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if atEOF {
				return i + 1, data[:i], nil
			}
			return 0, nil, nil // need to see whether \n follows
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// endsWithOddBackslashes reports whether s ends with a backslash that is
// not itself escaped.
func endsWithOddBackslashes(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitPropLine splits a logical line into its unescaped key and value.
func splitPropLine(line string) (key, value, reason string) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	rawKey := line[:i]
	rest := strings.TrimLeft(line[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	key, reason = unescapeProp(rawKey)
	if reason != "" {
		return "", "", reason
	}
	value, reason = unescapeProp(rest)
	return key, value, reason
}

// unescapeProp resolves a properties file's backslash escapes.
func unescapeProp(s string) (string, string) {
	if !strings.Contains(s, `\`) {
		return s, ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			break
		}
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", `malformed \uXXXX escape: four hexadecimal digits must follow \u`
			}
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", `malformed \uXXXX escape: four hexadecimal digits must follow \u`
			}
			i += 4
			r := rune(v)
			// A UTF-16 surrogate pair written as two escapes.
			if r >= 0xD800 && r < 0xDC00 && i+7 <= len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, err := strconv.ParseUint(s[i+3:i+7], 16, 16); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000
					i += 6
				}
			}
			b.WriteRune(r)
		default:
			// Any other escaped character stands for itself: \\, \=, \:,
			// \#, \!, \ and so on.
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size - 1
		}
	}
	return b.String(), ""
}

// jaasLogin is the login module line of a client's sasl.jaas.config.
type jaasLogin struct {
	module             string // the class name's last element, such as "PlainLoginModule"
	username, password string
	// OAuthBearerLoginModule's options for the token endpoint: clientId,
	// clientSecret, scope and extension_<name> (KIP-342).
	clientID, clientSecret, scope string
	extensions                    map[string]string
}

// The login modules sasl.jaas.config may name.
const (
	jaasPlain       = "org.apache.kafka.common.security.plain.PlainLoginModule"
	jaasScram       = "org.apache.kafka.common.security.scram.ScramLoginModule"
	jaasOAuthBearer = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
)

// impliedMechanism returns the mechanism the module implies, or "" for
// SCRAM, which has two.
func (j *jaasLogin) impliedMechanism() string {
	switch j.module {
	case "PlainLoginModule":
		return "PLAIN"
	case "OAuthBearerLoginModule":
		return "OAUTHBEARER"
	}
	return ""
}

// allows reports whether the module implements mechanism m.
func (j *jaasLogin) allows(m string) bool {
	switch j.module {
	case "PlainLoginModule":
		return m == "PLAIN"
	case "ScramLoginModule":
		return m == "SCRAM-SHA-256" || m == "SCRAM-SHA-512"
	case "OAuthBearerLoginModule":
		return m == "OAUTHBEARER"
	}
	return false
}

// parseJAAS parses a sasl.jaas.config value: one login module, its
// control flag, options name=value (values bare or quoted with " or ',
// with backslash escapes), and a closing semicolon; // and /* */
// comments are allowed, as in Java. Reasons never quote option values.
func parseJAAS(s string) (*jaasLogin, string) {
	toks, reason := jaasTokens(s)
	if reason != "" {
		return nil, reason
	}
	if len(toks) == 0 {
		return nil, "is empty: give a login module line, such as " +
			jaasPlain + ` required username="..." password="...";`
	}
	if toks[0].kind != jaasWord {
		return nil, "must start with a login module class name"
	}
	login := &jaasLogin{}
	switch cls := toks[0].text; cls {
	case jaasPlain, jaasScram, jaasOAuthBearer:
		login.module = cls[strings.LastIndexByte(cls, '.')+1:]
	default:
		// The text is not quoted back: it might be a misplaced secret.
		return nil, fmt.Sprintf("must start with a supported login module class: %s, %s or %s", jaasPlain, jaasScram, jaasOAuthBearer)
	}
	if len(toks) < 2 || toks[1].kind != jaasWord {
		return nil, "the login module must be followed by a control flag: required, requisite, sufficient or optional"
	}
	switch strings.ToLower(toks[1].text) {
	case "required", "requisite", "sufficient", "optional":
	default:
		return nil, "the login module must be followed by a control flag: required, requisite, sufficient or optional"
	}
	i := 2
	seen := map[string]bool{}
	for n := 1; i < len(toks) && toks[i].kind != ';'; i, n = i+3, n+1 {
		// Option names are quoted back only when they are known ones: a
		// malformed line may have split a secret into words.
		if toks[i].kind != jaasWord {
			return nil, fmt.Sprintf("option %d: expected name=value (quote values that have spaces, = or ;)", n)
		}
		name := toks[i].text
		shown := fmt.Sprintf("option %d", n)
		if name == "username" || name == "password" || name == "tokenauth" || name == "clientId" || name == "clientSecret" || name == "scope" {
			shown = "option " + name
		}
		if i+2 >= len(toks) || toks[i+1].kind != '=' || (toks[i+2].kind != jaasWord && toks[i+2].kind != jaasQuoted) {
			return nil, shown + " must be followed by = and a value (quote values that have spaces, = or ;)"
		}
		if seen[name] {
			return nil, shown + " is given twice"
		}
		seen[name] = true
		value := toks[i+2].text
		switch name {
		case "username":
			login.username = value
		case "password":
			login.password = value
		case "tokenauth":
			if strings.EqualFold(value, "true") {
				return nil, "SCRAM delegation token authentication (tokenauth=true) is not supported"
			}
		case "clientId":
			login.clientID = value
		case "clientSecret":
			login.clientSecret = value
		case "scope":
			login.scope = value
		default:
			if ext, ok := strings.CutPrefix(name, "extension_"); ok && login.module == "OAuthBearerLoginModule" {
				if login.extensions == nil {
					login.extensions = map[string]string{}
				}
				login.extensions[ext] = value
			}
			if strings.HasPrefix(name, "unsecuredLogin") && login.module == "OAuthBearerLoginModule" {
				return nil, "unsecured OAUTHBEARER tokens (unsecuredLogin... options) are for tests only and not supported: " +
					"use sasl.oauthbearer.token.endpoint.url or Config.SASL.TokenSource"
			}
		}
	}
	if i >= len(toks) {
		return nil, "the login module line must end with a semicolon"
	}
	if i+1 < len(toks) {
		return nil, "must hold exactly one login module line; text follows the semicolon"
	}
	if login.module != "OAuthBearerLoginModule" {
		if !seen["username"] {
			return nil, login.module + " needs a username option"
		}
		if !seen["password"] {
			return nil, login.module + " needs a password option"
		}
	}
	return login, ""
}

// Kinds of JAAS tokens besides the single characters '=' and ';'.
const (
	jaasWord   = 'w'
	jaasQuoted = 'q'
)

type jaasToken struct {
	kind byte
	text string
}

// jaasTokens splits a JAAS configuration into tokens.
func jaasTokens(s string) ([]jaasToken, string) {
	var toks []jaasToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' && s[i] != '\r' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, "a /* comment is not closed"
			}
			i += end + 4
		case c == '=' || c == ';':
			toks = append(toks, jaasToken{kind: c})
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
					switch s[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					case 'b':
						b.WriteByte('\b')
					case 'f':
						b.WriteByte('\f')
					default:
						b.WriteByte(s[j])
					}
					continue
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, "a quoted value is not closed"
			}
			toks = append(toks, jaasToken{kind: jaasQuoted, text: b.String()})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r\f=;\"'", rune(s[j])) && !strings.HasPrefix(s[j:], "//") && !strings.HasPrefix(s[j:], "/*") {
				j++
			}
			toks = append(toks, jaasToken{kind: jaasWord, text: s[i:j]})
			i = j
		}
	}
	return toks, ""
}
