package props

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/samsa-go/samsa/internal/config"
)

// finish applies the rules that involve several keys.
func (st *propState) finish() error {
	c := st.cfg

	// Compression level: the one for the chosen codec.
	if lvl, ok := st.levels[c.Compression]; ok {
		c.CompressionLevel = lvl
	} else if st.genericLevel != nil && *st.genericLevel != -1 {
		if reason := config.CheckCompressionLevel(c.Compression, *st.genericLevel); reason != "" {
			return &config.Error{Key: st.keyOf("compression.level"), Field: "CompressionLevel",
				Value: strconv.Itoa(*st.genericLevel), Reason: reason}
		}
		c.CompressionLevel = *st.genericLevel
	}

	// Java: an explicit reconnect.backoff.ms without a maximum turns the
	// exponential backoff off.
	if st.has("reconnect.backoff.ms") && !st.has("reconnect.backoff.max.ms") {
		c.ReconnectBackoffMax = c.ReconnectBackoff
	}
	// Java: a delivery.timeout.ms that was not given is raised to cover
	// linger.ms + request.timeout.ms.
	if !st.has("delivery.timeout.ms") && c.DeliveryTimeout < c.Linger+c.RequestTimeout {
		c.DeliveryTimeout = c.Linger + c.RequestTimeout
		if c.DeliveryTimeout > config.MaxInt32Millis {
			c.DeliveryTimeout = config.MaxInt32Millis
		}
	}
	if st.uniformSticky && !st.has("partitioner.ignore.keys") {
		c.PartitionerIgnoreKeys = true
	}

	if err := st.finishSASL(); err != nil {
		return err
	}
	return st.finishTLS()
}

// finishSASL merges sasl.jaas.config with the mechanism and credential
// keys.
func (st *propState) finishSASL() error {
	c := st.cfg
	if j := st.jaas; j != nil {
		key := st.keyOf("sasl.jaas.config")
		switch {
		case c.SASL.Mechanism == "":
			c.SASL.Mechanism = j.impliedMechanism()
		case !j.allows(c.SASL.Mechanism):
			return &config.Error{Key: key, Field: "SASL", Reason: fmt.Sprintf(
				"its login module %s does not implement %s=%s", j.module, st.keyOf("sasl.mechanism"), c.SASL.Mechanism)}
		}
		c.SASL.Username, c.SASL.Password = j.username, j.password
		if st.saslUserSet && st.saslUser != j.username {
			return &config.Error{Key: st.keyOf("sasl.username"), Field: "SASL.Username",
				Reason: "conflicts with the username in " + key}
		}
		if st.saslPassSet && st.saslPass != j.password {
			return &config.Error{Key: st.keyOf("sasl.password"), Field: "SASL.Password",
				Reason: "conflicts with the password in " + key}
		}
	}
	if st.saslUserSet {
		c.SASL.Username = st.saslUser
	}
	if st.saslPassSet {
		c.SASL.Password = st.saslPass
	}
	return st.finishOAuth()
}

// finishTLS checks the TLS keys against each other and builds the
// tls.Config for inline PEM.
func (st *propState) finishTLS() error {
	c := st.cfg
	if err := st.resolveTLSProtocols(); err != nil {
		return err
	}
	if st.keystoreFile != "" {
		for _, canon := range []string{"ssl.certificate.location", "ssl.key.location"} {
			if st.has(canon) {
				return &config.Error{Key: st.keyOf(canon), Field: "TLS", Value: st.given[canon].norm,
					Reason: "conflicts with " + st.keyOf("ssl.keystore.location") + ", which names the file holding both certificate and key"}
			}
		}
	}
	if st.certOnlyFile && c.TLS.KeyFile == "" {
		// kafka-python: the certificate file may hold the key as well.
		c.TLS.KeyFile = c.TLS.CertFile
	}
	if st.inlineCA != "" && c.TLS.CAFile != "" {
		return &config.Error{Key: st.keyOf("ssl.truststore.certificates"), Field: "TLS",
			Reason: "conflicts with " + st.keyOf("ssl.truststore.location") + ": give the trusted certificates inline or in a file, not both"}
	}
	if (st.inlineCert != "") != (st.inlineKey != "") {
		key, missing := st.keyOf("ssl.keystore.certificate.chain"), "ssl.keystore.key"
		if st.inlineKey != "" {
			key, missing = st.keyOf("ssl.keystore.key"), "ssl.keystore.certificate.chain"
		}
		return &config.Error{Key: key, Field: "TLS", Reason: "needs " + missing + " as well"}
	}
	if st.inlineCert != "" && (c.TLS.CertFile != "" || c.TLS.KeyFile != "") {
		return &config.Error{Key: st.keyOf("ssl.keystore.certificate.chain"), Field: "TLS",
			Reason: "conflicts with the client certificate or key file also given: give them inline or in files, not both"}
	}
	if st.inlineCA == "" && st.inlineCert == "" {
		return nil
	}
	return st.buildInlineTLS()
}

// buildInlineTLS sets TLS.Config from inline PEM and the other TLS
// settings.
func (st *propState) buildInlineTLS() error {
	t := &st.cfg.TLS
	if err := t.Validate(); err != nil {
		return err
	}
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	t.ApplyProtocols(cfg)

	caPEM, caKey := []byte(st.inlineCA), st.keyOf("ssl.truststore.certificates")
	if t.CAFile != "" {
		b, err := os.ReadFile(t.CAFile)
		if err != nil {
			return &config.Error{Key: st.keyOf("ssl.truststore.location"), Field: "TLS.CAFile", Value: t.CAFile, Reason: propFileReason(err)}
		}
		caPEM, caKey = b, st.keyOf("ssl.truststore.location")
	}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return &config.Error{Key: caKey, Field: "TLS", Reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"}
		}
		cfg.RootCAs = pool
	}

	certPEM, keyPEM := []byte(st.inlineCert), []byte(st.inlineKey)
	certKey, keyKey := st.keyOf("ssl.keystore.certificate.chain"), st.keyOf("ssl.keystore.key")
	if t.CertFile != "" {
		var err error
		certKey = st.keyOf("ssl.certificate.location")
		if st.keystoreFile != "" {
			certKey = st.keyOf("ssl.keystore.location")
		}
		if certPEM, err = os.ReadFile(t.CertFile); err != nil {
			return &config.Error{Key: certKey, Field: "TLS.CertFile", Value: t.CertFile, Reason: propFileReason(err)}
		}
		keyKey = certKey
		if t.KeyFile != t.CertFile {
			keyKey = st.keyOf("ssl.key.location")
		}
		if keyPEM, err = os.ReadFile(t.KeyFile); err != nil {
			return &config.Error{Key: keyKey, Field: "TLS.KeyFile", Value: t.KeyFile, Reason: propFileReason(err)}
		}
	}
	if len(certPEM) > 0 {
		if !propHasPEM(certPEM, "CERTIFICATE") {
			return &config.Error{Key: certKey, Field: "TLS", Reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"}
		}
		if !propHasPEM(keyPEM, "PRIVATE KEY") {
			return &config.Error{Key: keyKey, Field: "TLS", Reason: "holds no PEM private key (-----BEGIN ... PRIVATE KEY-----)"}
		}
		if reason := propEncryptedKeyReason(keyPEM); reason != "" {
			return &config.Error{Key: keyKey, Field: "TLS", Reason: reason}
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return &config.Error{Key: certKey, Field: "TLS",
				Reason: "the client certificate and private key do not form a usable pair: " + propSafeTLSReason(err)}
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if t.SkipHostnameVerification && !t.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = config.VerifyChainOnly(cfg.RootCAs)
	}
	// The tls.Config holds every TLS setting now; the fields it was built
	// from are cleared, since Validate refuses fields beside TLS.Config.
	*t = config.TLS{Config: cfg}
	return nil
}

// propFileReason describes a file read failure without repeating the
// path.
func propFileReason(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "cannot read the file: " + err.Error()
}

// propHasPEM reports whether data has a PEM block whose type is typ or
// ends with " "+typ.
func propHasPEM(data []byte, typ string) bool {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return false
		}
		if b.Type == typ || strings.HasSuffix(b.Type, " "+typ) {
			return true
		}
	}
}

// propEncryptedKeyReason returns why an encrypted PEM private key cannot
// be used inline, or "".
func propEncryptedKeyReason(keyPEM []byte) string {
	rest := keyPEM
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return ""
		}
		if b.Type == "ENCRYPTED PRIVATE KEY" || b.Headers["Proc-Type"] == "4,ENCRYPTED" {
			return "the private key is encrypted; encrypted keys are supported only from a file " +
				"(ssl.keystore.location or ssl.key.location with ssl.key.password), or decrypt it " +
				"(openssl pkey -in key.pem -out plain.pem)"
		}
	}
}

// propSafeTLSReason returns err's text unless it could quote key material;
// crypto/tls's errors describe structure only, but be conservative.
func propSafeTLSReason(err error) string {
	s := err.Error()
	if strings.Contains(s, "-----BEGIN") {
		return "invalid PEM data"
	}
	return s
}
