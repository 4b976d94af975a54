package sasl

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// leakForms returns the forms a secret could take in printed output.
func leakForms(secret []byte) []string {
	return []string{
		string(secret),
		hex.EncodeToString(secret),
		base64.StdEncoding.EncodeToString(secret),
		base64.RawURLEncoding.EncodeToString(secret),
		fmt.Sprintf("%v", secret), // [112 97 ...]
		fmt.Sprintf("%q", secret),
	}
}

// assertNoSecret fails t if any form of any secret occurs in s.
func assertNoSecret(t *testing.T, what, s string, secrets ...[]byte) {
	t.Helper()
	for _, sec := range secrets {
		for _, f := range leakForms(sec) {
			if f != "" && strings.Contains(s, f) {
				t.Errorf("%s leaks a secret (%d bytes) in %q", what, len(sec), s)
			}
		}
	}
}

// formatAll prints v with every verb a careless caller might use, and
// through slog's text and JSON handlers.
func formatAll(v any) string {
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	fmt.Fprintln(&b, v)
	fmt.Fprint(&b, v, "\n")
	// Nested in a struct and a slice, where fmt formats fields itself.
	fmt.Fprintf(&b, "%+v %#v\n", struct{ M any }{v}, []any{v})
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})).Debug("m", "v", v)
	slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})).Debug("m", "v", v)
	b.Write(logs.Bytes())
	return b.String()
}

func TestPlain(t *testing.T) {
	m := Plain("alice", "pa55-word")
	if m.Name() != "PLAIN" {
		t.Fatalf("Name = %q", m.Name())
	}
	sess, msg, err := m.Start(context.Background(), "b:9092")
	if err != nil {
		t.Fatal(err)
	}
	if want := "\x00alice\x00pa55-word"; string(msg) != want {
		t.Fatalf("initial response %q, want %q", msg, want)
	}
	done, next, err := sess.Next(context.Background(), nil)
	if !done || next != nil || err != nil {
		t.Fatalf("Next = %v, %q, %v; want done", done, next, err)
	}
	out := formatAll(m) + formatAll(sess)
	assertNoSecret(t, "formatted PLAIN", out, []byte("pa55-word"))
	if !strings.Contains(out, "alice") {
		t.Errorf("formatted PLAIN does not name the user: %s", out)
	}
	for _, m := range []Mechanism{Plain("", "x"), Plain("x", "")} {
		if _, _, err := m.Start(context.Background(), ""); !errors.Is(err, ErrEmptyCredentials) {
			t.Errorf("Start with empty credentials: %v, want ErrEmptyCredentials", err)
		}
	}
}

func TestTokenFormatting(t *testing.T) {
	tok := Token{Value: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", Extensions: map[string]string{"traceId": "ext-secret-value"}}
	out := formatAll(tok) + formatAll(&tok)
	j, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	out += string(j)
	assertNoSecret(t, "formatted Token", out, []byte(tok.Value), []byte("ext-secret-value"))
	if !strings.Contains(out, Redacted) || !strings.Contains(out, "traceId") {
		t.Errorf("formatted Token should show %s and the extension keys: %s", Redacted, out)
	}
}
