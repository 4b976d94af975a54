package props

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"github.com/samsa-go/samsa/internal/config"
)

// tlsProtocolProps are the TLS version and cipher suite keys of a
// properties map, combined by resolveTLSProtocols once all are known.
type tlsProtocolProps struct {
	enabledMin, enabledMax uint16 // ssl.enabled.protocols; 0 when not given
	protocol               uint16 // ssl.protocol; 0 when not given or "TLS"
	suitesGiven            bool   // ssl.cipher.suites
	suites12               []uint16
	suites13               int // how many of TLS 1.3's suites it names
}

// definePropTLSProtocols registers ssl.protocol, ssl.enabled.protocols
// and ssl.cipher.suites.
func definePropTLSProtocols() {
	defineProp("TLS.MaxVersion", false, func(raw string) (string, func(*propState), string) {
		if strings.EqualFold(raw, "TLS") {
			return "TLS", func(*propState) {}, ""
		}
		v, ok := config.ParseTLSVersion(raw)
		if !ok {
			return "", nil, "must be TLSv1.2 or TLSv1.3 (or TLSv1.1, TLSv1, TLS)"
		}
		return config.VersionName(v), func(st *propState) { st.tlsp.protocol = v }, ""
	}, "ssl.protocol")
	defineProp("TLS.MinVersion", false, parseEnabledProtocols, "ssl.enabled.protocols")
	defineProp("TLS.CipherSuites", false, parseCipherSuites, "ssl.cipher.suites", "ssl_ciphers")
}

// parseEnabledProtocols parses ssl.enabled.protocols: TLS versions that
// crypto/tls can offer as one range.
func parseEnabledProtocols(raw string) (string, func(*propState), string) {
	var vs []uint16
	for _, s := range strings.Split(raw, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		v, ok := config.ParseTLSVersion(s)
		if !ok {
			return "", nil, fmt.Sprintf("%q is not a TLS version: list TLSv1.2, TLSv1.3 (or TLSv1.1, TLSv1), separated by commas", s)
		}
		if !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return "", nil, "must list at least one TLS version, such as TLSv1.2,TLSv1.3"
	}
	slices.Sort(vs)
	lo, hi := vs[0], vs[len(vs)-1]
	for v := lo; v <= hi; v++ {
		if !slices.Contains(vs, v) {
			return "", nil, fmt.Sprintf("crypto/tls enables a range of versions: add %s, or list only versions next to each other", config.VersionName(v))
		}
	}
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = config.VersionName(v)
	}
	return strings.Join(names, ","), func(st *propState) {
		st.tlsp.enabledMin, st.tlsp.enabledMax = lo, hi
	}, ""
}

// parseCipherSuites parses ssl.cipher.suites: suite names separated by
// commas (Java), colons (OpenSSL) or spaces.
func parseCipherSuites(raw string) (string, func(*propState), string) {
	var (
		s12  []uint16
		s13  []uint16
		seen []string
	)
	for _, name := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ':' || r == ' ' || r == '\t' }) {
		id, ok := config.SuiteByName(name)
		if !ok {
			return "", nil, fmt.Sprintf("%q is not a cipher suite crypto/tls implements: use IANA names, as Java does "+
				"(such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), or OpenSSL's (ECDHE-RSA-AES128-GCM-SHA256)", name)
		}
		if config.IsTLS13Suite(id) {
			if !slices.Contains(s13, id) {
				s13 = append(s13, id)
			}
		} else if !slices.Contains(s12, id) {
			s12 = append(s12, id)
		}
		seen = append(seen, tls.CipherSuiteName(id))
	}
	switch {
	case len(seen) == 0:
		return "", nil, "must list at least one cipher suite"
	case len(s13) > 0 && len(s13) < len(config.TLS13Suites):
		return "", nil, "crypto/tls offers all of TLS 1.3's suites and cannot restrict them: list all three " +
			"(TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256) or none, which keeps TLS 1.3 off"
	}
	slices.Sort(seen)
	return strings.Join(slices.Compact(seen), ","), func(st *propState) {
		st.tlsp.suitesGiven, st.tlsp.suites12, st.tlsp.suites13 = true, s12, len(s13)
	}, ""
}

// resolveTLSProtocols sets TLS.MinVersion, MaxVersion and CipherSuites
// from the TLS keys given, as the Java client combines them, or returns
// the ConfigError of keys that leave no version to use.
func (st *propState) resolveTLSProtocols() error {
	p, t := &st.tlsp, &st.cfg.TLS
	min, max := t.MinVersion, t.MaxVersion
	if p.enabledMin != 0 {
		min, max = p.enabledMin, p.enabledMax
	}
	if v := p.protocol; v != 0 {
		// Java: the SSLContext's protocol bounds the versions from above
		// (ssl.protocol=TLSv1.2 never negotiates TLS 1.3); an old one
		// without ssl.enabled.protocols enables that version.
		if p.enabledMin == 0 && v < tls.VersionTLS12 {
			min = v
		}
		if v < tls.VersionTLS13 && (max == 0 || v < max) {
			max = v
		}
	}
	if err := st.checkVersionRange(min, max, "ssl.protocol", "ssl.enabled.protocols"); err != nil {
		return err
	}
	if p.suitesGiven {
		if p.suites13 == 0 && (max == 0 || max > tls.VersionTLS12) {
			max = tls.VersionTLS12
		}
		if len(p.suites12) == 0 && (min == 0 || min < tls.VersionTLS13) {
			min = tls.VersionTLS13
		}
		if err := st.checkVersionRange(min, max, "ssl.cipher.suites", "ssl.enabled.protocols", "ssl.protocol"); err != nil {
			return err
		}
		t.CipherSuites = p.suites12
	}
	t.MinVersion, t.MaxVersion = min, max
	return nil
}

// checkVersionRange returns a ConfigError for key when min is above max,
// naming those of others that were given.
func (st *propState) checkVersionRange(min, max uint16, key string, others ...string) error {
	lo := min
	if lo == 0 {
		lo = tls.VersionTLS12
	}
	if max == 0 || max >= lo {
		return nil
	}
	var with []string
	for _, k := range others {
		if st.has(k) {
			with = append(with, st.keyOf(k)+"="+st.given[k].norm)
		}
	}
	if !st.has(key) {
		key, with = with[0][:strings.IndexByte(with[0], '=')], with[1:]
	}
	reason := fmt.Sprintf("leaves no TLS version to use (from %s up to %s)", config.VersionName(lo), config.VersionName(max))
	if len(with) > 0 {
		reason += " together with " + strings.Join(with, " and ")
	}
	return &config.Error{Key: st.keyOf(key), Field: "TLS", Value: st.given[key].norm, Reason: reason}
}
