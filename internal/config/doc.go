// Package config holds the rules behind samsa.Config: the checks of
// Config.Validate, the normalisation of bootstrap addresses, the TLS
// version and cipher-suite tables, and the building of a crypto/tls
// configuration from TLS files.
//
// The root package imports this one, so this package cannot name
// samsa.Config. It works on a Config of its own instead, which holds the
// settings it checks by the same names as plain values; the root package
// copies them in and back (Config.settings, Config.setSettings in the
// root). Errors are *Error, which has samsa.ConfigError's fields; the
// root package converts one into the other.
package config
