// Package security tests the producer's TLS and SASL through its public
// API (samsa.NewProducer with Config.SecurityProtocol, TLS and SASL)
// against a real Apache Kafka broker with security listeners: records
// produced over SASL_SSL and mutual TLS are read back; a wrong password
// fails records with an authentication error without a reconnect storm;
// and no password or key material reaches the log, errors or metrics.
// The wire-level behaviour is tested in internal/wire.
package security
