package samsa

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/samsa-go/samsa/internal/sasl"
	"github.com/samsa-go/samsa/internal/typo"
)

// This file turns TLSConfig and SASLConfig into what the connection layer
// uses, and keeps their secrets (KeyPassword, Password, OAuth tokens) out
// of every formatted or logged value.

// redactedText stands in for a secret in formatted output.
const redactedText = sasl.Redacted

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
		if oa := s.OAuth.settings(); s.TokenSource == nil && oa.Set() {
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
