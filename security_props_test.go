package samsa

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// tlsDial runs a TLS handshake on loopback between a client with cfg,
// verifying the name 127.0.0.1 as wire.Dial would, and a server with srv,
// and returns what the client negotiated.
func tlsDial(t *testing.T, cfg *tls.Config, srv *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		sc, err := ln.Accept()
		if err != nil {
			return
		}
		defer sc.Close()
		s := tls.Server(sc, srv)
		if s.Handshake() == nil {
			s.Write([]byte{1})
		}
	}()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	c := cfg.Clone()
	if c.ServerName == "" {
		c.ServerName = "127.0.0.1"
	}
	cl := tls.Client(cc, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.HandshakeContext(ctx); err != nil {
		return tls.ConnectionState{}, err
	}
	_ = cl.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := cl.Read(make([]byte, 1)); err != nil {
		return tls.ConnectionState{}, err
	}
	return cl.ConnectionState(), nil
}

// tlsFromProps returns the crypto/tls configuration a producer would use
// with props, over SSL to a broker whose certificate p issued.
func tlsFromProps(t *testing.T, p *testPKI, props map[string]string) (*tls.Config, error) {
	t.Helper()
	all := map[string]string{"bootstrap.servers": "127.0.0.1:9092", "security.protocol": "SSL", "ssl.truststore.location": p.caFile}
	for k, v := range props {
		all[k] = v
	}
	cfg, err := ConfigFromProperties(all)
	if err != nil {
		return nil, err
	}
	return cfg.TLS.build()
}

// tlsServer is a server configuration: versions lo to hi and, for TLS
// 1.2 and below, only suites (nil: crypto/tls's defaults).
func tlsServer(cert tls.Certificate, lo, hi uint16, suites ...uint16) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: lo, MaxVersion: hi, CipherSuites: suites}
}

// TestSSLCipherSuitesRestrictHandshake (issue 12.8): ssl.cipher.suites
// was accepted and ignored. The suites it names, by their Java/IANA or
// OpenSSL names, are the only TLS 1.2 suites the producer offers; a list
// without TLS 1.3 suites keeps the producer off TLS 1.3 (as in Java, which
// cannot negotiate TLS 1.3 without one), and a list of TLS 1.3 suites
// only keeps it on TLS 1.3.
func TestSSLCipherSuitesRestrictHandshake(t *testing.T) {
	p := newTestPKI(t)
	cert := p.leaf(t, leafSpec{cn: "localhost", ips: loopbackIPs, usage: x509.ExtKeyUsageServerAuth})
	const (
		aes128 = tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
		aes256 = tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	)
	for _, list := range []string{
		"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
		"ECDHE-ECDSA-AES128-GCM-SHA256",                                              // OpenSSL's name, as librdkafka takes it
		" TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 , TLS_RSA_WITH_AES_128_GCM_SHA256", // RSA: no use with this key
	} {
		cfg, err := tlsFromProps(t, p, map[string]string{"ssl.cipher.suites": list})
		if err != nil {
			t.Fatalf("ssl.cipher.suites=%q: %v", list, err)
		}
		if _, err := tlsDial(t, cfg, tlsServer(cert, tls.VersionTLS12, tls.VersionTLS12, aes256)); err == nil {
			t.Errorf("ssl.cipher.suites=%q: handshake with a server offering only AES-256-GCM succeeded", list)
		}
		st, err := tlsDial(t, cfg, tlsServer(cert, tls.VersionTLS12, tls.VersionTLS12, aes256, aes128))
		if err != nil || st.CipherSuite != aes128 {
			t.Errorf("ssl.cipher.suites=%q: negotiated %s (%v), want %s", list, tls.CipherSuiteName(st.CipherSuite), err, tls.CipherSuiteName(aes128))
		}
		if _, err := tlsDial(t, cfg, tlsServer(cert, tls.VersionTLS13, tls.VersionTLS13)); err == nil {
			t.Errorf("ssl.cipher.suites=%q without TLS 1.3 suites: a TLS 1.3 handshake succeeded", list)
		}
	}

	all13 := "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256"
	cfg, err := tlsFromProps(t, p, map[string]string{"ssl.cipher.suites": all13})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tlsDial(t, cfg, tlsServer(cert, tls.VersionTLS12, tls.VersionTLS12)); err == nil {
		t.Error("ssl.cipher.suites with TLS 1.3 suites only: a TLS 1.2 handshake succeeded")
	}
	if st, err := tlsDial(t, cfg, tlsServer(cert, tls.VersionTLS12, tls.VersionTLS13)); err != nil || st.Version != tls.VersionTLS13 {
		t.Errorf("ssl.cipher.suites with TLS 1.3 suites only: version %x (%v), want TLS 1.3", st.Version, err)
	}
	cfg, err = tlsFromProps(t, p, map[string]string{"ssl.cipher.suites": all13 + ",TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := tlsDial(t, cfg, tlsServer(cert, tls.VersionTLS12, tls.VersionTLS12, aes256, aes128)); err != nil || st.CipherSuite != aes128 {
		t.Errorf("TLS 1.3 suites and one TLS 1.2 suite: negotiated %s (%v) with a TLS 1.2 server", tls.CipherSuiteName(st.CipherSuite), err)
	}
}

// TestSSLCipherSuitesRefused: a suite crypto/tls does not implement, or a
// list that would need TLS 1.3's suites restricted (crypto/tls cannot),
// is a ConfigError naming ssl.cipher.suites.
func TestSSLCipherSuitesRefused(t *testing.T) {
	p := newTestPKI(t)
	for list, want := range map[string]string{
		"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_DHE_RSA_WITH_AES_128_GCM_SHA256": `"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" is not a cipher suite`,
		"HIGH:!aNULL":            `"HIGH" is not a cipher suite`,
		"TLS_AES_128_GCM_SHA256": "TLS 1.3",
		"TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "TLS 1.3",
		",": "at least one",
	} {
		_, err := tlsFromProps(t, p, map[string]string{"ssl.cipher.suites": list})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != "ssl.cipher.suites" || !strings.Contains(err.Error(), want) {
			t.Errorf("ssl.cipher.suites=%q: %v, want a ConfigError for the key mentioning %q", list, err, want)
		}
	}
	_, err := tlsFromProps(t, p, map[string]string{"ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ssl.enabled.protocols": "TLSv1.3"})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "ssl.cipher.suites" || !strings.Contains(err.Error(), "ssl.enabled.protocols") {
		t.Errorf("TLS 1.2 suites with TLS 1.3 only: %v", err)
	}
	// In code, an id crypto/tls does not know, or a TLS 1.3 suite (which
	// crypto/tls cannot restrict), is refused too.
	for ids, want := range map[[2]uint16]string{{0xc02b, 0xfefe}: "0xfefe", {0xc02b, 0x1301}: "TLS 1.3"} {
		_, err = (&TLSConfig{CipherSuites: ids[:]}).build()
		if !errors.As(err, &ce) || ce.Field != "TLS.CipherSuites" || !strings.Contains(err.Error(), want) {
			t.Errorf("TLSConfig.CipherSuites %x: %v, want an error mentioning %s", ids, err, want)
		}
	}
}

// TestSSLProtocolsRestrictHandshake (issue 12.8): ssl.enabled.protocols
// only set the lowest version, so TLSv1.2 still negotiated TLS 1.3, and
// ssl.protocol=TLSv1.2 had no effect. Both now bound the versions offered
// on both sides.
func TestSSLProtocolsRestrictHandshake(t *testing.T) {
	p := newTestPKI(t)
	cert := p.leaf(t, leafSpec{cn: "localhost", ips: loopbackIPs, usage: x509.ExtKeyUsageServerAuth})
	inline, err := os.ReadFile(p.caFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		props      map[string]string
		ok, refuse []uint16 // server versions (only that one) accepted and refused
	}{
		{map[string]string{"ssl.enabled.protocols": "TLSv1.2"}, []uint16{tls.VersionTLS12}, []uint16{tls.VersionTLS13, tls.VersionTLS11}},
		{map[string]string{"ssl.enabled.protocols": "TLSv1.3"}, []uint16{tls.VersionTLS13}, []uint16{tls.VersionTLS12}},
		{map[string]string{"ssl.enabled.protocols": "TLSv1.3,TLSv1.2"}, []uint16{tls.VersionTLS12, tls.VersionTLS13}, []uint16{tls.VersionTLS11}},
		{map[string]string{"ssl.protocol": "TLSv1.2"}, []uint16{tls.VersionTLS12}, []uint16{tls.VersionTLS13}},
		{map[string]string{"ssl.protocol": "TLSv1.3"}, []uint16{tls.VersionTLS12, tls.VersionTLS13}, []uint16{tls.VersionTLS11}},
		{map[string]string{"ssl.protocol": "TLS"}, []uint16{tls.VersionTLS12, tls.VersionTLS13}, []uint16{tls.VersionTLS11}},
		{map[string]string{"ssl.protocol": "TLSv1.2", "ssl.enabled.protocols": "TLSv1.2,TLSv1.3"}, []uint16{tls.VersionTLS12}, []uint16{tls.VersionTLS13}},
		{map[string]string{"ssl.protocol": "TLSv1.1"}, []uint16{tls.VersionTLS11}, []uint16{tls.VersionTLS12, tls.VersionTLS13}},
	} {
		for _, inlineCA := range []bool{false, true} {
			props := map[string]string{}
			for k, v := range c.props {
				props[k] = v
			}
			var cfg *tls.Config
			if inlineCA {
				// Inline PEM builds the tls.Config in ConfigFromProperties.
				props["ssl.truststore.certificates"] = string(inline)
				all := map[string]string{"bootstrap.servers": "127.0.0.1:9092", "security.protocol": "SSL"}
				for k, v := range props {
					all[k] = v
				}
				pc, perr := ConfigFromProperties(all)
				if perr == nil {
					cfg, err = pc.TLS.build()
				} else {
					err = perr
				}
			} else {
				cfg, err = tlsFromProps(t, p, props)
			}
			if err != nil {
				t.Fatalf("%v (inline CA %v): %v", c.props, inlineCA, err)
			}
			for _, v := range c.ok {
				if st, err := tlsDial(t, cfg, tlsServer(cert, v, v)); err != nil || st.Version != v {
					t.Errorf("%v (inline CA %v): server of version %x only: negotiated %x, %v", c.props, inlineCA, v, st.Version, err)
				}
			}
			for _, v := range c.refuse {
				if _, err := tlsDial(t, cfg, tlsServer(cert, v, v)); err == nil {
					t.Errorf("%v (inline CA %v): handshake with a server of version %x only succeeded", c.props, inlineCA, v)
				}
			}
		}
	}
}

// TestSSLProtocolsRefused: lists crypto/tls cannot express (a gap) and
// settings that leave no version are ConfigErrors naming the key.
func TestSSLProtocolsRefused(t *testing.T) {
	p := newTestPKI(t)
	for _, c := range []struct {
		props   map[string]string
		key     string
		mention string
	}{
		{map[string]string{"ssl.enabled.protocols": "TLSv1.1,TLSv1.3"}, "ssl.enabled.protocols", "TLSv1.2"},
		{map[string]string{"ssl.enabled.protocols": "TLSv1.3", "ssl.protocol": "TLSv1.2"}, "ssl.protocol", "ssl.enabled.protocols"},
		{map[string]string{"ssl.enabled.protocols": "SSLv3"}, "ssl.enabled.protocols", "SSLv3"},
	} {
		_, err := tlsFromProps(t, p, c.props)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != c.key || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%v: %v, want a ConfigError for %s mentioning %q", c.props, err, c.key, c.mention)
		}
	}
}
