package props

import (
	"fmt"
	"strings"
)

// jaasLogin is the login module line of a client's sasl.jaas.config.
type jaasLogin struct {
	module             string // the class name's last element, such as "PlainLoginModule"
	username, password string
	// OAuthBearerLoginModule's options for the token endpoint: clientId,
	// clientSecret, scope and extension_<name> (KIP-342).
	clientID, clientSecret, scope string
	extensions                    map[string]string
}

// The login modules sasl.jaas.config may name.
const (
	jaasPlain       = "org.apache.kafka.common.security.plain.PlainLoginModule"
	jaasScram       = "org.apache.kafka.common.security.scram.ScramLoginModule"
	jaasOAuthBearer = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
)

// impliedMechanism returns the mechanism the module implies, or "" for
// SCRAM, which has two.
func (j *jaasLogin) impliedMechanism() string {
	switch j.module {
	case "PlainLoginModule":
		return "PLAIN"
	case "OAuthBearerLoginModule":
		return "OAUTHBEARER"
	}
	return ""
}

// allows reports whether the module implements mechanism m.
func (j *jaasLogin) allows(m string) bool {
	switch j.module {
	case "PlainLoginModule":
		return m == "PLAIN"
	case "ScramLoginModule":
		return m == "SCRAM-SHA-256" || m == "SCRAM-SHA-512"
	case "OAuthBearerLoginModule":
		return m == "OAUTHBEARER"
	}
	return false
}

// parseJAAS parses a sasl.jaas.config value: one login module, its
// control flag, options name=value (values bare or quoted with " or ',
// with backslash escapes), and a closing semicolon; // and /* */
// comments are allowed, as in Java. Reasons never quote option values.
func parseJAAS(s string) (*jaasLogin, string) {
	toks, reason := jaasTokens(s)
	if reason != "" {
		return nil, reason
	}
	if len(toks) == 0 {
		return nil, "is empty: give a login module line, such as " +
			jaasPlain + ` required username="..." password="...";`
	}
	if toks[0].kind != jaasWord {
		return nil, "must start with a login module class name"
	}
	login := &jaasLogin{}
	switch cls := toks[0].text; cls {
	case jaasPlain, jaasScram, jaasOAuthBearer:
		login.module = cls[strings.LastIndexByte(cls, '.')+1:]
	default:
		// The text is not quoted back: it might be a misplaced secret.
		return nil, fmt.Sprintf("must start with a supported login module class: %s, %s or %s", jaasPlain, jaasScram, jaasOAuthBearer)
	}
	if len(toks) < 2 || toks[1].kind != jaasWord {
		return nil, "the login module must be followed by a control flag: required, requisite, sufficient or optional"
	}
	switch strings.ToLower(toks[1].text) {
	case "required", "requisite", "sufficient", "optional":
	default:
		return nil, "the login module must be followed by a control flag: required, requisite, sufficient or optional"
	}
	i := 2
	seen := map[string]bool{}
	for n := 1; i < len(toks) && toks[i].kind != ';'; i, n = i+3, n+1 {
		// Option names are quoted back only when they are known ones: a
		// malformed line may have split a secret into words.
		if toks[i].kind != jaasWord {
			return nil, fmt.Sprintf("option %d: expected name=value (quote values that have spaces, = or ;)", n)
		}
		name := toks[i].text
		shown := fmt.Sprintf("option %d", n)
		if name == "username" || name == "password" || name == "tokenauth" || name == "clientId" || name == "clientSecret" || name == "scope" {
			shown = "option " + name
		}
		if i+2 >= len(toks) || toks[i+1].kind != '=' || (toks[i+2].kind != jaasWord && toks[i+2].kind != jaasQuoted) {
			return nil, shown + " must be followed by = and a value (quote values that have spaces, = or ;)"
		}
		if seen[name] {
			return nil, shown + " is given twice"
		}
		seen[name] = true
		value := toks[i+2].text
		switch name {
		case "username":
			login.username = value
		case "password":
			login.password = value
		case "tokenauth":
			if strings.EqualFold(value, "true") {
				return nil, "SCRAM delegation token authentication (tokenauth=true) is not supported"
			}
		case "clientId":
			login.clientID = value
		case "clientSecret":
			login.clientSecret = value
		case "scope":
			login.scope = value
		default:
			if ext, ok := strings.CutPrefix(name, "extension_"); ok && login.module == "OAuthBearerLoginModule" {
				if login.extensions == nil {
					login.extensions = map[string]string{}
				}
				login.extensions[ext] = value
			}
			if strings.HasPrefix(name, "unsecuredLogin") && login.module == "OAuthBearerLoginModule" {
				return nil, "unsecured OAUTHBEARER tokens (unsecuredLogin... options) are for tests only and not supported: " +
					"use sasl.oauthbearer.token.endpoint.url or Config.SASL.TokenSource"
			}
		}
	}
	if i >= len(toks) {
		return nil, "the login module line must end with a semicolon"
	}
	if i+1 < len(toks) {
		return nil, "must hold exactly one login module line; text follows the semicolon"
	}
	if login.module != "OAuthBearerLoginModule" {
		if !seen["username"] {
			return nil, login.module + " needs a username option"
		}
		if !seen["password"] {
			return nil, login.module + " needs a password option"
		}
	}
	return login, ""
}

// Kinds of JAAS tokens besides the single characters '=' and ';'.
const (
	jaasWord   = 'w'
	jaasQuoted = 'q'
)

type jaasToken struct {
	kind byte
	text string
}

// jaasTokens splits a JAAS configuration into tokens.
func jaasTokens(s string) ([]jaasToken, string) {
	var toks []jaasToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' && s[i] != '\r' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, "a /* comment is not closed"
			}
			i += end + 4
		case c == '=' || c == ';':
			toks = append(toks, jaasToken{kind: c})
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
					switch s[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					case 'b':
						b.WriteByte('\b')
					case 'f':
						b.WriteByte('\f')
					default:
						b.WriteByte(s[j])
					}
					continue
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, "a quoted value is not closed"
			}
			toks = append(toks, jaasToken{kind: jaasQuoted, text: b.String()})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r\f=;\"'", rune(s[j])) && !strings.HasPrefix(s[j:], "//") && !strings.HasPrefix(s[j:], "/*") {
				j++
			}
			toks = append(toks, jaasToken{kind: jaasWord, text: s[i:j]})
			i = j
		}
	}
	return toks, ""
}
