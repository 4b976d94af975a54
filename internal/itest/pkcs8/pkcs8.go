// Package pkcs8 encrypts PKCS#8 private keys for tests, as
// "openssl pkcs8 -topk8 -v2" does: PBES2 with PBKDF2 and AES-CBC. It
// imports only the standard library, so that every test package can use
// it (internal/itest imports the root package).
package pkcs8

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"hash"
)

// Params choose the PBKDF2 pseudo-random function and the AES key size.
type Params struct {
	PRF       func() hash.Hash
	PRFOID    asn1.ObjectIdentifier // the HMAC's OID, e.g. hmacWithSHA256
	KeyLen    int                   // 16, 24 or 32
	CipherOID asn1.ObjectIdentifier // aes128-CBC, aes192-CBC or aes256-CBC
}

// AES256SHA256 is what openssl uses by default: AES-256-CBC keyed by
// PBKDF2 with HMAC-SHA256.
var AES256SHA256 = Params{
	PRF: sha256.New, PRFOID: asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}, KeyLen: 32,
	CipherOID: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42},
}

var (
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
)

// Encrypt returns the DER EncryptedPrivateKeyInfo of the PKCS#8 key der
// under pass (a PEM block of type "ENCRYPTED PRIVATE KEY").
func Encrypt(der []byte, pass string, p Params) ([]byte, error) {
	salt, iv := make([]byte, 16), make([]byte, aes.BlockSize)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(iv)
	key, err := pbkdf2.Key(p.PRF, pass, salt, 2048, p.KeyLen)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(der)%aes.BlockSize
	plain := append(append([]byte(nil), der...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, plain)
	nullDER, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagNull})
	kdfParams, _ := asn1.Marshal(struct {
		Salt  []byte
		Iters int
		PRF   pkix.AlgorithmIdentifier
	}{salt, 2048, pkix.AlgorithmIdentifier{Algorithm: p.PRFOID, Parameters: asn1.RawValue{FullBytes: nullDER}}})
	ivDER, _ := asn1.Marshal(iv)
	pbes2, _ := asn1.Marshal(struct {
		KDF    pkix.AlgorithmIdentifier
		Scheme pkix.AlgorithmIdentifier
	}{
		KDF:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		Scheme: pkix.AlgorithmIdentifier{Algorithm: p.CipherOID, Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	return asn1.Marshal(struct {
		Algo pkix.AlgorithmIdentifier
		Data []byte
	}{pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: pbes2}}, out})
}
