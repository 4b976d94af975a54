package sasl

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const testJWT = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"

func TestOAuthBearerInitialResponse(t *testing.T) {
	ctx := context.Background()
	calls := 0
	m := OAuthBearer(func(ctx context.Context) (Token, error) {
		calls++
		return Token{Value: testJWT, Extensions: map[string]string{"traceId": "abc 1", "logicalCluster": "lkc-1"}}, nil
	})
	if m.Name() != "OAUTHBEARER" {
		t.Fatalf("Name = %q", m.Name())
	}
	sess, msg, err := m.Start(ctx, "b:9092")
	if err != nil {
		t.Fatal(err)
	}
	// RFC 7628 section 3.1, extensions in key order.
	want := "n,,\x01auth=Bearer " + testJWT + "\x01logicalCluster=lkc-1\x01traceId=abc 1\x01\x01"
	if string(msg) != want {
		t.Fatalf("initial response\n got %q\nwant %q", msg, want)
	}
	done, next, err := sess.Next(ctx, nil)
	if !done || next != nil || err != nil {
		t.Fatalf("Next(empty) = %v, %q, %v; want done", done, next, err)
	}
	// The source is asked once per exchange (re-authentication included).
	if _, _, err := m.Start(ctx, "b:9092"); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("token source called %d times for 2 exchanges", calls)
	}

	// Without extensions.
	_, msg, err = OAuthBearer(func(context.Context) (Token, error) { return Token{Value: "abc=="}, nil }).Start(ctx, "")
	if err != nil || string(msg) != "n,,\x01auth=Bearer abc==\x01\x01" {
		t.Fatalf("initial response %q, %v", msg, err)
	}
}

func TestOAuthBearerServerError(t *testing.T) {
	ctx := context.Background()
	m := OAuthBearer(func(context.Context) (Token, error) { return Token{Value: testJWT}, nil })
	sess, _, err := m.Start(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	jsonErr := `{"status":"invalid_token","scope":"kafka produce","openid-configuration":"https://idp.example/.well-known/openid-configuration"}`
	done, next, err := sess.Next(ctx, []byte(jsonErr))
	if done || err != nil || string(next) != "\x01" {
		t.Fatalf("Next(error JSON) = %v, %q, %v; want the ^A dummy response", done, next, err)
	}
	// The broker fails the exchange next; if it answered instead, the
	// session fails with the server's status.
	_, _, err = sess.Next(ctx, nil)
	var oe *OAuthBearerError
	if !errors.As(err, &oe) || oe.Status != "invalid_token" || oe.Scope != "kafka produce" ||
		!strings.HasPrefix(oe.OpenIDConfiguration, "https://idp.example/") {
		t.Fatalf("after the dummy response: %v (%#v)", err, oe)
	}
	if !strings.Contains(err.Error(), "invalid_token") {
		t.Fatalf("error %q does not carry the status", err)
	}
	if e := sess.(interface{ Err() error }).Err(); !errors.As(e, &oe) {
		t.Fatalf("Err() = %v", e)
	}
	assertNoSecret(t, "error", err.Error(), []byte(testJWT))

	// A reply that is not JSON is still answered with ^A, then fails.
	sess, _, _ = m.Start(ctx, "")
	if _, next, err := sess.Next(ctx, []byte("not json")); err != nil || string(next) != "\x01" {
		t.Fatalf("Next(garbage) = %q, %v", next, err)
	}
	if _, _, err := sess.Next(ctx, nil); !errors.As(err, &oe) {
		t.Fatalf("after garbage: %v", err)
	}
}

func TestOAuthBearerRejectsBadTokens(t *testing.T) {
	ctx := context.Background()
	secret := "s3cr3t"
	cases := map[string]Token{
		"empty token":         {},
		"space in token":      {Value: secret + " x"},
		"control in token":    {Value: secret + "\x01auth=Bearer x"},
		"char after padding":  {Value: secret + "=x"},
		"leading padding":     {Value: "=" + secret},
		"reserved key":        {Value: "t", Extensions: map[string]string{"auth": secret}},
		"non-letter key":      {Value: "t", Extensions: map[string]string{"trace_id": secret}},
		"empty key":           {Value: "t", Extensions: map[string]string{"": secret}},
		"control in value":    {Value: "t", Extensions: map[string]string{"k": secret + "\x01"}},
		"empty value":         {Value: "t", Extensions: map[string]string{"k": ""}},
		"non-ASCII in value":  {Value: "t", Extensions: map[string]string{"k": secret + "é"}},
		"quote kept in token": {Value: secret + `"`},
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, msg, err := OAuthBearer(func(context.Context) (Token, error) { return tok, nil }).Start(ctx, "")
			var te *TokenError
			if !errors.As(err, &te) || msg != nil {
				t.Fatalf("Start = %q, %v; want a *TokenError", msg, err)
			}
			assertNoSecret(t, "error", err.Error(), []byte(secret))
		})
	}
}

func TestOAuthBearerSourceErrors(t *testing.T) {
	ctx := context.Background()
	if _, _, err := OAuthBearer(nil).Start(ctx, ""); !errors.Is(err, ErrNoTokenSource) {
		t.Fatalf("nil source: %v", err)
	}
	idp := errors.New("identity provider unreachable")
	_, _, err := OAuthBearer(func(context.Context) (Token, error) { return Token{}, idp }).Start(ctx, "")
	if !errors.Is(err, idp) || !strings.Contains(err.Error(), "token source") {
		t.Fatalf("source error: %v", err)
	}
	// The exchange's context reaches the source.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = OAuthBearer(func(ctx context.Context) (Token, error) { return Token{}, ctx.Err() }).Start(cctx, "")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled context: %v", err)
	}
}
