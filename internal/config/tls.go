package config

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/samsa-go/samsa/internal/pemkey"
)

// This file builds a crypto/tls configuration from the TLS settings and
// the files they name.

// Build returns the crypto/tls configuration for t: the trusted roots
// (the system's, or CAFile's), the client certificate for mutual TLS,
// host name verification (on unless SkipHostnameVerification or
// InsecureSkipVerify), TLS 1.2 or newer unless MinVersion says otherwise,
// up to MaxVersion, and CipherSuites. Errors name the setting, the file and the problem, never key
// material.
func (t *TLS) Build() (*tls.Config, error) {
	if t.Config != nil {
		return t.Config.Clone(), nil
	}
	if err := t.ProtocolError(); err != nil {
		return nil, err
	}
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	t.ApplyProtocols(cfg)
	if t.CAFile != "" {
		pool, err := loadCAFile(t.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := t.loadClientCert()
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if t.SkipHostnameVerification && !t.InsecureSkipVerify {
		// crypto/tls verifies the chain and the host name together, or
		// neither; verify the chain here, without a host name.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = VerifyChainOnly(cfg.RootCAs)
	}
	return cfg, nil
}

// VerifyChainOnly returns a tls.Config.VerifyConnection that verifies the
// broker's certificate chain against roots (nil: the system roots) for
// server authentication, but not the host name it is valid for.
func VerifyChainOnly(roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("samsa: the broker presented no certificate")
		}
		opts := x509.VerifyOptions{
			Roots:         roots,
			Intermediates: x509.NewCertPool(),
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
		return nil
	}
}

// tlsFileError reports a problem with one of the TLS settings' files.
func tlsFileError(key, field, path, reason string) error {
	return &Error{Key: key, Field: field, Value: path, Reason: reason}
}

// readTLSFile reads a PEM file, reporting failures without repeating the
// path that the Error already names.
func readTLSFile(key, field, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, tlsFileError(key, field, path, "cannot read the file: "+err.Error())
	}
	return b, nil
}

// loadCAFile reads the PEM certificates of CAFile into a pool.
func loadCAFile(path string) (*x509.CertPool, error) {
	const key, field = "ssl.truststore.location", "TLS.CAFile"
	b, err := readTLSFile(key, field, path)
	if err != nil {
		return nil, err
	}
	blocks := pemkey.Blocks(b)
	pool := x509.NewCertPool()
	n := 0
	for _, blk := range blocks {
		if blk.Type != "CERTIFICATE" {
			continue
		}
		n++
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, tlsFileError(key, field, path, fmt.Sprintf("certificate %d does not parse: %v", n, err))
		}
		pool.AddCert(c)
	}
	if n == 0 {
		return nil, tlsFileError(key, field, path, "no PEM CERTIFICATE found ("+pemkey.BlockTypes(blocks)+")")
	}
	return pool, nil
}

// loadClientCert loads the certificate chain of CertFile and the private
// key of KeyFile (or of CertFile, when KeyFile is empty and CertFile holds
// the key too, as Kafka's PEM key stores do), and checks they match.
func (t *TLS) loadClientCert() (tls.Certificate, error) {
	const certKey, certField = "ssl.keystore.location", "TLS.CertFile"
	if t.CertFile == "" {
		return tls.Certificate{}, &Error{Key: certKey, Field: certField,
			Reason: "KeyFile is set without CertFile: mutual TLS needs the client certificate too"}
	}
	b, err := readTLSFile(certKey, certField, t.CertFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	blocks := pemkey.Blocks(b)
	var cert tls.Certificate
	for _, blk := range blocks {
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return cert, tlsFileError(certKey, certField, t.CertFile,
				fmt.Sprintf("certificate %d does not parse: %v", len(cert.Certificate)+1, err))
		}
		if cert.Leaf == nil {
			cert.Leaf = c
		}
		cert.Certificate = append(cert.Certificate, blk.Bytes)
	}
	if cert.Leaf == nil {
		return cert, tlsFileError(certKey, certField, t.CertFile, "no PEM CERTIFICATE found ("+pemkey.BlockTypes(blocks)+")")
	}

	keyPath, keyBlocks := t.KeyFile, blocks
	keyField, keyProp := "TLS.KeyFile", "ssl.key.location"
	if keyPath == "" {
		keyPath, keyField, keyProp = t.CertFile, certField, certKey
	} else {
		kb, err := readTLSFile(keyProp, keyField, keyPath)
		if err != nil {
			return cert, err
		}
		keyBlocks = pemkey.Blocks(kb)
	}
	priv, reason := pemkey.ParsePrivateKey(keyBlocks, t.KeyPassword)
	if reason != "" {
		if t.KeyFile == "" && strings.HasPrefix(reason, pemkey.NoKeyReason) {
			reason = "no private key: set KeyFile, or put the key in CertFile"
		}
		return cert, tlsFileError(keyProp, keyField, keyPath, reason)
	}
	pub, ok := cert.Leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(priv.Public()) {
		return cert, tlsFileError(keyProp, keyField, keyPath,
			"the private key does not match the certificate in "+t.CertFile)
	}
	cert.PrivateKey = priv
	return cert, nil
}
