package config

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
)

// Config holds the settings of a samsa.Config that this package checks
// and internal/props sets, by the same names, as plain values: the root
// package copies them in (Config.settings) and back (Config.setSettings).
// A field the root package types as an enumeration has this package's
// type of the same underlying integer (samsa's constants are defined from
// these).
type Config struct {
	BootstrapServers []string
	ClientID         string

	Acks             Acks
	Linger           time.Duration
	BatchSize        int
	BufferMemory     int64
	MaxBlock         time.Duration
	MaxRequestSize   int
	Compression      compress.Codec
	CompressionLevel int

	Retries                       int
	RetryBackoff, RetryBackoffMax time.Duration
	DeliveryTimeout               time.Duration
	RequestTimeout                time.Duration
	MaxInFlight                   int

	// CustomPartitioner reports whether Config.Partitioner is set, and
	// Partitioner is the partitioner.class name internal/props set it to.
	CustomPartitioner              bool
	Partitioner                    string
	PartitionerIgnoreKeys          bool
	PartitionerAdaptive            bool
	PartitionerAvailabilityTimeout time.Duration

	MetadataMaxAge                        time.Duration
	MetadataMaxIdle                       time.Duration
	MetadataRecovery                      MetadataRecovery
	MetadataRecoveryTrigger               time.Duration
	DNSLookup                             DNSLookup
	ReconnectBackoff, ReconnectBackoffMax time.Duration
	ConnectTimeout                        time.Duration
	ConnectionsMaxIdle                    time.Duration
	SendBufferBytes, ReceiveBufferBytes   int

	SecurityProtocol SecurityProtocol
	TLS              TLS
	SASL             SASL

	Idempotence        Idempotence
	TransactionalID    string
	TransactionTimeout time.Duration

	EnableMetricsPush bool

	Spool Spool
}

// TLS is samsa.TLSConfig, field for field (the root package converts one
// into the other).
type TLS struct {
	CAFile                   string
	CertFile, KeyFile        string
	KeyPassword              string
	ServerName               string
	InsecureSkipVerify       bool
	SkipHostnameVerification bool
	MinVersion, MaxVersion   uint16
	CipherSuites             []uint16
	Config                   *tls.Config
}

// SASL is samsa.SASLConfig but for TokenSource and Custom, of which it
// knows whether they are set and Custom's name.
type SASL struct {
	Mechanism          string
	Username, Password string
	HasTokenSource     bool
	OAuth              OAuth
	HasCustom          bool
	CustomName         string
}

// Acks is samsa.Acks: how many replicas acknowledge a write, as sent.
type Acks int8

// The acks settings, with their values on the wire.
const (
	AcksNone   Acks = 0
	AcksLeader Acks = 1
	AcksAll    Acks = -1
)

// String returns the acks setting as the Java client spells it: "0", "1"
// or "all".
func (a Acks) String() string {
	switch a {
	case AcksNone:
		return "0"
	case AcksLeader:
		return "1"
	case AcksAll:
		return "all"
	}
	return "invalid"
}

// Idempotence is samsa.Idempotence.
type Idempotence int8

// The idempotence settings.
const (
	IdempotenceAuto Idempotence = iota
	IdempotenceOn
	IdempotenceOff
)

// MetadataRecovery is samsa.MetadataRecovery.
type MetadataRecovery int8

// The metadata recovery strategies.
const (
	MetadataRecoveryRebootstrap MetadataRecovery = iota
	MetadataRecoveryNone
)

// String returns the strategy as the Java client spells it: "rebootstrap"
// or "none".
func (m MetadataRecovery) String() string {
	switch m {
	case MetadataRecoveryRebootstrap:
		return "rebootstrap"
	case MetadataRecoveryNone:
		return "none"
	}
	return "invalid"
}

// DNSLookup is samsa.DNSLookup.
type DNSLookup int8

// The client.dns.lookup settings.
const (
	DNSLookupUseAllIPs DNSLookup = iota
	DNSLookupCanonicalBootstrap
)

// String returns the setting as the Java client spells it.
func (d DNSLookup) String() string {
	switch d {
	case DNSLookupUseAllIPs:
		return "use_all_dns_ips"
	case DNSLookupCanonicalBootstrap:
		return "resolve_canonical_bootstrap_servers_only"
	}
	return "invalid"
}

// SecurityProtocol is samsa.SecurityProtocol.
type SecurityProtocol int8

// The security protocols.
const (
	Plaintext SecurityProtocol = iota
	SSL
	SASLPlaintext
	SASLSSL
)

// SecurityProtocols lists every protocol, in order.
var SecurityProtocols = []SecurityProtocol{Plaintext, SSL, SASLPlaintext, SASLSSL}

// String returns the protocol's Kafka name, such as "SASL_SSL".
func (p SecurityProtocol) String() string {
	switch p {
	case Plaintext:
		return "PLAINTEXT"
	case SSL:
		return "SSL"
	case SASLPlaintext:
		return "SASL_PLAINTEXT"
	case SASLSSL:
		return "SASL_SSL"
	}
	return "invalid"
}

// UsesSASL reports whether p authenticates with SASL.
func (p SecurityProtocol) UsesSASL() bool { return p == SASLPlaintext || p == SASLSSL }

// UsesTLS reports whether p uses TLS.
func (p SecurityProtocol) UsesTLS() bool { return p == SSL || p == SASLSSL }

// Error is an invalid setting. samsa.ConfigError has the same fields in
// the same order, so that the root package converts a *Error to a
// *samsa.ConfigError; its Error method writes the same text.
type Error struct {
	Key, Field string
	Value      string
	Reason     string
	Suggestion string
}

func (e *Error) Error() string {
	name := e.Key
	if name == "" {
		name = e.Field
	} else if e.Field != "" {
		name += " (Config." + e.Field + ")"
	}
	s := "samsa: invalid configuration: " + name
	if e.Value != "" {
		s += fmt.Sprintf(" = %q", e.Value)
	}
	s += ": " + e.Reason
	if e.Suggestion != "" {
		s += fmt.Sprintf("; did you mean %q?", e.Suggestion)
	}
	return s
}

// Invalid returns an *Error.
func Invalid(key, field, value, reason string) *Error {
	return &Error{Key: key, Field: field, Value: value, Reason: reason}
}
