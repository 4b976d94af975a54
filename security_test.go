package samsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/itest/pkcs8"
	"github.com/samsa-go/samsa/internal/pemkey"
	"github.com/samsa-go/samsa/internal/sasl"
)

// Keys and a self-signed certificate made with OpenSSL 3.0 (an independent
// PKCS#8 implementation), encrypted with opensslKeyPassword:
//
//	openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt
//	openssl req -new -x509 -key key.pem -subj /CN=samsa-test-client -days 36500
//	openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256   (and the others named)
//	openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES; openssl pkcs8 -topk8 -scrypt
//	openssl ec -aes256                                            (legacy PEM encryption)
const (
	opensslKeyPassword = "test-key-password"
	opensslCert        = `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUOxY4PuphZjFDqd76oFE05/okOV4wCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRc2Ftc2EtdGVzdC1jbGllbnQwIBcNMjYxMTIzMTQyNDAwWhgP
MjEyNjEwMzAxNDI0MDBaMBwxGjAYBgNVBAMMEXNhbXNhLXRlc3QtY2xpZW50MFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXtG0lapXJaPRXt2CyYfMFfvCiBJbAekW
dtTbSK7cTEwptTcZ5/PBLhFv/uSTb0k9cWEddBXsigWklwYVkYqtgKNTMFEwHQYD
VR0OBBYEFFOsw+e2cqlrBuC3+KN3066rFOivMB8GA1UdIwQYMBaAFFOsw+e2cqlr
BuC3+KN3066rFOivMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIg
C1hY9I0O+91nBXr51BL6ilj25fvJJJc5jz/HKk1tp6kCIQDDk4Dq0zrzithD8YSB
nnZ6vd5wq/X8szr+cyGiZ0LLWQ==
-----END CERTIFICATE-----
`
	opensslKey = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8cBmgrHe36Y03DrS
x1cHS6A+QMvRuERPootgoHaNp4KhRANCAARe0bSVqlclo9Fe3YLJh8wV+8KIElsB
6RZ21NtIrtxMTCm1Nxnn88EuEW/+5JNvST1xYR10FeyKBaSXBhWRiq2A
-----END PRIVATE KEY-----
`
	opensslAES256SHA256 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAglBhdmcFY9lwICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEG9lcxWKbsc7mwhcYIHr26oEgZB7
1szVhiiD9hCWsDpkVup16afxYrmWXUr7DPCldbCi7XcPvZeG4V5GIOCw8+SiYL6p
KkH6RSpzuXNS9wc0qtPKj2xPqpix0OxUXzipmN3FB/h2q4A8zbLDzEuT4lv25iUY
PdwM7hSZj9Q9GHl55lUPrb0KNxic7zXAiIZmMr35AgI2zXbwxALYFFB0gBFuLwQ=
-----END ENCRYPTED PRIVATE KEY-----
`
	opensslAES128SHA1 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHeMEkGCSqGSIb3DQEFDTA8MBsGCSqGSIb3DQEFDDAOBAhVCXLx5LyXJQICCAAw
HQYJYIZIAWUDBAECBBDILL4VAjPLpzwur30Jr6T5BIGQTeaV+JLpfRTDuw80oAuV
Veq5/5d+wkRJ78Xa1a46dzMUVVcXgKI2rHVjf4HONRQZy52NU13ULfNg2j+8gaBn
aO2FyOfnvYXhXQTHzpRRlLVLzW8I1z31c/QWyrJriuI+gyeKPlEpn207BO/7368z
AFOZkH40dDcIv3UA5szbH1TpwjolOdAfwYY3a1NlSdv8
-----END ENCRYPTED PRIVATE KEY-----
`
	opensslDES3 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHjME4GCSqGSIb3DQEFDTBBMCkGCSqGSIb3DQEFDDAcBAjQFeUe65WVbAICCAAw
DAYIKoZIhvcNAgkFADAUBggqhkiG9w0DBwQI3iPEBtLPjv8EgZCBQYi+B/7URACW
oWvsjc47JL3MfYOVo0BwA7lxR8oWq797airxFL2EFT1mdytZ+VHiDcmeMTguTgi1
lHlHKmBRzWm0yNcRQmASFycFgwaPkguceJnNHzLsYaKw4IVcNJggiMalr0gvqh+N
NG3fM0EXOLOXnwiYA60Xu7jZrSP0jMLbpNds95R/KRAXyyFNo90=
-----END ENCRYPTED PRIVATE KEY-----
`
	opensslAES192SHA512 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgqoVcAzNf4FAICCAAw
DAYIKoZIhvcNAgsFADAdBglghkgBZQMEARYEEOlkzS3LNLnNylIO/9Q0ZogEgZCe
pNrZvFsrJPb6G4nuLrEq360hfN2DS9J+R9OTxjHikyyD6p2dbPZGJcAUjnkpF8vG
xG4ABPlrpLQyprPw9q6W7u+iEqr4Wxq3YVwRuS1pBrI7vwoZsjTKZsujhj7z+QIE
qDQ5FNsqEysXrsQIPi3c5C0OoRJlq2YBqeMAoOYHVl6w7XOpqEF1WI5/OpzuTHY=
-----END ENCRYPTED PRIVATE KEY-----
`
	opensslPBES1 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIGxMBwGCiqGSIb3DQEMAQMwDgQIdxrhyJGuPi4CAggABIGQiUE+KAiS8FgccgH8
wgLFFv2DQ9o7lHWwObcpKfH2ke/4gRh753pDJvb81bMlC9Uun/aWF6z1Rm85B71o
YvbYgX2rDT7qWwvfPTyDTo7PaZgC7wizDBH4cOmgdER+mYli4JML8kaKXf2BaS/y
CyX0OIuA0IFM8i7/m1tUggBs1twyN2P7k+ZLF0bE79Obe398
-----END ENCRYPTED PRIVATE KEY-----
`
	opensslScrypt = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHkME8GCSqGSIb3DQEFDTBCMCEGCSsGAQQB2kcECzAUBAg2y1LcQCG8fwICQAAC
AQgCAQEwHQYJYIZIAWUDBAEqBBBIso672jTMjYrHwfbSfXdwBIGQl9g9tayjwop1
0NflEuAPiS2TBQDPJ1SPApkawBI3z3PVd8L1LwfhP+7cWEG7RZMOIi65FkDLn64t
+mVtGSZZigpuHVcpgu5P6ZMR5baEr4tAD07Clf8Ls63RWgpUvu8TkWkMMv7uRnao
jGB4ItFg85ia1ktmq3Rb85Ffv3kbwKPH9Z9rBB9671cx3I0w4B6e
-----END ENCRYPTED PRIVATE KEY-----
`
	opensslLegacy = `-----BEGIN EC PRIVATE KEY-----
Proc-Type: 4,ENCRYPTED
DEK-Info: AES-256-CBC,6EB020CCE6B5FC5A18F0F8EF9D68811D

egztK8XvQMIXxmUEgawETeYzi6Kat5MFA12rkJXsvHUISf9VDR6TUYtFiFGyDDz2
WqjeFInA9WZ5v7hkJiSwEuVV0dnt0DDg+d8o5XGYosTqnxL2FNOGwRE5oeyLFndo
FHAo+0Sp51GG6h9vuII3IbJp0cQzHW5acWzSvDm8xvw=
-----END EC PRIVATE KEY-----
`
)

// testPKI is a throwaway CA with server and client certificates, written
// as PEM files into a test's temporary directory.
type testPKI struct {
	dir    string
	ca     *x509.Certificate
	caKey  crypto.Signer
	caFile string
	// secrets are every private key's DER and PEM text, for leak checks.
	secrets [][]byte
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir()}
	key := p.newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "samsa test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, _ = x509.ParseCertificate(der)
	p.caKey = key
	p.caFile = p.write(t, "ca.pem", pemBytes("CERTIFICATE", der))
	return p
}

func (p *testPKI) newKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	p.secrets = append(p.secrets, der, pemBytes("PRIVATE KEY", der))
	sec1, _ := x509.MarshalECPrivateKey(k)
	raw, _ := k.Bytes()
	p.secrets = append(p.secrets, sec1, raw)
	return k
}

func pemBytes(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func (p *testPKI) write(t *testing.T, name string, parts ...[]byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, bytes.Join(parts, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type leafSpec struct {
	cn        string
	dns       []string
	ips       []net.IP
	notBefore time.Time
	notAfter  time.Time
	usage     x509.ExtKeyUsage
}

// leaf issues a certificate and returns it with its key.
func (p *testPKI) leaf(t *testing.T, s leafSpec) tls.Certificate {
	t.Helper()
	key := p.newKey(t)
	if s.notBefore.IsZero() {
		s.notBefore = time.Now().Add(-time.Hour)
	}
	if s.notAfter.IsZero() {
		s.notAfter = time.Now().Add(time.Hour)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: s.cn},
		DNSNames:     s.dns,
		IPAddresses:  s.ips,
		NotBefore:    s.notBefore,
		NotAfter:     s.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{s.usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, key.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// files writes cert's chain and key (PKCS#8) and returns their paths.
func (p *testPKI) files(t *testing.T, name string, cert tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return p.write(t, name+".pem", pemBytes("CERTIFICATE", cert.Certificate[0])),
		p.write(t, name+".key", pemBytes("PRIVATE KEY", der))
}

var loopbackIPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}

// handshake runs a TLS handshake between a client built from cfg, dialing
// serverName as wire.Dial does (ServerName defaults to the host), and a
// server presenting cert; the server asks for a client certificate when
// clientCAs is set. It returns the client's error, and the client
// certificate the server saw.
func handshake(t *testing.T, cfg *tls.Config, host string, cert tls.Certificate, clientCAs *x509.CertPool, serverMax uint16) (*x509.Certificate, error) {
	t.Helper()
	// Loopback TCP rather than net.Pipe: a client that refuses the
	// server's certificate writes an alert while the server may still be
	// writing its flight, which an unbuffered pipe deadlocks on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	srvCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: serverMax, MinVersion: tls.VersionTLS10}
	if clientCAs != nil {
		srvCfg.ClientCAs = clientCAs
		srvCfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	type result struct {
		peer *x509.Certificate
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer sc.Close()
		s := tls.Server(sc, srvCfg)
		err := s.Handshake()
		var peer *x509.Certificate
		if err == nil && len(s.ConnectionState().PeerCertificates) > 0 {
			peer = s.ConnectionState().PeerCertificates[0]
		}
		if err == nil {
			// One byte each way, so that a TLS 1.3 client sees a refused
			// client certificate as the server's alert.
			_, err = s.Write([]byte{1})
		}
		done <- result{peer, err}
	}()
	c := cfg.Clone()
	if c.ServerName == "" {
		c.ServerName = host
	}
	cl := tls.Client(cc, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = cl.HandshakeContext(ctx)
	if err == nil {
		_ = cl.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = cl.Read(make([]byte, 1))
	}
	cc.Close()
	r := <-done
	return r.peer, err
}

func mustBuild(t *testing.T, tc TLSConfig) *tls.Config {
	t.Helper()
	cfg, err := tc.build()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return cfg
}

func TestTLSBuildVerifiesHostNames(t *testing.T) {
	p := newTestPKI(t)
	server := p.leaf(t, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: loopbackIPs, usage: x509.ExtKeyUsageServerAuth})
	wrong := p.leaf(t, leafSpec{cn: "wrong.example", dns: []string{"wrong.example"}, usage: x509.ExtKeyUsageServerAuth})
	expired := p.leaf(t, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: loopbackIPs, usage: x509.ExtKeyUsageServerAuth,
		notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)})
	clientOnly := p.leaf(t, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: loopbackIPs, usage: x509.ExtKeyUsageClientAuth})
	other := newTestPKI(t)
	untrusted := other.leaf(t, leafSpec{cn: "localhost", dns: []string{"localhost"}, ips: loopbackIPs, usage: x509.ExtKeyUsageServerAuth})

	cfg := mustBuild(t, TLSConfig{CAFile: p.caFile})
	if cfg.MinVersion != tls.VersionTLS12 || cfg.InsecureSkipVerify || cfg.VerifyConnection != nil || cfg.RootCAs == nil {
		t.Fatalf("default config: MinVersion %x, InsecureSkipVerify %v, VerifyConnection set %v, RootCAs %v",
			cfg.MinVersion, cfg.InsecureSkipVerify, cfg.VerifyConnection != nil, cfg.RootCAs)
	}
	for _, host := range []string{"127.0.0.1", "localhost", "::1"} {
		if _, err := handshake(t, cfg, host, server, nil, 0); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}

	var hostErr x509.HostnameError
	_, err := handshake(t, cfg, "127.0.0.1", wrong, nil, 0)
	if !errors.As(err, &hostErr) {
		t.Fatalf("wrong host: %v, want an x509.HostnameError", err)
	}
	_, err = handshake(t, cfg, "localhost", wrong, nil, 0)
	if !errors.As(err, &hostErr) || !strings.Contains(err.Error(), "wrong.example") {
		t.Fatalf("wrong host by name: %v", err)
	}
	// ServerName overrides the host verified.
	if _, err := handshake(t, mustBuild(t, TLSConfig{CAFile: p.caFile, ServerName: "wrong.example"}), "127.0.0.1", wrong, nil, 0); err != nil {
		t.Fatalf("ServerName override: %v", err)
	}

	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
	}{
		{"verifying", cfg},
		{"SkipHostnameVerification", mustBuild(t, TLSConfig{CAFile: p.caFile, SkipHostnameVerification: true})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := handshake(t, tc.cfg, "127.0.0.1", expired, nil, 0)
			if !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
				t.Errorf("expired: %v, want x509.Expired", err)
			}
			_, err = handshake(t, tc.cfg, "127.0.0.1", untrusted, nil, 0)
			if !errors.As(err, &unknown) {
				t.Errorf("other CA: %v, want x509.UnknownAuthorityError", err)
			}
			_, err = handshake(t, tc.cfg, "127.0.0.1", clientOnly, nil, 0)
			if !errors.As(err, &invalid) || invalid.Reason != x509.IncompatibleUsage {
				t.Errorf("client-only certificate: %v, want x509.IncompatibleUsage", err)
			}
		})
	}

	// SkipHostnameVerification: the chain is verified, the host is not.
	skip := mustBuild(t, TLSConfig{CAFile: p.caFile, SkipHostnameVerification: true})
	if _, err := handshake(t, skip, "127.0.0.1", wrong, nil, 0); err != nil {
		t.Fatalf("SkipHostnameVerification, wrong host: %v", err)
	}
	// InsecureSkipVerify: nothing is verified.
	insecure := mustBuild(t, TLSConfig{InsecureSkipVerify: true, SkipHostnameVerification: true})
	if _, err := handshake(t, insecure, "127.0.0.1", untrusted, nil, 0); err != nil {
		t.Fatalf("InsecureSkipVerify: %v", err)
	}
	// Without CAFile the system roots are trusted, not this CA.
	if _, err := handshake(t, mustBuild(t, TLSConfig{}), "127.0.0.1", server, nil, 0); !errors.As(err, &unknown) {
		t.Fatalf("system roots: %v, want x509.UnknownAuthorityError", err)
	}
}

func TestTLSBuildMinVersion(t *testing.T) {
	p := newTestPKI(t)
	server := p.leaf(t, leafSpec{cn: "localhost", ips: loopbackIPs, usage: x509.ExtKeyUsageServerAuth})
	_, err := handshake(t, mustBuild(t, TLSConfig{CAFile: p.caFile}), "127.0.0.1", server, nil, tls.VersionTLS11)
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("TLS 1.1 server: %v, want a protocol version error", err)
	}
	cfg := mustBuild(t, TLSConfig{CAFile: p.caFile, MinVersion: tls.VersionTLS13})
	if _, err := handshake(t, cfg, "127.0.0.1", server, nil, tls.VersionTLS12); err == nil {
		t.Fatal("MinVersion TLS 1.3 accepted a TLS 1.2 server")
	}
	if _, err := handshake(t, cfg, "127.0.0.1", server, nil, 0); err != nil {
		t.Fatalf("TLS 1.3: %v", err)
	}
	_, err = (&TLSConfig{MinVersion: 12}).build()
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "TLS.MinVersion" || !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("MinVersion 12: %v", err)
	}
}

func TestTLSBuildClientCertificate(t *testing.T) {
	p := newTestPKI(t)
	server := p.leaf(t, leafSpec{cn: "localhost", ips: loopbackIPs, usage: x509.ExtKeyUsageServerAuth})
	client := p.leaf(t, leafSpec{cn: "samsa-client", usage: x509.ExtKeyUsageClientAuth})
	certFile, keyFile := p.files(t, "client", client)
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(p.ca)

	check := func(t *testing.T, tc TLSConfig) {
		t.Helper()
		peer, err := handshake(t, mustBuild(t, tc), "127.0.0.1", server, clientCAs, 0)
		if err != nil {
			t.Fatalf("mTLS: %v", err)
		}
		if peer == nil || peer.Subject.CommonName != "samsa-client" {
			t.Fatalf("server saw client certificate %v", peer)
		}
	}
	t.Run("PKCS8", func(t *testing.T) { check(t, TLSConfig{CAFile: p.caFile, CertFile: certFile, KeyFile: keyFile}) })
	t.Run("key in CertFile", func(t *testing.T) {
		kb, _ := os.ReadFile(keyFile)
		cb, _ := os.ReadFile(certFile)
		store := p.write(t, "store.pem", kb, cb)
		check(t, TLSConfig{CAFile: p.caFile, CertFile: store})
		check(t, TLSConfig{CAFile: p.caFile, CertFile: store, KeyFile: store})
	})
	t.Run("SEC1", func(t *testing.T) {
		der, _ := x509.MarshalECPrivateKey(client.PrivateKey.(*ecdsa.PrivateKey))
		check(t, TLSConfig{CAFile: p.caFile, CertFile: certFile, KeyFile: p.write(t, "sec1.key", pemBytes("EC PRIVATE KEY", der))})
	})
	t.Run("PKCS1 RSA", func(t *testing.T) {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "samsa-client"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &rk.PublicKey, p.caKey)
		check(t, TLSConfig{CAFile: p.caFile, CertFile: p.write(t, "rsa.pem", pemBytes("CERTIFICATE", der)),
			KeyFile: p.write(t, "rsa.key", pemBytes("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)))})
	})
	t.Run("encrypted PKCS8", func(t *testing.T) {
		der, _ := x509.MarshalPKCS8PrivateKey(client.PrivateKey)
		for _, enc := range []struct {
			name   string
			prf    func() hash.Hash
			prfOID asn1.ObjectIdentifier
			keyLen int
			aesOID asn1.ObjectIdentifier
		}{
			{"AES-256/SHA-256", sha256.New, pemkey.OIDHMACWithSHA256, 32, pemkey.OIDAES256CBC},
			{"AES-128/SHA-512", sha512.New, pemkey.OIDHMACWithSHA512, 16, pemkey.OIDAES128CBC},
			{"AES-192/SHA-224", sha256.New224, pemkey.OIDHMACWithSHA224, 24, pemkey.OIDAES192CBC},
			{"AES-256/SHA-384", sha512.New384, pemkey.OIDHMACWithSHA384, 32, pemkey.OIDAES256CBC},
		} {
			t.Run(enc.name, func(t *testing.T) {
				pass := "k3y-pa55word"
				enc := encryptPKCS8(t, der, pass, enc.prf, enc.prfOID, enc.keyLen, enc.aesOID)
				kf := p.write(t, "enc.key", pemBytes("ENCRYPTED PRIVATE KEY", enc))
				check(t, TLSConfig{CAFile: p.caFile, CertFile: certFile, KeyFile: kf, KeyPassword: pass})
			})
		}
	})
}

// encryptPKCS8 encrypts a PKCS#8 key with PBES2 (PBKDF2 and AES-CBC), as
// openssl pkcs8 -topk8 -v2 does.
func encryptPKCS8(t *testing.T, der []byte, pass string, prf func() hash.Hash, prfOID asn1.ObjectIdentifier, keyLen int, aesOID asn1.ObjectIdentifier) []byte {
	t.Helper()
	info, err := pkcs8.Encrypt(der, pass, pkcs8.Params{PRF: prf, PRFOID: prfOID, KeyLen: keyLen, CipherOID: aesOID})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// TestTLSBuildOpenSSLKeys decrypts keys that OpenSSL encrypted.
func TestTLSBuildOpenSSLKeys(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile := write("cert.pem", opensslCert)
	plainBlock, _ := pem.Decode([]byte(opensslKey))
	want, err := x509.ParsePKCS8PrivateKey(plainBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	secrets := [][]byte{[]byte(opensslKeyPassword), plainBlock.Bytes, mustECBytes(t, want.(*ecdsa.PrivateKey))}
	for name, k := range map[string]string{
		"aes-256-cbc/hmacWithSHA256": opensslAES256SHA256,
		"aes-128-cbc/hmacWithSHA1":   opensslAES128SHA1,
		"aes-192-cbc/hmacWithSHA512": opensslAES192SHA512,
		"des-ede3-cbc":               opensslDES3,
	} {
		t.Run(name, func(t *testing.T) {
			kf := write("k.pem", k)
			cfg := mustBuild(t, TLSConfig{CertFile: certFile, KeyFile: kf, KeyPassword: opensslKeyPassword})
			got := cfg.Certificates[0].PrivateKey.(*ecdsa.PrivateKey)
			if !got.Equal(want) {
				t.Fatal("decrypted key differs from the original")
			}
			if cfg.Certificates[0].Leaf.Subject.CommonName != "samsa-test-client" {
				t.Fatalf("leaf %v", cfg.Certificates[0].Leaf.Subject)
			}
			for _, bad := range []string{"", "wrong-password"} {
				_, err := (&TLSConfig{CertFile: certFile, KeyFile: kf, KeyPassword: bad}).build()
				checkFileError(t, err, "TLS.KeyFile", kf, "KeyPassword", secrets...)
			}
		})
	}
	for name, tc := range map[string]struct{ pem, reason string }{
		"PBES1":  {opensslPBES1, "1.2.840.113549.1.12.1.3"},
		"scrypt": {opensslScrypt, "1.3.6.1.4.1.11591.4.11"},
		"legacy": {opensslLegacy, "Proc-Type: 4,ENCRYPTED"},
	} {
		t.Run(name, func(t *testing.T) {
			kf := write("k.pem", tc.pem)
			_, err := (&TLSConfig{CertFile: certFile, KeyFile: kf, KeyPassword: opensslKeyPassword}).build()
			checkFileError(t, err, "TLS.KeyFile", kf, tc.reason, secrets...)
			if !strings.Contains(err.Error(), "openssl pkcs8 -topk8 -v2 aes-256-cbc") {
				t.Errorf("error does not say how to convert the key: %v", err)
			}
		})
	}
}

// checkFileError checks err is a ConfigError for field that names path,
// contains want, and no secret.
func checkFileError(t *testing.T, err error, field, path, want string, secrets ...[]byte) {
	t.Helper()
	var ce *ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("error %v (%T), want a *ConfigError", err, err)
	}
	if ce.Field != field || ce.Value != path {
		t.Errorf("error names %s = %q, want %s = %q: %v", ce.Field, ce.Value, field, path, err)
	}
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not contain %q and the path", err, want)
	}
	assertNoLeak(t, "error", err.Error(), secrets...)
}

// assertNoLeak fails t if s holds a secret, raw, hex, base64 or as a
// byte-slice dump.
func assertNoLeak(t *testing.T, what, s string, secrets ...[]byte) {
	t.Helper()
	for _, sec := range secrets {
		if len(sec) == 0 {
			continue
		}
		for _, form := range []string{string(sec), hex.EncodeToString(sec), base64.StdEncoding.EncodeToString(sec),
			string(sec), strings.TrimSpace(string(sec))} {
			if form != "" && strings.Contains(s, form) {
				t.Errorf("%s leaks a secret: %q", what, s)
				break
			}
		}
		// A long enough piece of PEM or base64 also counts.
		if len(sec) > 40 {
			b64 := base64.StdEncoding.EncodeToString(sec)
			for i := 0; i+24 <= len(b64); i += 8 {
				if strings.Contains(s, b64[i:i+24]) {
					t.Errorf("%s leaks part of a secret: %q", what, s)
					break
				}
			}
		}
	}
}

func TestTLSBuildFileErrors(t *testing.T) {
	p := newTestPKI(t)
	client := p.leaf(t, leafSpec{cn: "samsa-client", usage: x509.ExtKeyUsageClientAuth})
	certFile, keyFile := p.files(t, "client", client)
	other := p.leaf(t, leafSpec{cn: "other", usage: x509.ExtKeyUsageClientAuth})
	_, otherKey := p.files(t, "other", other)
	keyPEM, _ := os.ReadFile(keyFile)
	missing := filepath.Join(p.dir, "missing.pem")
	garbage := p.write(t, "garbage.pem", []byte("not PEM at all\n"))
	badCert := p.write(t, "badcert.pem", pemBytes("CERTIFICATE", []byte("nonsense")))
	twoKeys := p.write(t, "two.key", keyPEM, keyPEM)
	badKey := p.write(t, "bad.key", pemBytes("PRIVATE KEY", []byte("nonsense")))
	dsaKey := p.write(t, "dsa.key", pemBytes("DSA PRIVATE KEY", []byte("nonsense")))
	encNoPass := p.write(t, "enc.key", pemBytes("ENCRYPTED PRIVATE KEY", []byte("nonsense")))

	for _, tc := range []struct {
		name  string
		cfg   TLSConfig
		field string
		path  string
		want  string
	}{
		{"CA missing", TLSConfig{CAFile: missing}, "TLS.CAFile", missing, "no such file"},
		{"CA is a key", TLSConfig{CAFile: keyFile}, "TLS.CAFile", keyFile, "no PEM CERTIFICATE found (only PRIVATE KEY blocks)"},
		{"CA not PEM", TLSConfig{CAFile: garbage}, "TLS.CAFile", garbage, "no PEM blocks at all"},
		{"CA does not parse", TLSConfig{CAFile: badCert}, "TLS.CAFile", badCert, "certificate 1 does not parse"},
		{"cert missing", TLSConfig{CertFile: missing, KeyFile: keyFile}, "TLS.CertFile", missing, "no such file"},
		{"key missing", TLSConfig{CertFile: certFile, KeyFile: missing}, "TLS.KeyFile", missing, "no such file"},
		{"cert is a key", TLSConfig{CertFile: keyFile, KeyFile: keyFile}, "TLS.CertFile", keyFile, "no PEM CERTIFICATE found"},
		{"key is a cert", TLSConfig{CertFile: certFile, KeyFile: certFile}, "TLS.KeyFile", certFile, "no PEM private key found (only CERTIFICATE blocks)"},
		{"no key anywhere", TLSConfig{CertFile: certFile}, "TLS.CertFile", certFile, "set KeyFile, or put the key in CertFile"},
		{"key without cert", TLSConfig{KeyFile: keyFile}, "TLS.CertFile", "", "KeyFile is set without CertFile"},
		{"mismatch", TLSConfig{CertFile: certFile, KeyFile: otherKey}, "TLS.KeyFile", otherKey, "does not match the certificate"},
		{"two keys", TLSConfig{CertFile: certFile, KeyFile: twoKeys}, "TLS.KeyFile", twoKeys, "more than one private key"},
		{"bad key", TLSConfig{CertFile: certFile, KeyFile: badKey}, "TLS.KeyFile", badKey, "PRIVATE KEY block does not parse"},
		{"DSA key", TLSConfig{CertFile: certFile, KeyFile: dsaKey}, "TLS.KeyFile", dsaKey, `unsupported private key type "DSA PRIVATE KEY"`},
		{"encrypted, no password", TLSConfig{CertFile: certFile, KeyFile: encNoPass}, "TLS.KeyFile", encNoPass, "set KeyPassword (ssl.key.password)"},
		{"encrypted garbage", TLSConfig{CertFile: certFile, KeyFile: encNoPass, KeyPassword: "pw-secret"}, "TLS.KeyFile", encNoPass, "not a valid PKCS#8 EncryptedPrivateKeyInfo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.build()
			checkFileError(t, err, tc.field, tc.path, tc.want, append(p.secrets, []byte("pw-secret"))...)
		})
	}

	// Config is used as it is.
	own := &tls.Config{ServerName: "x", MinVersion: tls.VersionTLS13}
	cfg := mustBuild(t, TLSConfig{Config: own, CAFile: missing})
	if cfg == own || cfg.ServerName != "x" || cfg.MinVersion != tls.VersionTLS13 {
		t.Fatalf("Config not cloned as it is: %+v", cfg)
	}
}

func TestSASLMechanism(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ in, want string }{
		{"PLAIN", "PLAIN"}, {"plain", "PLAIN"}, {" Plain ", "PLAIN"},
		{"scram-sha-256", "SCRAM-SHA-256"}, {"SCRAM-SHA-512", "SCRAM-SHA-512"}, {"Scram-Sha-512", "SCRAM-SHA-512"},
	} {
		m, err := (&SASLConfig{Mechanism: tc.in, Username: "alice", Password: "pw-secret"}).mechanism()
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if m.Name() != tc.want {
			t.Fatalf("%q: Name %q, want %q", tc.in, m.Name(), tc.want)
		}
		_, first, err := m.Start(ctx, "b:9092")
		if err != nil {
			t.Fatal(err)
		}
		switch tc.want {
		case "PLAIN":
			if string(first) != "\x00alice\x00pw-secret" {
				t.Fatalf("PLAIN message %q", first)
			}
		default:
			if !strings.HasPrefix(string(first), "n,,n=alice,r=") {
				t.Fatalf("%s client-first %q", tc.want, first)
			}
		}
	}

	var gotCtx context.Context
	src := func(ctx context.Context) (OAuthToken, error) {
		gotCtx = ctx
		return OAuthToken{Token: "tok.en.sig", Extensions: map[string]string{"traceId": "t1"}}, nil
	}
	m, err := (&SASLConfig{Mechanism: "oauthbearer", TokenSource: src}).mechanism()
	if err != nil {
		t.Fatal(err)
	}
	type key struct{}
	_, first, err := m.Start(context.WithValue(ctx, key{}, 1), "")
	if err != nil || m.Name() != "OAUTHBEARER" {
		t.Fatalf("OAUTHBEARER: %q, %v", m.Name(), err)
	}
	if string(first) != "n,,\x01auth=Bearer tok.en.sig\x01traceId=t1\x01\x01" || gotCtx.Value(key{}) != 1 {
		t.Fatalf("OAUTHBEARER initial response %q", first)
	}
	idp := errors.New("idp down")
	m, _ = (&SASLConfig{Mechanism: "OAUTHBEARER", TokenSource: func(context.Context) (OAuthToken, error) { return OAuthToken{}, idp }}).mechanism()
	if _, _, err := m.Start(ctx, ""); !errors.Is(err, idp) {
		t.Fatalf("token source error: %v", err)
	}

	for _, tc := range []struct {
		name       string
		cfg        SASLConfig
		key, field string
		want       string
		suggestion string
	}{
		{"unknown", SASLConfig{Mechanism: "DIGEST-MD5"}, "sasl.mechanism", "SASL.Mechanism", "unknown SASL mechanism; use one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER", ""},
		{"misspelt", SASLConfig{Mechanism: "SCRAM-SHA256"}, "sasl.mechanism", "SASL.Mechanism", "unknown SASL mechanism", "SCRAM-SHA-256"},
		{"underscores", SASLConfig{Mechanism: "scram_sha_512"}, "sasl.mechanism", "SASL.Mechanism", "unknown SASL mechanism", "SCRAM-SHA-512"},
		{"typo", SASLConfig{Mechanism: "PLIAN"}, "sasl.mechanism", "SASL.Mechanism", "unknown SASL mechanism", "PLAIN"},
		{"GSSAPI", SASLConfig{Mechanism: "gssapi"}, "sasl.mechanism", "SASL.Mechanism", "GSSAPI (Kerberos) is not supported", ""},
		{"empty", SASLConfig{Username: "alice", Password: "pw-secret"}, "sasl.mechanism", "SASL.Mechanism", "no SASL mechanism set", ""},
		{"no user", SASLConfig{Mechanism: "PLAIN", Password: "pw-secret"}, "sasl.jaas.config", "SASL.Username", "needs a user name", ""},
		{"no password", SASLConfig{Mechanism: "SCRAM-SHA-256", Username: "alice"}, "sasl.jaas.config", "SASL.Password", "needs a password", ""},
		{"no token source", SASLConfig{Mechanism: "OAUTHBEARER", Username: "alice", Password: "pw-secret"}, "", "SASL.TokenSource", "needs a token source", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.mechanism()
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v, want a *ConfigError", err)
			}
			if ce.Key != tc.key || ce.Field != tc.field || ce.Suggestion != tc.suggestion || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q (key %q field %q suggestion %q), want key %q field %q suggestion %q and %q",
					err, ce.Key, ce.Field, ce.Suggestion, tc.key, tc.field, tc.suggestion, tc.want)
			}
			assertNoLeak(t, "error", err.Error(), []byte("pw-secret"))
		})
	}
}

// formatEverywhere prints v with the verbs a careless caller might use,
// nested in structs, and through slog's text and JSON handlers.
func formatEverywhere(v any) string {
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	fmt.Fprintln(&b, v)
	fmt.Fprintf(&b, "%+v %#v\n", struct{ V any }{v}, []any{v})
	h := &slog.HandlerOptions{Level: slog.LevelDebug}
	slog.New(slog.NewTextHandler(&b, h)).Debug("m", "v", v)
	slog.New(slog.NewJSONHandler(&b, h)).Debug("m", "v", v)
	if j, err := json.Marshal(v); err == nil {
		b.Write(j)
	}
	return b.String()
}

func TestSecurityConfigFormatting(t *testing.T) {
	tok := OAuthToken{Token: "eyJ0b2tlbi1zZWNyZXQ", Extensions: map[string]string{"traceId": "ext-secret"}}
	cfg := DefaultConfig()
	cfg.SASL = SASLConfig{Mechanism: "SCRAM-SHA-512", Username: "alice", Password: "sasl-pa55word",
		TokenSource: func(context.Context) (OAuthToken, error) { return tok, nil }}
	cfg.TLS = TLSConfig{CAFile: "/ca.pem", KeyFile: "/k.pem", KeyPassword: "key-pa55word"}
	secrets := [][]byte{[]byte("sasl-pa55word"), []byte("key-pa55word"), []byte(tok.Token), []byte("ext-secret")}
	for _, v := range []any{cfg, &cfg, cfg.SASL, &cfg.SASL, cfg.TLS, &cfg.TLS, tok, &tok} {
		out := formatEverywhere(v)
		assertNoLeak(t, fmt.Sprintf("formatted %T", v), out, secrets...)
		if !strings.Contains(out, redactedText) {
			t.Errorf("formatted %T does not show %s: %s", v, redactedText, out)
		}
	}
	out := fmt.Sprintf("%+v", cfg.SASL)
	if !strings.Contains(out, "alice") || !strings.Contains(out, "SCRAM-SHA-512") || !strings.Contains(out, "TokenSource:set") {
		t.Errorf("SASLConfig formatting lost the non-secret fields: %s", out)
	}
	out = fmt.Sprintf("%#v", cfg.TLS)
	if !strings.Contains(out, `CAFile:"/ca.pem"`) || !strings.Contains(out, `KeyPassword:"[redacted]"`) {
		t.Errorf("TLSConfig %%#v: %s", out)
	}
	if s := fmt.Sprintf("%v", SASLConfig{Mechanism: "PLAIN"}); !strings.Contains(s, "Password: ") {
		t.Errorf("an empty password should show as empty: %s", s)
	}
	var _ sasl.Mechanism // the package is the one NewProducer uses
}

// mustECBytes returns k's private scalar, as the secret an error must
// never show.
func mustECBytes(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := k.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
