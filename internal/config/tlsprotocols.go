package config

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// This file holds what the TLS build and internal/props share about TLS
// versions and cipher suites.

// TLS13Suites are TLS 1.3's cipher suites, which crypto/tls always offers
// together (they cannot be configured).
var TLS13Suites = []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256}

// opensslSuiteNames maps OpenSSL's names of the TLS 1.0-1.2 suites
// crypto/tls implements (as librdkafka's ssl.cipher.suites takes them) to
// the IANA names Java and crypto/tls use.
var opensslSuiteNames = map[string]string{
	"RC4-SHA":                       "TLS_RSA_WITH_RC4_128_SHA",
	"DES-CBC3-SHA":                  "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
	"AES128-SHA":                    "TLS_RSA_WITH_AES_128_CBC_SHA",
	"AES256-SHA":                    "TLS_RSA_WITH_AES_256_CBC_SHA",
	"AES128-SHA256":                 "TLS_RSA_WITH_AES_128_CBC_SHA256",
	"AES128-GCM-SHA256":             "TLS_RSA_WITH_AES_128_GCM_SHA256",
	"AES256-GCM-SHA384":             "TLS_RSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-ECDSA-RC4-SHA":           "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
	"ECDHE-ECDSA-AES128-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	"ECDHE-ECDSA-AES256-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
	"ECDHE-RSA-RC4-SHA":             "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
	"ECDHE-RSA-DES-CBC3-SHA":        "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
	"ECDHE-RSA-AES128-SHA":          "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
	"ECDHE-RSA-AES256-SHA":          "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
	"ECDHE-ECDSA-AES128-SHA256":     "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
	"ECDHE-RSA-AES128-SHA256":       "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	"ECDHE-RSA-AES128-GCM-SHA256":   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-RSA-AES256-GCM-SHA384":   "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-RSA-CHACHA20-POLY1305":   "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"ECDHE-ECDSA-CHACHA20-POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
}

// KnownSuite returns the cipher suite crypto/tls implements with the given
// id, or nil.
func KnownSuite(id uint16) *tls.CipherSuite {
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, s := range list {
			if s.ID == id {
				return s
			}
		}
	}
	return nil
}

// SuiteByName returns the id of the suite named by its IANA name (as Java
// and crypto/tls name it; Java's legacy SSL_ prefix too) or OpenSSL name,
// in any case.
func SuiteByName(name string) (uint16, bool) {
	n := strings.ToUpper(name)
	if iana, ok := opensslSuiteNames[n]; ok {
		n = iana
	}
	if rest, ok := strings.CutPrefix(n, "SSL_"); ok {
		n = "TLS_" + rest
	}
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, s := range list {
			if s.Name == n {
				return s.ID, true
			}
		}
	}
	return 0, false
}

// IsTLS13Suite reports whether id is one of TLS 1.3's suites.
func IsTLS13Suite(id uint16) bool {
	for _, s := range TLS13Suites {
		if s == id {
			return true
		}
	}
	return false
}

// versionNames maps the JSSE protocol names to TLS versions.
var versionNames = map[string]uint16{
	"TLSv1":   tls.VersionTLS10,
	"TLSv1.1": tls.VersionTLS11,
	"TLSv1.2": tls.VersionTLS12,
	"TLSv1.3": tls.VersionTLS13,
}

// ParseTLSVersion parses a JSSE protocol name, case-insensitively.
func ParseTLSVersion(raw string) (uint16, bool) {
	for name, v := range versionNames {
		if strings.EqualFold(raw, name) {
			return v, true
		}
	}
	return 0, false
}

// VersionName names a TLS version as Java does (TLSv1.2).
func VersionName(v uint16) string {
	for name, x := range versionNames {
		if x == v {
			return name
		}
	}
	return fmt.Sprintf("0x%04x", v)
}

// validTLSVersion reports whether v is 0 (unset) or a TLS version.
func validTLSVersion(v uint16) bool {
	switch v {
	case 0, tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13:
		return true
	}
	return false
}

// ProtocolError checks the versions and cipher suites of t, as set in
// code or by ConfigFromProperties.
func (t *TLS) ProtocolError() error {
	if !validTLSVersion(t.MinVersion) {
		return Invalid("ssl.enabled.protocols", "TLS.MinVersion", fmt.Sprintf("0x%04x", t.MinVersion),
			"not a TLS version: use tls.VersionTLS12 or tls.VersionTLS13")
	}
	if !validTLSVersion(t.MaxVersion) {
		return Invalid("ssl.enabled.protocols", "TLS.MaxVersion", fmt.Sprintf("0x%04x", t.MaxVersion),
			"not a TLS version: use tls.VersionTLS12 or tls.VersionTLS13")
	}
	if min := t.minVersion(); t.MaxVersion != 0 && t.MaxVersion < min {
		return Invalid("ssl.enabled.protocols", "TLS.MaxVersion", VersionName(t.MaxVersion),
			fmt.Sprintf("is below TLS.MinVersion (%s)", VersionName(min)))
	}
	for _, id := range t.CipherSuites {
		v := fmt.Sprintf("0x%04x", id)
		switch {
		case IsTLS13Suite(id):
			return Invalid("ssl.cipher.suites", "TLS.CipherSuites", v,
				"is a TLS 1.3 suite: crypto/tls always offers TLS 1.3's suites and cannot restrict them; list TLS 1.0-1.2 suites only")
		case KnownSuite(id) == nil:
			return Invalid("ssl.cipher.suites", "TLS.CipherSuites", v, "is not a cipher suite crypto/tls implements")
		}
	}
	return nil
}

// minVersion is the lowest version offered: MinVersion, or TLS 1.2.
func (t *TLS) minVersion() uint16 {
	if t.MinVersion != 0 {
		return t.MinVersion
	}
	return tls.VersionTLS12
}

// ApplyProtocols sets cfg's versions and cipher suites from t, which
// ProtocolError has checked.
func (t *TLS) ApplyProtocols(cfg *tls.Config) {
	cfg.MinVersion = t.minVersion()
	cfg.MaxVersion = t.MaxVersion
	if len(t.CipherSuites) > 0 {
		cfg.CipherSuites = append([]uint16(nil), t.CipherSuites...)
	}
}
