package props

import (
	"slices"
	"strings"
)

// Ignored returns the keys Parse accepts and
// ignores because they configure something the Go producer does
// differently or not at all: Java classes (serializers, interceptors,
// metrics reporters), JVM metrics options, and options of kafka-python and
// librdkafka with no counterpart. docs/properties.md gives the reason for
// each. Keys starting with one of IgnoredPropertyPrefixes are ignored too.
// No key that changes security is among them.
func Ignored() []string {
	out := make([]string, 0, len(ignoredProps))
	for k := range ignoredProps {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// IgnoredPrefixes returns the key prefixes Parse
// ignores: Java's Kerberos options (GSSAPI is not supported, and
// sasl.mechanism=GSSAPI is refused). The sasl.login.* and
// sasl.oauthbearer.* options configure Config.SASL.OAuth.
func IgnoredPrefixes() []string {
	return append([]string(nil), ignoredPrefixes...)
}

// ignoredProps are accepted and ignored, each with the reason it has no
// effect (docs/properties.md lists them; a test keeps it in step).
var ignoredProps = map[string]string{
	// Java.
	"key.serializer":            "a Java class: records are bytes; serialize in code (NewTypedProducer with a Serializer)",
	"value.serializer":          "a Java class: records are bytes; serialize in code (NewTypedProducer with a Serializer)",
	"interceptor.classes":       "Java classes: set Config.Hooks in code",
	"metric.reporters":          "Java classes: read Producer.Metrics, or export them with plugin/samsaprom",
	"metrics.num.samples":       "samsa's rates and averages always use Java's default window (2 samples of 30 s)",
	"metrics.sample.window.ms":  "samsa's rates and averages always use Java's default window (2 samples of 30 s)",
	"metrics.recording.level":   "samsa records all of its metrics at every level",
	"auto.include.jmx.reporter": "JMX is a JVM facility; read Producer.Metrics",
	// kafka-python.
	"key_serializer":              "a Python callable: records are bytes; serialize in code (NewTypedProducer with a Serializer)",
	"value_serializer":            "a Python callable: records are bytes; serialize in code (NewTypedProducer with a Serializer)",
	"api_version":                 "samsa always negotiates API versions with each broker (ApiVersions, KIP-35)",
	"api_version_auto_timeout_ms": "the ApiVersions exchange is bounded by socket.connection.setup.timeout.ms",
	"metric_reporters":            "Python classes: read Producer.Metrics",
	"metrics_num_samples":         "samsa's rates and averages always use Java's default window (2 samples of 30 s)",
	"metrics_sample_window_ms":    "samsa's rates and averages always use Java's default window (2 samples of 30 s)",
	"selector":                    "a Python selectors class: Go's runtime polls the sockets",
	"socket_options":              "Python setsockopt tuples: samsa sets TCP_NODELAY, keep-alive and the buffer sizes; use Config.Dial for other socket options",
	"sasl_kerberos_service_name":  "GSSAPI (Kerberos) is not supported, and sasl_mechanism=GSSAPI is refused",
	"sasl_kerberos_domain_name":   "GSSAPI (Kerberos) is not supported, and sasl_mechanism=GSSAPI is refused",
	"sasl_oauth_token_provider":   "a Python object: set Config.SASL.TokenSource in code, or a token endpoint (sasl.oauthbearer.token.endpoint.url)",
	// librdkafka.
	"debug":                        "librdkafka's debug contexts: give Config.Logger a handler at slog.LevelDebug",
	"statistics.interval.ms":       "librdkafka's statistics callback: call Producer.Metrics as often as wanted",
	"log.connection.close":         "connection closes are logged at debug level to Config.Logger, like every connection event",
	"queue.buffering.max.messages": "samsa bounds the records it holds by bytes (buffer.memory, queue.buffering.max.kbytes), as Java does, not by count",
	"batch.num.messages":           "samsa closes a batch by bytes (batch.size), as Java does, not by record count",
}

// ignoredPrefixes are key prefixes accepted and ignored.
var ignoredPrefixes = []string{"sasl.kerberos."}

// propIgnored reports whether key is accepted and ignored.
func propIgnored(key string) bool {
	if _, ok := ignoredProps[key]; ok {
		return true
	}
	for _, p := range ignoredPrefixes {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return true
		}
	}
	return false
}

// propOnly accepts the values of allowed (in any case), which are what
// samsa does anyway, and refuses any other with reason. An empty value is
// accepted when emptyOK.
func propOnly(emptyOK bool, reason string, allowed ...string) propParser {
	return func(raw string) (string, func(*propState), string) {
		if raw == "" && emptyOK {
			return "", func(*propState) {}, ""
		}
		for _, a := range allowed {
			if strings.EqualFold(raw, a) {
				return a, func(*propState) {}, ""
			}
		}
		return "", nil, reason
	}
}

// definePropChecked registers the keys that configure something samsa
// either does already (their values that say so are accepted) or cannot
// do (other values are refused): security settings of the JVM, and
// socket and protocol switches of librdkafka and the Java client.
func definePropChecked() {
	const jvm = "a JVM facility that a Go producer cannot load: samsa uses Go's crypto/tls and crypto packages " +
		"(for FIPS 140-3, build and run with GOFIPS140); remove the key"
	defineProp("TLS", false, propOnly(true, jvm), "ssl.provider")
	defineProp("TLS", false, propOnly(true, jvm), "security.providers")
	defineProp("TLS", false, propOnly(true, "a Java class that a Go producer cannot load: build the TLS configuration "+
		"in code and set Config.TLS.Config"), "ssl.engine.factory.class")
	defineProp("SASL", false, propOnly(true, "a Java class that a Go producer cannot load: set Config.SASL in code "+
		"(Username and Password; TokenSource or OAuth for OAUTHBEARER; Custom for another mechanism)"), "sasl.client.callback.handler.class")
	defineProp("TLS", false, propOnly(true, "samsa reads the key from the PEM key store with crypto/tls, as the JVM's "+
		"SunX509 or PKIX key manager does; another key manager cannot be used", "SunX509", "NewSunX509", "PKIX", "X509", "X.509"),
		"ssl.keymanager.algorithm")
	defineProp("TLS", false, propOnly(true, "samsa verifies broker certificates as the JVM's PKIX trust manager does "+
		"(RFC 5280, crypto/x509); another trust manager cannot be used", "PKIX", "SunPKIX", "SunX509", "X509", "X.509"),
		"ssl.trustmanager.algorithm")
	defineProp("TLS", false, propOnly(true, "samsa draws randomness from crypto/rand (the operating system's generator, "+
		"as the JVM's NativePRNG); another generator cannot be used", "NativePRNG", "NativePRNGBlocking",
		"NativePRNGNonBlocking", "SHA1PRNG", "DRBG", "Windows-PRNG"), "ssl.secure.random.implementation")
	const jwks = "configures the broker's validation of tokens (KIP-768): a producer validates no token signatures; remove the key"
	for _, k := range []string{"sasl.oauthbearer.jwks.endpoint.url", "sasl.oauthbearer.jwks.endpoint.refresh.ms",
		"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms"} {
		defineProp("SASL.OAuth", false, propOnly(true, jwks), k)
	}
	defineProp("TLS", true, propOnly(true, "key stores are PEM, whose store password Kafka refuses too: "+
		"an encrypted private key's password is ssl.key.password"), "ssl.keystore.password")
	defineProp("TLS", true, propOnly(true, "trust stores are PEM, which have no store password (Kafka refuses one too); "+
		"remove the key"), "ssl.truststore.password")

	defineProp("Dial", false, propOnly(false, "samsa always sends ApiVersions first (brokers older than Kafka 0.10 are not supported)",
		"true"), "api.version.request")
	defineProp("Dial", false, propOnly(false, "samsa always turns TCP keep-alive on (every 15 s); use Config.Dial for other socket options",
		"true"), "socket.keepalive.enable")
	defineProp("Dial", false, propOnly(false, "samsa always disables Nagle's algorithm (TCP_NODELAY); use Config.Dial for other socket options",
		"true"), "socket.nagle.disable")
}

// IsIgnored reports whether Parse accepts key and ignores it.
func IsIgnored(key string) bool { return propIgnored(key) }

// IgnoredReason returns why an ignored key has no effect, as
// docs/properties.md gives it.
func IgnoredReason(key string) string { return ignoredProps[key] }
