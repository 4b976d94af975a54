package kafkatest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certSet is the throwaway PKI of one cluster. Every file is PEM; keys
// are unencrypted PKCS#8, which is what Kafka's PEM key store reads.
type certSet struct {
	dir string

	caCert, caKey string // CA certificate; CA key (kept for completeness)

	brokerStore string // broker key + certificate chain (Kafka key store)
	clientCert  string // client certificate (+ CA) for mTLS
	clientKey   string

	wrongHostStore string // key + chain whose only SAN is wrong.example
	expiredStore   string // key + chain that expired a day ago

	wrongHostCert, wrongHostKey string // the same as separate files
	expiredCert, expiredKey     string
}

// WrongHostName is the only subject alternative name of the certificate
// presented by the SSL_WRONGHOST listener.
const WrongHostName = "wrong.example"

type issued struct {
	cert *x509.Certificate
	der  []byte
	key  *ecdsa.PrivateKey
}

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
}

func issue(tmpl *x509.Certificate, parent *issued) (*issued, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	parentCert, signer := tmpl, key
	if parent != nil {
		parentCert, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &issued{cert: cert, der: der, key: key}, nil
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func keyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// newCertSet creates a CA, a broker certificate for 127.0.0.1 and
// localhost, a client certificate, a certificate for the wrong host and
// an expired one, all signed by the CA, and writes them into dir.
func newCertSet(dir string) (*certSet, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	now := time.Now()
	ca, err := issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "samsa kafkatest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil)
	if err != nil {
		return nil, err
	}
	leaf := func(cn string, dns []string, ips []net.IP, notBefore, notAfter time.Time, usage ...x509.ExtKeyUsage) (*issued, error) {
		return issue(&x509.Certificate{
			Subject:     pkix.Name{CommonName: cn},
			DNSNames:    dns,
			IPAddresses: ips,
			NotBefore:   notBefore,
			NotAfter:    notAfter,
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: usage,
		}, ca)
	}
	loopback := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	server := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	valid := now.Add(30 * 24 * time.Hour)
	broker, err := leaf("localhost", []string{"localhost"}, loopback, now.Add(-time.Hour), valid, server...)
	if err != nil {
		return nil, err
	}
	client, err := leaf("samsa-client", nil, nil, now.Add(-time.Hour), valid, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	wrong, err := leaf(WrongHostName, []string{WrongHostName}, nil, now.Add(-time.Hour), valid, server...)
	if err != nil {
		return nil, err
	}
	expired, err := leaf("localhost", []string{"localhost"}, loopback, now.Add(-48*time.Hour), now.Add(-24*time.Hour), server...)
	if err != nil {
		return nil, err
	}

	cs := &certSet{dir: dir}
	write := func(name string, parts ...[]byte) (string, error) {
		var all []byte
		for _, p := range parts {
			all = append(all, p...)
		}
		p := filepath.Join(dir, name)
		return p, os.WriteFile(p, all, 0o600)
	}
	caPEM := certPEM(ca.der)
	caKey, err := keyPEM(ca.key)
	if err != nil {
		return nil, err
	}
	if cs.caCert, err = write("ca.pem", caPEM); err != nil {
		return nil, err
	}
	if cs.caKey, err = write("ca.key", caKey); err != nil {
		return nil, err
	}
	store := func(name string, leaf *issued) (certFile, keyFile, storeFile string, err error) {
		k, err := keyPEM(leaf.key)
		if err != nil {
			return "", "", "", err
		}
		c := certPEM(leaf.der)
		if certFile, err = write(name+".pem", c, caPEM); err != nil {
			return
		}
		if keyFile, err = write(name+".key", k); err != nil {
			return
		}
		storeFile, err = write(name+"-store.pem", k, c, caPEM)
		return
	}
	if _, _, cs.brokerStore, err = store("broker", broker); err != nil {
		return nil, err
	}
	if cs.clientCert, cs.clientKey, _, err = store("client", client); err != nil {
		return nil, err
	}
	if cs.wrongHostCert, cs.wrongHostKey, cs.wrongHostStore, err = store("wronghost", wrong); err != nil {
		return nil, err
	}
	if cs.expiredCert, cs.expiredKey, cs.expiredStore, err = store("expired", expired); err != nil {
		return nil, err
	}
	return cs, nil
}

// loadPair loads a certificate file and key file into a tls.Certificate.
func loadPair(certFile, keyFile string) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return c, fmt.Errorf("kafkatest: %w", err)
	}
	return c, nil
}
