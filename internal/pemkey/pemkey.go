// Package pemkey reads PEM blocks and private keys, decrypting encrypted
// PKCS#8 keys (PBES2 with PBKDF2, as OpenSSL and Java write them). Its
// functions return a reason instead of an error, so that the caller names
// the file or setting; no reason ever holds key material or a password.
package pemkey

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
)

// Blocks decodes every PEM block in b.
func Blocks(b []byte) []*pem.Block {
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

// BlockTypes lists the types of blocks for an error message.
func BlockTypes(blocks []*pem.Block) string {
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

// NoKeyReason starts the reason ParsePrivateKey gives when blocks hold
// no private key.
const NoKeyReason = "no PEM private key found"

// ParsePrivateKey finds the one private key among blocks and decodes it,
// decrypting an ENCRYPTED PRIVATE KEY (PKCS#8, PBES2) with password. It
// returns a reason instead of an error so that the caller names the file;
// no reason ever holds key material or the password.
func ParsePrivateKey(blocks []*pem.Block, password string) (crypto.Signer, string) {
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
		return nil, NoKeyReason + " (" + BlockTypes(blocks) + ")"
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

// Object identifiers for encrypted PKCS#8 keys (RFC 8018); the OID*
// ones are exported for tests that encrypt keys.
var (
	oidPBES2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidScrypt         = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	OIDHMACWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	OIDHMACWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	OIDHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	OIDHMACWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	OIDHMACWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	OIDAES128CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	OIDAES192CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	OIDAES256CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	OIDDESEDE3CBC     = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
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
	case len(a) == 0, a.Equal(OIDHMACWithSHA1):
		prf = sha1.New
	case a.Equal(OIDHMACWithSHA224):
		prf = sha256.New224
	case a.Equal(OIDHMACWithSHA256):
		prf = sha256.New
	case a.Equal(OIDHMACWithSHA384):
		prf = sha512.New384
	case a.Equal(OIDHMACWithSHA512):
		prf = sha512.New
	default:
		return nil, "the private key's PBKDF2 PRF " + a.String() + " is not supported"
	}
	var (
		keyLen int
		newCBC func([]byte) (cipher.Block, error)
	)
	switch a := params.Scheme.Algorithm; {
	case a.Equal(OIDAES128CBC):
		keyLen, newCBC = 16, aes.NewCipher
	case a.Equal(OIDAES192CBC):
		keyLen, newCBC = 24, aes.NewCipher
	case a.Equal(OIDAES256CBC):
		keyLen, newCBC = 32, aes.NewCipher
	case a.Equal(OIDDESEDE3CBC):
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
