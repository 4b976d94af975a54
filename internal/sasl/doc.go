// Package sasl holds the SASL mechanisms samsa authenticates with: PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER. The connection layer
// (internal/wire) drives a Mechanism through Kafka's SaslHandshake and
// SaslAuthenticate requests.
//
// No mechanism puts a password, a token or key material into an error
// string, and every type here that holds one formats (with any fmt verb,
// %#v included) and logs (slog.LogValuer) without it.
package sasl
