package samsa

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/samsa-go/samsa/internal/sasl"
	"github.com/samsa-go/samsa/internal/typo"
)

// This file turns TLSConfig and SASLConfig into what the connection layer
// uses, and keeps their secrets (KeyPassword, Password, OAuth tokens) out
// of every formatted or logged value.

// redactedText stands in for a secret in formatted output.
const redactedText = sasl.Redacted

// build returns the crypto/tls configuration for t: the trusted roots
// (the system's, or CAFile's), the client certificate for mutual TLS,
// host name verification (on unless SkipHostnameVerification or
// InsecureSkipVerify), TLS 1.2 or newer unless MinVersion says otherwise,
// up to MaxVersion, and CipherSuites. Errors name the setting, the file and the problem, never key
// material.
func (t *TLSConfig) build() (*tls.Config, error) {
	if t.Config != nil {
		return t.Config.Clone(), nil
	}
	if err := t.protocolError(); err != nil {
		return nil, err
	}
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	t.applyProtocols(cfg)
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
		cfg.VerifyConnection = verifyChainOnly(cfg.RootCAs)
	}
	return cfg, nil
}

// verifyChainOnly returns a tls.Config.VerifyConnection that verifies the
// broker's certificate chain against roots (nil: the system roots) for
// server authentication, but not the host name it is valid for.
func verifyChainOnly(roots *x509.CertPool) func(tls.ConnectionState) error {
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

// tlsFileError reports a problem with one of TLSConfig's files.
func tlsFileError(key, field, path, reason string) error {
	return &ConfigError{Key: key, Field: field, Value: path, Reason: reason}
}

// readTLSFile reads a PEM file, reporting failures without repeating the
// path that the ConfigError already names.
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

// pemBlocks decodes every PEM block in b.
func pemBlocks(b []byte) []*pem.Block {
	var blocks []*pem.Block
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return blocks
		}
		blocks = append(blocks, blk)
	}
}

// blockTypes lists the types of blocks for an error message.
func blockTypes(blocks []*pem.Block) string {
	if len(blocks) == 0 {
		return "no PEM blocks at all"
	}
	var ts []string
	for _, b := range blocks {
		if !slices.Contains(ts, b.Type) {
			ts = append(ts, b.Type)
		}
	}
	return "only " + strings.Join(ts, ", ") + " blocks"
}

// loadCAFile reads the PEM certificates of CAFile into a pool.
func loadCAFile(path string) (*x509.CertPool, error) {
	const key, field = "ssl.truststore.location", "TLS.CAFile"
	b, err := readTLSFile(key, field, path)
	if err != nil {
		return nil, err
	}
	blocks := pemBlocks(b)
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
		return nil, tlsFileError(key, field, path, "no PEM CERTIFICATE found ("+blockTypes(blocks)+")")
	}
	return pool, nil
}

// loadClientCert loads the certificate chain of CertFile and the private
// key of KeyFile (or of CertFile, when KeyFile is empty and CertFile holds
// the key too, as Kafka's PEM key stores do), and checks they match.
func (t *TLSConfig) loadClientCert() (tls.Certificate, error) {
	const certKey, certField = "ssl.keystore.location", "TLS.CertFile"
	if t.CertFile == "" {
		return tls.Certificate{}, &ConfigError{Key: certKey, Field: certField,
			Reason: "KeyFile is set without CertFile: mutual TLS needs the client certificate too"}
	}
	b, err := readTLSFile(certKey, certField, t.CertFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	blocks := pemBlocks(b)
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
		return cert, tlsFileError(certKey, certField, t.CertFile, "no PEM CERTIFICATE found ("+blockTypes(blocks)+")")
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
		keyBlocks = pemBlocks(kb)
	}
	priv, reason := parsePrivateKey(keyBlocks, t.KeyPassword)
	if reason != "" {
		if t.KeyFile == "" && strings.HasPrefix(reason, noKeyReason) {
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

const noKeyReason = "no PEM private key found"

// parsePrivateKey finds the one private key among blocks and decodes it,
// decrypting an ENCRYPTED PRIVATE KEY (PKCS#8, PBES2) with password. It
// returns a reason instead of an error so that the caller names the file;
// no reason ever holds key material or the password.
func parsePrivateKey(blocks []*pem.Block, password string) (crypto.Signer, string) {
	var key *pem.Block
	for _, blk := range blocks {
		if !strings.HasSuffix(blk.Type, "PRIVATE KEY") {
			continue
		}
		if key != nil {
			return nil, "holds more than one private key"
		}
		key = blk
	}
	if key == nil {
		return nil, noKeyReason + " (" + blockTypes(blocks) + ")"
	}
	if strings.Contains(key.Headers["Proc-Type"], "ENCRYPTED") {
		return nil, "the key is encrypted with legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED), " +
			"which is insecure and not supported; convert it to encrypted PKCS#8 with " +
			"openssl pkcs8 -topk8 -v2 aes-256-cbc"
	}
	der := key.Bytes
	var (
		k   any
		err error
	)
	switch key.Type {
	case "ENCRYPTED PRIVATE KEY":
		if password == "" {
			return nil, "the private key is encrypted: set KeyPassword (ssl.key.password)"
		}
		plain, reason := decryptPKCS8(der, password)
		if reason != "" {
			return nil, reason
		}
		k, err = x509.ParsePKCS8PrivateKey(plain)
		clear(plain)
		if err != nil {
			return nil, "the key did not decrypt to a private key: wrong KeyPassword (ssl.key.password), or the file is corrupt"
		}
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(der)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(der)
	default:
		return nil, "unsupported private key type " + strconv.Quote(key.Type) +
			" (want PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
	}
	if err != nil {
		return nil, "the " + key.Type + " block does not parse: " + err.Error()
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Sprintf("unsupported private key algorithm %T", k)
	}
	return s, ""
}

// Object identifiers for encrypted PKCS#8 keys (RFC 8018).
var (
	oidPBES2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidScrypt    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	oidHMACSHA1  = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA24 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA25 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA38 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA51 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3   = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

// pbkdf2MaxIterations bounds the work a key file can demand.
const pbkdf2MaxIterations = 10_000_000

type encryptedPrivateKeyInfo struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Scheme pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo protected with PBES2:
// PBKDF2 (HMAC-SHA-1/224/256/384/512) and AES-128/192/256-CBC or
// DES-EDE3-CBC, the schemes OpenSSL and Java produce. It returns the
// PKCS#8 PrivateKeyInfo, or a reason.
func decryptPKCS8(der []byte, password string) ([]byte, string) {
	const corrupt = "the ENCRYPTED PRIVATE KEY block is not a valid PKCS#8 EncryptedPrivateKeyInfo"
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, corrupt
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, "the private key is encrypted with " + info.Algo.Algorithm.String() +
			", which is not supported: only PBES2 (PBKDF2 with AES-CBC or DES-EDE3-CBC) is; re-encrypt it with " +
			"openssl pkcs8 -topk8 -v2 aes-256-cbc"
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &params); err != nil {
		return nil, corrupt
	}
	if params.KDF.Algorithm.Equal(oidScrypt) || !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, "the private key's key derivation " + params.KDF.Algorithm.String() +
			" is not supported (only PBKDF2 is); re-encrypt it with openssl pkcs8 -topk8 -v2 aes-256-cbc"
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, corrupt
	}
	if kdf.Iterations < 1 || kdf.Iterations > pbkdf2MaxIterations {
		return nil, fmt.Sprintf("the private key's PBKDF2 iteration count %d is out of range", kdf.Iterations)
	}
	var prf func() hash.Hash
	switch a := kdf.PRF.Algorithm; {
	case len(a) == 0, a.Equal(oidHMACSHA1):
		prf = sha1.New
	case a.Equal(oidHMACSHA24):
		prf = sha256.New224
	case a.Equal(oidHMACSHA25):
		prf = sha256.New
	case a.Equal(oidHMACSHA38):
		prf = sha512.New384
	case a.Equal(oidHMACSHA51):
		prf = sha512.New
	default:
		return nil, "the private key's PBKDF2 PRF " + a.String() + " is not supported"
	}
	var (
		keyLen int
		newCBC func([]byte) (cipher.Block, error)
	)
	switch a := params.Scheme.Algorithm; {
	case a.Equal(oidAES128CBC):
		keyLen, newCBC = 16, aes.NewCipher
	case a.Equal(oidAES192CBC):
		keyLen, newCBC = 24, aes.NewCipher
	case a.Equal(oidAES256CBC):
		keyLen, newCBC = 32, aes.NewCipher
	case a.Equal(oidDESEDE3):
		keyLen, newCBC = 24, des.NewTripleDESCipher
	default:
		return nil, "the private key's cipher " + a.String() +
			" is not supported (AES-128/192/256-CBC and DES-EDE3-CBC are)"
	}
	if kdf.KeyLength != 0 && kdf.KeyLength != keyLen {
		return nil, corrupt
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Scheme.Parameters.FullBytes, &iv); err != nil {
		return nil, corrupt
	}
	key, err := pbkdf2.Key(prf, password, kdf.Salt, kdf.Iterations, keyLen)
	if err != nil {
		return nil, corrupt
	}
	defer clear(key)
	block, err := newCBC(key)
	if err != nil {
		return nil, corrupt
	}
	bs := block.BlockSize()
	if len(iv) != bs || len(info.Data) == 0 || len(info.Data)%bs != 0 {
		return nil, corrupt
	}
	out := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, info.Data)
	pad := int(out[len(out)-1])
	bad := pad == 0 || pad > bs
	for i := 0; !bad && i < pad; i++ {
		bad = out[len(out)-1-i] != byte(pad)
	}
	if bad {
		clear(out)
		return nil, "the private key did not decrypt: wrong KeyPassword (ssl.key.password), or the file is corrupt"
	}
	return out[:len(out)-pad], ""
}

// The SASL mechanisms samsa supports, as Kafka names them.
var saslMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"}

// mechanism returns the SASL mechanism s configures. The mechanism name is
// case-insensitive; PLAIN and SCRAM need Username and Password, and
// OAUTHBEARER needs TokenSource.
func (s *SASLConfig) mechanism() (sasl.Mechanism, error) { return s.mechanismWith(nil) }

// mechanismWith is mechanism with a logger for the OAuth token source.
func (s *SASLConfig) mechanismWith(log *slog.Logger) (sasl.Mechanism, error) {
	if s.Custom != nil {
		if name := s.Custom.Name(); s.Mechanism != "" && !strings.EqualFold(s.Mechanism, name) {
			return nil, &ConfigError{Key: "sasl.mechanism", Field: "SASL.Mechanism", Value: s.Mechanism,
				Reason: "conflicts with SASL.Custom, which implements " + name}
		}
		return customMechanism{s.Custom}, nil
	}
	name := strings.ToUpper(strings.TrimSpace(s.Mechanism))
	valid := strings.Join(saslMechanisms, ", ")
	switch name {
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		if s.Username == "" {
			return nil, &ConfigError{Key: "sasl.jaas.config", Field: "SASL.Username", Reason: "empty: SASL " + name + " needs a user name"}
		}
		if s.Password == "" {
			return nil, &ConfigError{Key: "sasl.jaas.config", Field: "SASL.Password", Reason: "empty: SASL " + name + " needs a password"}
		}
		switch name {
		case "PLAIN":
			return sasl.Plain(s.Username, s.Password), nil
		case "SCRAM-SHA-256":
			return sasl.ScramSHA256(s.Username, s.Password), nil
		}
		return sasl.ScramSHA512(s.Username, s.Password), nil
	case "OAUTHBEARER":
		if s.TokenSource == nil && s.OAuth.set() {
			src, err := s.OAuth.source(log)
			if err != nil {
				return nil, err
			}
			return sasl.OAuthBearer(src.Token), nil
		}
		if s.TokenSource == nil {
			return nil, &ConfigError{Field: "SASL.TokenSource", Reason: "nil: SASL OAUTHBEARER needs a token source or a token endpoint (SASL.OAuth)"}
		}
		src := s.TokenSource
		return sasl.OAuthBearer(func(ctx context.Context) (sasl.Token, error) {
			t, err := src(ctx)
			return sasl.Token{Value: t.Token, Extensions: t.Extensions}, err
		}), nil
	case "":
		return nil, &ConfigError{Key: "sasl.mechanism", Field: "SASL.Mechanism",
			Reason: "no SASL mechanism set (the Java client's default, GSSAPI, is not supported); use one of " + valid}
	case "GSSAPI":
		return nil, &ConfigError{Key: "sasl.mechanism", Field: "SASL.Mechanism", Value: s.Mechanism,
			Reason: "GSSAPI (Kerberos) is not supported; use one of " + valid}
	}
	return nil, &ConfigError{Key: "sasl.mechanism", Field: "SASL.Mechanism", Value: s.Mechanism,
		Reason: "unknown SASL mechanism; use one of " + valid, Suggestion: nearestSASLMechanism(name)}
}

// nearestSASLMechanism returns the supported mechanism name is most
// likely a misspelling of, or "".
func nearestSASLMechanism(name string) string {
	squash := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '-' || r == '_' || r == ' ' || r == '.' {
				return -1
			}
			return r
		}, s)
	}
	best, bestD := "", 3 // at most 2 edits away
	for _, m := range saslMechanisms {
		if squash(m) == squash(name) {
			return m
		}
		if d := typo.Distance(name, m); d < bestD {
			best, bestD = m, d
		}
	}
	return best
}

// secretText shows whether a secret is set, never its value.
func secretText(s string) string {
	if s == "" {
		return ""
	}
	return redactedText
}

func setText(set bool) string {
	if set {
		return "set"
	}
	return "nil"
}

// Format prints the configuration with KeyPassword redacted, whatever the
// verb; %#v prints Go syntax.
func (t TLSConfig) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "samsa.TLSConfig{CAFile:%q, CertFile:%q, KeyFile:%q, KeyPassword:%q, ServerName:%q, "+
			"InsecureSkipVerify:%t, SkipHostnameVerification:%t, MinVersion:0x%x, MaxVersion:0x%x, CipherSuites:%#v, Config:%s}",
			t.CAFile, t.CertFile, t.KeyFile, secretText(t.KeyPassword), t.ServerName,
			t.InsecureSkipVerify, t.SkipHostnameVerification, t.MinVersion, t.MaxVersion, t.CipherSuites, setText(t.Config != nil))
		return
	}
	fmt.Fprintf(f, "{CAFile:%s CertFile:%s KeyFile:%s KeyPassword:%s ServerName:%s "+
		"InsecureSkipVerify:%t SkipHostnameVerification:%t MinVersion:0x%x MaxVersion:0x%x CipherSuites:%v Config:%s}",
		t.CAFile, t.CertFile, t.KeyFile, secretText(t.KeyPassword), t.ServerName,
		t.InsecureSkipVerify, t.SkipHostnameVerification, t.MinVersion, t.MaxVersion, t.CipherSuites, setText(t.Config != nil))
}

// LogValue logs the configuration with KeyPassword redacted.
func (t TLSConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("CAFile", t.CAFile),
		slog.String("CertFile", t.CertFile),
		slog.String("KeyFile", t.KeyFile),
		slog.String("KeyPassword", secretText(t.KeyPassword)),
		slog.String("ServerName", t.ServerName),
		slog.Bool("InsecureSkipVerify", t.InsecureSkipVerify),
		slog.Bool("SkipHostnameVerification", t.SkipHostnameVerification),
		slog.Any("MinVersion", t.MinVersion),
		slog.String("Config", setText(t.Config != nil)),
	)
}

// MarshalJSON encodes the configuration with KeyPassword redacted.
func (t TLSConfig) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		CAFile, CertFile, KeyFile, KeyPassword, ServerName string
		InsecureSkipVerify, SkipHostnameVerification       bool
		MinVersion                                         uint16
		Config                                             string
	}{t.CAFile, t.CertFile, t.KeyFile, secretText(t.KeyPassword), t.ServerName,
		t.InsecureSkipVerify, t.SkipHostnameVerification, t.MinVersion, setText(t.Config != nil)})
}

// Format prints the configuration with Password redacted, whatever the
// verb; %#v prints Go syntax.
func (s SASLConfig) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "samsa.SASLConfig{Mechanism:%q, Username:%q, Password:%q, TokenSource:%s}",
			s.Mechanism, s.Username, secretText(s.Password), setText(s.TokenSource != nil))
		return
	}
	fmt.Fprintf(f, "{Mechanism:%s Username:%s Password:%s TokenSource:%s}",
		s.Mechanism, s.Username, secretText(s.Password), setText(s.TokenSource != nil))
}

// LogValue logs the configuration with Password redacted.
func (s SASLConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("Mechanism", s.Mechanism),
		slog.String("Username", s.Username),
		slog.String("Password", secretText(s.Password)),
		slog.String("TokenSource", setText(s.TokenSource != nil)),
	)
}

// MarshalJSON encodes the configuration with Password redacted.
func (s SASLConfig) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ Mechanism, Username, Password, TokenSource string }{
		s.Mechanism, s.Username, secretText(s.Password), setText(s.TokenSource != nil)})
}

// String prints the token redacted, with its extension keys.
func (t OAuthToken) String() string {
	return sasl.Token{Value: t.Token, Extensions: t.Extensions}.String()
}

// Format prints the token redacted, whatever the verb.
func (t OAuthToken) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(t.String())) }

// LogValue logs the token redacted.
func (t OAuthToken) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON encodes the token redacted.
func (t OAuthToken) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }
