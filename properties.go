package samsa

import (
	"fmt"
	"strings"

	"github.com/samsa-go/samsa/internal/props"
)

// The producer properties are parsed and checked by internal/props; this
// file is their API.

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
func ConfigFromProperties(properties map[string]string) (Config, error) {
	cfg := DefaultConfig()
	s := cfg.settings()
	if err := props.Parse(&s, properties); err != nil {
		return Config{}, configError(err)
	}
	cfg.setSettings(&s)
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

// LoadProperties reads a Java .properties file: key=value, key:value or
// key value lines; comment lines starting with # or !; a backslash at the
// end of a line continues it on the next (whose leading spaces are
// dropped); and the escapes \t, \n, \r, \f, \uXXXX, and a backslash before
// any other character standing for that character. A later key replaces
// an earlier one, as in Java. The file is read as UTF-8, or as ISO-8859-1
// (Java's encoding for properties files) when it is not valid UTF-8.
// Errors name the file and line.
func LoadProperties(path string) (map[string]string, error) {
	return props.Load(path)
}

// IgnoredProperties returns the keys ConfigFromProperties accepts and
// ignores because they configure something the Go producer does
// differently or not at all: Java classes (serializers, interceptors,
// metrics reporters), JVM metrics options, and options of kafka-python and
// librdkafka with no counterpart. docs/properties.md gives the reason for
// each. Keys starting with one of IgnoredPropertyPrefixes are ignored too.
// No key that changes security is among them.
func IgnoredProperties() []string { return props.Ignored() }

// IgnoredPropertyPrefixes returns the key prefixes ConfigFromProperties
// ignores: Java's Kerberos options (GSSAPI is not supported, and
// sasl.mechanism=GSSAPI is refused). The sasl.login.* and
// sasl.oauthbearer.* options configure Config.SASL.OAuth.
func IgnoredPropertyPrefixes() []string { return props.IgnoredPrefixes() }

// partitionerProperty checks a partitioner.class value for internal/props.
func partitionerProperty(name string) (ignoresKeys bool, reason string) {
	if _, err := PartitionerByName(name); err != nil {
		return false, strings.TrimPrefix(err.Error(), "samsa: ")
	}
	return name == javaUniformStickyPartitioner, ""
}

func init() { props.Partitioner = partitionerProperty }
