package sasl

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
	"strings"
	"testing"

	"github.com/xdg-go/scram"
)

// RFC 7677 section 3: the SCRAM-SHA-256 example exchange.
const (
	rfcUser        = "user"
	rfcPass        = "pencil"
	rfcClientNonce = "rOprNGfwEbeRWgbNEkqO"
	rfcClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
	rfcServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	rfcClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
	rfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
)

func withNonce(m Mechanism, nonce string) Mechanism {
	m.(*scramMech).client.WithNonceGenerator(func() string { return nonce })
	return m
}

func TestScramRFC7677Vector(t *testing.T) {
	ctx := context.Background()
	m := withNonce(ScramSHA256(rfcUser, rfcPass), rfcClientNonce)
	if m.Name() != "SCRAM-SHA-256" {
		t.Fatalf("Name = %q", m.Name())
	}
	sess, first, err := m.Start(ctx, "b:9092")
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != rfcClientFirst {
		t.Fatalf("client-first %q, want %q", first, rfcClientFirst)
	}
	done, final, err := sess.Next(ctx, []byte(rfcServerFirst))
	if err != nil || done {
		t.Fatalf("Next(server-first) = %v, %v", done, err)
	}
	if string(final) != rfcClientFinal {
		t.Fatalf("client-final %q, want %q", final, rfcClientFinal)
	}
	done, msg, err := sess.Next(ctx, []byte(rfcServerFinal))
	if err != nil || !done || msg != nil {
		t.Fatalf("Next(server-final) = %v, %q, %v; want done", done, msg, err)
	}
	if _, _, err := sess.Next(ctx, nil); err == nil {
		t.Fatal("Next after completion succeeded")
	}

	// A server-final with another signature is refused: the server did
	// not prove it knows the password.
	sess, _, _ = m.Start(ctx, "b:9092")
	_, _, _ = sess.Next(ctx, []byte(rfcServerFirst))
	bad := "v=" + strings.Repeat("A", 43) + "="
	_, _, err = sess.Next(ctx, []byte(bad))
	if !errors.Is(err, ErrServerSignature) {
		t.Fatalf("bad server signature: %v, want ErrServerSignature", err)
	}
	assertNoSecret(t, "error", err.Error(), []byte(rfcPass))
}

func TestScramRefusesWeakOrForeignServerFirst(t *testing.T) {
	ctx := context.Background()
	cases := map[string]string{
		"too few iterations": "r=" + rfcClientNonce + "xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095",
		"nonce not extended": "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		"malformed":          "garbage",
		"extension m=":       "m=x,r=" + rfcClientNonce + "xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	}
	for name, s1 := range cases {
		t.Run(name, func(t *testing.T) {
			sess, _, err := withNonce(ScramSHA256(rfcUser, rfcPass), rfcClientNonce).Start(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			done, msg, err := sess.Next(ctx, []byte(s1))
			if err == nil || done || msg != nil {
				t.Fatalf("Next(%q) = %v, %q, %v; want an error", s1, done, msg, err)
			}
			assertNoSecret(t, "error", err.Error(), []byte(rfcPass))
		})
	}
}

// storedCredentials derives a user's SCRAM credentials the way Kafka's
// ScramFormatter does (PBKDF2 over the password's UTF-8 bytes, no
// SASLprep), independently of the scram library.
func storedCredentials(h func() hash.Hash, pass, salt string, iters int) (scram.StoredCredentials, []byte) {
	salted, err := pbkdf2.Key(h, pass, []byte(salt), iters, h().Size())
	if err != nil {
		panic(err)
	}
	mac := func(key []byte, s string) []byte {
		m := hmac.New(h, key)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	ck := mac(salted, "Client Key")
	sk := h()
	sk.Write(ck)
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: salt, Iters: iters},
		StoredKey:  sk.Sum(nil),
		ServerKey:  mac(salted, "Server Key"),
	}, salted
}

// fakeServer runs the server side of SCRAM (xdg-go/scram's) for one user
// with credentials from storedCredentials.
type fakeServer struct {
	conv *scram.ServerConversation
}

func newFakeServer(t *testing.T, h scram.HashGeneratorFcn, user string, creds scram.StoredCredentials) *fakeServer {
	t.Helper()
	srv, err := h.NewServer(func(u string) (scram.StoredCredentials, error) {
		if u != user {
			return scram.StoredCredentials{}, errors.New("unknown user")
		}
		return creds, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeServer{conv: srv.NewConversation()}
}

// run drives sess to completion against the server: it returns the
// client's error, or the server's error message if the server refused.
func (f *fakeServer) run(ctx context.Context, sess Session, first []byte) (serverErr string, clientErr error) {
	msg := first
	for range 4 {
		resp, err := f.conv.Step(string(msg))
		if err != nil && resp == "" {
			return err.Error(), nil
		}
		done, next, cerr := sess.Next(ctx, []byte(resp))
		if cerr != nil {
			return "", cerr
		}
		if done {
			if !f.conv.Valid() {
				return "client completed without the server validating it", nil
			}
			return "", nil
		}
		msg = next
	}
	return "exchange did not end", nil
}

func TestScramAgainstServer(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		mech func(u, p string) Mechanism
		h    scram.HashGeneratorFcn
		hh   func() hash.Hash
	}{
		{"SCRAM-SHA-256", ScramSHA256, scram.SHA256, sha256.New},
		{"SCRAM-SHA-512", ScramSHA512, scram.SHA512, sha512.New},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A user name that needs escaping and a password that SASLprep
			// would change (NBSP -> space, the Roman numeral nine -> "IX"):
			// Kafka uses the raw UTF-8 bytes, and so must we.
			user, pass := "us=er,1", "p\u00a0ss\u2168word"
			creds, salted := storedCredentials(tc.hh, pass, "0123456789abcdef", 8192)
			secrets := [][]byte{[]byte(pass), salted, creds.StoredKey, creds.ServerKey}

			m := tc.mech(user, pass)
			if m.Name() != tc.name {
				t.Fatalf("Name = %q", m.Name())
			}
			for i := range 2 { // twice: the second uses the cached keys
				sess, first, err := m.Start(ctx, "b:9092")
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(string(first), "n,,n=us=3Der=2C1,r=") {
					t.Fatalf("client-first %q does not escape the user name", first)
				}
				srvErr, err := newFakeServer(t, tc.h, user, creds).run(ctx, sess, first)
				if srvErr != "" || err != nil {
					t.Fatalf("exchange %d: server %q, client %v", i, srvErr, err)
				}
				assertNoSecret(t, "formatted session", formatAll(sess), secrets...)
			}
			assertNoSecret(t, "formatted mechanism", formatAll(m), secrets...)

			// Wrong password: the server refuses the proof.
			sess, first, _ := tc.mech(user, "wrong-password").Start(ctx, "")
			srvErr, err := newFakeServer(t, tc.h, user, creds).run(ctx, sess, first)
			if srvErr == "" && err == nil {
				t.Fatal("wrong password accepted")
			}

			// A server that has other keys cannot prove itself: the client
			// refuses its signature even though the server accepted.
			other, _ := storedCredentials(tc.hh, pass, "0123456789abcdef", 8192)
			other.ServerKey = append([]byte(nil), other.ServerKey...)
			other.ServerKey[0] ^= 0xff
			sess, first, _ = m.Start(ctx, "")
			srvErr, err = newFakeServer(t, tc.h, user, other).run(ctx, sess, first)
			if srvErr != "" || !errors.Is(err, ErrServerSignature) {
				t.Fatalf("impostor server: server %q, client %v; want ErrServerSignature", srvErr, err)
			}
			assertNoSecret(t, "error", err.Error(), secrets...)

			// A server-final e= error is reported with the server's reason.
			sess, first, _ = m.Start(ctx, "")
			fs := newFakeServer(t, tc.h, user, creds)
			s1, _ := fs.conv.Step(string(first))
			if _, _, err := sess.Next(ctx, []byte(s1)); err != nil {
				t.Fatal(err)
			}
			_, _, err = sess.Next(ctx, []byte("e=invalid-proof"))
			if err == nil || !strings.Contains(err.Error(), "invalid-proof") {
				t.Fatalf("server-final e=invalid-proof: %v", err)
			}
		})
	}
}

func TestScramEmptyCredentials(t *testing.T) {
	for _, m := range []Mechanism{ScramSHA256("", "x"), ScramSHA512("x", "")} {
		if _, _, err := m.Start(context.Background(), ""); !errors.Is(err, ErrEmptyCredentials) {
			t.Errorf("%s: Start with empty credentials: %v", m.Name(), err)
		}
	}
}
