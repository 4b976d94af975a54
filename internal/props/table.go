package props

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/config"
)

func init() {
	// Connection and identity.
	defineProp("BootstrapServers", false, func(raw string) (string, func(*propState), string) {
		var list []string
		for _, s := range strings.Split(raw, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if _, reason := config.NormalizeBootstrapAddr(s); reason != "" {
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
		var a config.Acks
		switch strings.ToLower(raw) {
		case "all", "-1":
			a = config.AcksAll
		case "0":
			a = config.AcksNone
		case "1":
			a = config.AcksLeader
		default:
			return "", nil, "must be 0, 1, all or -1"
		}
		return a.String(), func(st *propState) { st.cfg.Acks = a }, ""
	}, "acks", "request.required.acks")
	defineProp("Linger", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.Linger = d }),
		"linger.ms", "linger_ms", "queue.buffering.max.ms")
	defineProp("BatchSize", false, propInt("a size in bytes", 0, math.MaxInt32, func(c *config.Config, n int64) { c.BatchSize = int(n) }),
		"batch.size", "batch_size")
	defineProp("BufferMemory", false, propInt("a size in bytes", 0, math.MaxInt64, func(c *config.Config, n int64) { c.BufferMemory = n }),
		"buffer.memory", "buffer_memory")
	propDefs["queue.buffering.max.kbytes"] = &propDef{canon: "buffer.memory", field: "BufferMemory",
		parse: func(raw string) (string, func(*propState), string) {
			kb, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || kb < 0 || kb > math.MaxInt64/1024 {
				return "", nil, "must be a size in kilobytes, at least 0"
			}
			return strconv.FormatInt(kb*1024, 10), func(st *propState) { st.cfg.BufferMemory = kb * 1024 }, ""
		}}
	defineProp("MaxBlock", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.MaxBlock = d }),
		"max.block.ms", "max_block_ms")
	defineProp("MaxRequestSize", false, propInt("a size in bytes", 0, math.MaxInt32, func(c *config.Config, n int64) { c.MaxRequestSize = int(n) }),
		"max.request.size", "max_request_size", "message.max.bytes")
	defineProp("Compression", false, func(raw string) (string, func(*propState), string) {
		c, ok := parseCompression(raw)
		if !ok {
			return "", nil, "must be none, gzip, snappy, lz4 or zstd"
		}
		return c.String(), func(st *propState) { st.cfg.Compression = c }, ""
	}, "compression.type", "compression_type", "compression.codec")
	defineProp("CompressionLevel", false, propLevel(compress.Gzip), "compression.gzip.level")
	defineProp("CompressionLevel", false, propLevel(compress.LZ4), "compression.lz4.level")
	defineProp("CompressionLevel", false, propLevel(compress.Zstd), "compression.zstd.level")
	defineProp("CompressionLevel", false, func(raw string) (string, func(*propState), string) {
		n, err := strconv.Atoi(raw)
		if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
			return "", nil, "must be an integer compression level, or -1 for the codec's default"
		}
		return strconv.Itoa(n), func(st *propState) { st.genericLevel = &n }, ""
	}, "compression.level")

	// Retries and timeouts.
	defineProp("Retries", false, propInt("a count", 0, math.MaxInt32, func(c *config.Config, n int64) { c.Retries = int(n) }),
		"retries", "message.send.max.retries")
	defineProp("RetryBackoff", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.RetryBackoff = d }),
		"retry.backoff.ms", "retry_backoff_ms")
	defineProp("RetryBackoffMax", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.RetryBackoffMax = d }),
		"retry.backoff.max.ms", "retry_backoff_max_ms")
	defineProp("DeliveryTimeout", false, propMillis(0, true, func(c *config.Config, d time.Duration) { c.DeliveryTimeout = d }),
		"delivery.timeout.ms", "delivery_timeout_ms", "message.timeout.ms")
	defineProp("RequestTimeout", false, propMillis(0, true, func(c *config.Config, d time.Duration) { c.RequestTimeout = d }),
		"request.timeout.ms", "request_timeout_ms")
	defineProp("MaxInFlight", false, propInt("a count", 1, math.MaxInt32, func(c *config.Config, n int64) { c.MaxInFlight = int(n) }),
		"max.in.flight.requests.per.connection", "max_in_flight_requests_per_connection")

	// Partitioning.
	defineProp("Partitioner", false, func(raw string) (string, func(*propState), string) {
		uniform, reason := Partitioner(raw)
		if reason != "" {
			return "", nil, reason
		}
		return raw, func(st *propState) {
			st.cfg.Partitioner = raw
			st.uniformSticky = uniform
		}, ""
	}, "partitioner.class", "partitioner")
	defineProp("PartitionerIgnoreKeys", false, propBool(func(st *propState, b bool) { st.cfg.PartitionerIgnoreKeys = b }),
		"partitioner.ignore.keys")
	defineProp("PartitionerAdaptive", false, propBool(func(st *propState, b bool) { st.cfg.PartitionerAdaptive = b }),
		"partitioner.adaptive.partitioning.enable")
	defineProp("PartitionerAvailabilityTimeout", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.PartitionerAvailabilityTimeout = d }),
		"partitioner.availability.timeout.ms")

	// Metadata and connections.
	defineProp("MetadataMaxAge", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.MetadataMaxAge = d }),
		"metadata.max.age.ms", "metadata_max_age_ms", "topic.metadata.refresh.interval.ms")
	defineProp("MetadataMaxIdle", false, propMillis(5000, false, func(c *config.Config, d time.Duration) { c.MetadataMaxIdle = d }),
		"metadata.max.idle.ms")
	defineProp("MetadataRecovery", false, propEnum([]config.MetadataRecovery{config.MetadataRecoveryRebootstrap, config.MetadataRecoveryNone},
		func(st *propState, m config.MetadataRecovery) { st.cfg.MetadataRecovery = m }), "metadata.recovery.strategy")
	defineProp("MetadataRecoveryTrigger", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.MetadataRecoveryTrigger = d }),
		"metadata.recovery.rebootstrap.trigger.ms")
	defineProp("DNSLookup", false, propEnum([]config.DNSLookup{config.DNSLookupUseAllIPs, config.DNSLookupCanonicalBootstrap},
		func(st *propState, d config.DNSLookup) { st.cfg.DNSLookup = d }), "client.dns.lookup")
	defineProp("ReconnectBackoff", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.ReconnectBackoff = d }),
		"reconnect.backoff.ms", "reconnect_backoff_ms")
	defineProp("ReconnectBackoffMax", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.ReconnectBackoffMax = d }),
		"reconnect.backoff.max.ms", "reconnect_backoff_max_ms")
	defineProp("ConnectTimeout", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.ConnectTimeout = d }),
		"socket.connection.setup.timeout.ms")
	defineProp("ConnectionsMaxIdle", false, func(raw string) (string, func(*propState), string) {
		if raw == "-1" {
			return "-1", func(st *propState) { st.cfg.ConnectionsMaxIdle = 0 }, ""
		}
		norm, apply, _ := propMillis(1, false, func(c *config.Config, d time.Duration) { c.ConnectionsMaxIdle = d })(raw)
		if apply == nil {
			return "", nil, "must be a whole number of milliseconds, at least 1, or -1 to keep idle connections open"
		}
		return norm, apply, ""
	}, "connections.max.idle.ms", "connections_max_idle_ms")
	defineProp("ConnectTimeout", false, propMillis(0, false, func(*config.Config, time.Duration) {}),
		"socket.connection.setup.timeout.max.ms")
	defineProp("SendBufferBytes", false, propInt("a size in bytes, or -1 for the OS default", -1, math.MaxInt32, func(c *config.Config, n int64) { c.SendBufferBytes = int(n) }),
		"send.buffer.bytes", "send_buffer_bytes")
	defineProp("ReceiveBufferBytes", false, propInt("a size in bytes, or -1 for the OS default", -1, math.MaxInt32, func(c *config.Config, n int64) { c.ReceiveBufferBytes = int(n) }),
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
	definePropSpool()
	definePropChecked()

	// Idempotence and transactions.
	defineProp("Idempotence", false, propBool(func(st *propState, b bool) {
		st.cfg.Idempotence = config.IdempotenceOff
		if b {
			st.cfg.Idempotence = config.IdempotenceOn
		}
	}), "enable.idempotence", "enable_idempotence")
	defineProp("EnableMetricsPush", false, propBool(func(st *propState, b bool) { st.cfg.EnableMetricsPush = b }),
		"enable.metrics.push")
	defineProp("TransactionalID", false, propString(true, func(st *propState, v string) { st.cfg.TransactionalID = v }),
		"transactional.id", "transactional_id")
	defineProp("TransactionTimeout", false, propMillis(1, true, func(c *config.Config, d time.Duration) { c.TransactionTimeout = d }),
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
