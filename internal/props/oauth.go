package props

import (
	"strconv"
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/config"
	"github.com/samsa-go/samsa/internal/oauth"
)

// This file maps the OAUTHBEARER token retrieval settings (KIP-768,
// KIP-1139, KIP-1258; sasl.oauthbearer.* and sasl.login.*) and
// librdkafka's OIDC settings to Config.SASL.OAuth.

// The Java classes whose behaviour SASL.OAuth implements, by simple name;
// sasl.oauthbearer.jwt.retriever.class, sasl.oauthbearer.jwt.validator.class
// and sasl.login.callback.handler.class may name them (in any package,
// since Kafka moved them between releases).
var (
	oauthRetrievers = map[string]string{
		"DefaultJwtRetriever":           "",
		"ClientCredentialsJwtRetriever": oauth.GrantClientCredentials,
		"JwtBearerJwtRetriever":         oauth.GrantJWTBearer,
		"FileJwtRetriever":              "file",
	}
	oauthValidators = []string{"DefaultJwtValidator", "ClientJwtValidator"}
	oauthHandlers   = []string{"OAuthBearerLoginCallbackHandler"}
)

// simpleClassName returns a Java class name's last element.
func simpleClassName(cls string) string { return cls[strings.LastIndexByte(cls, '.')+1:] }

// propSeconds parses whole seconds from min to max.
func propSeconds(min, max int64, set func(*config.Config, time.Duration)) propParser {
	return propInt("a whole number of seconds", min, max, func(c *config.Config, n int64) { set(c, time.Duration(n)*time.Second) })
}

// propFloat parses a decimal number from min to max.
func propFloat(min, max float64, set func(*config.Config, float64)) propParser {
	return func(raw string) (string, func(*propState), string) {
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || f < min || f > max {
			return "", nil, "must be a number from " + strconv.FormatFloat(min, 'g', -1, 64) + " to " + strconv.FormatFloat(max, 'g', -1, 64)
		}
		return strconv.FormatFloat(f, 'g', -1, 64), func(st *propState) { set(st.cfg, f) }, ""
	}
}

// propOAuthString sets a string field of SASL.OAuth.
func propOAuthString(set func(*config.OAuth, string)) propParser {
	return propString(false, func(st *propState, v string) { set(&st.cfg.SASL.OAuth, v) })
}

// propOAuthClass accepts the listed Java classes (and applies the grant
// type a retriever implies).
func propOAuthClass(what string, allowed []string, apply func(*propState, string)) propParser {
	return func(raw string) (string, func(*propState), string) {
		name := simpleClassName(raw)
		for _, a := range allowed {
			if name == a {
				return name, func(st *propState) {
					if apply != nil {
						apply(st, name)
					}
				}, ""
			}
		}
		return "", nil, "names a Java " + what + " class; samsa implements " + strings.Join(allowed, ", ") +
			" itself (set Config.SASL.TokenSource for anything else)"
	}
}

// parseExtensions parses librdkafka's sasl.oauthbearer.extensions:
// key=value pairs separated by commas.
func parseExtensions(raw string) (map[string]string, string) {
	out := map[string]string{}
	for _, kv := range strings.Split(raw, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, "must be key=value pairs separated by commas"
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, ""
}

func init() {
	o := func(f func(*config.OAuth) *string) propParser {
		return propOAuthString(func(c *config.OAuth, v string) { *f(c) = v })
	}
	defineProp("SASL.OAuth.TokenEndpointURL", false, o(func(c *config.OAuth) *string { return &c.TokenEndpointURL }),
		"sasl.oauthbearer.token.endpoint.url")
	defineProp("SASL.OAuth.ClientID", false, o(func(c *config.OAuth) *string { return &c.ClientID }),
		"sasl.oauthbearer.client.credentials.client.id", "sasl.oauthbearer.client.id")
	defineProp("SASL.OAuth.ClientSecret", true, o(func(c *config.OAuth) *string { return &c.ClientSecret }),
		"sasl.oauthbearer.client.credentials.client.secret", "sasl.oauthbearer.client.secret")
	defineProp("SASL.OAuth.Scope", false, o(func(c *config.OAuth) *string { return &c.Scope }), "sasl.oauthbearer.scope")
	defineProp("SASL.OAuth.ScopeClaimName", false, propString(true, func(st *propState, v string) { st.cfg.SASL.OAuth.ScopeClaimName = v }),
		"sasl.oauthbearer.scope.claim.name")
	defineProp("SASL.OAuth.SubClaimName", false, propString(true, func(st *propState, v string) { st.cfg.SASL.OAuth.SubClaimName = v }),
		"sasl.oauthbearer.sub.claim.name")
	defineProp("SASL.OAuth.ExpectedAudience", false, propOAuthString(func(c *config.OAuth, v string) {
		c.ExpectedAudience = nil
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.ExpectedAudience = append(c.ExpectedAudience, a)
			}
		}
	}), "sasl.oauthbearer.expected.audience")
	defineProp("SASL.OAuth.ExpectedIssuer", false, o(func(c *config.OAuth) *string { return &c.ExpectedIssuer }),
		"sasl.oauthbearer.expected.issuer")
	defineProp("SASL.OAuth.ClockSkew", false, propSeconds(0, 1<<31-1, func(c *config.Config, d time.Duration) { c.SASL.OAuth.ClockSkew = d }),
		"sasl.oauthbearer.clock.skew.seconds")
	defineProp("SASL.OAuth.HeaderURLEncode", false, propBool(func(st *propState, b bool) { st.cfg.SASL.OAuth.HeaderURLEncode = b }),
		"sasl.oauthbearer.header.urlencode")
	defineProp("SASL.OAuth.GrantType", false, func(raw string) (string, func(*propState), string) {
		switch raw {
		case oauth.GrantClientCredentials, oauth.GrantJWTBearer:
			return raw, func(st *propState) { st.cfg.SASL.OAuth.GrantType = raw }, ""
		}
		return "", nil, "must be client_credentials or " + oauth.GrantJWTBearer
	}, "sasl.oauthbearer.grant.type")
	retrievers := []string{"DefaultJwtRetriever", "ClientCredentialsJwtRetriever", "JwtBearerJwtRetriever", "FileJwtRetriever"}
	defineProp("SASL.OAuth.GrantType", false, propOAuthClass("JwtRetriever", retrievers, func(st *propState, name string) {
		st.oauthRetriever = name
	}), "sasl.oauthbearer.jwt.retriever.class")
	defineProp("SASL.OAuth", false, propOAuthClass("JwtValidator", oauthValidators, nil), "sasl.oauthbearer.jwt.validator.class")
	defineProp("SASL.OAuth", false, propOAuthClass("login callback handler", oauthHandlers, nil), "sasl.login.callback.handler.class")
	defineProp("SASL.OAuth", false, func(raw string) (string, func(*propState), string) {
		switch strings.ToLower(raw) {
		case "oidc":
			return "oidc", func(*propState) {}, ""
		case "default":
			return "", nil, "librdkafka's default method makes unsecured test tokens; samsa does not: use oidc with a token endpoint, or set Config.SASL.TokenSource"
		}
		return "", nil, "must be oidc"
	}, "sasl.oauthbearer.method")
	defineProp("SASL.OAuth.Extensions", false, func(raw string) (string, func(*propState), string) {
		ext, reason := parseExtensions(raw)
		if reason != "" {
			return "", nil, reason
		}
		return raw, func(st *propState) { st.oauthExtensions = ext }, ""
	}, "sasl.oauthbearer.extensions")

	// The assertion (KIP-1139, KIP-1258).
	a := func(f func(*config.OAuthAssertion) *string) propParser {
		return propOAuthString(func(c *config.OAuth, v string) { *f(&c.Assertion) = v })
	}
	defineProp("SASL.OAuth.Assertion.Algorithm", false, func(raw string) (string, func(*propState), string) {
		if raw != "RS256" && raw != "ES256" {
			return "", nil, "must be RS256 or ES256"
		}
		return raw, func(st *propState) { st.cfg.SASL.OAuth.Assertion.Algorithm = raw }, ""
	}, "sasl.oauthbearer.assertion.algorithm")
	defineProp("SASL.OAuth.Assertion.Audience", false, a(func(x *config.OAuthAssertion) *string { return &x.Audience }), "sasl.oauthbearer.assertion.claim.aud")
	defineProp("SASL.OAuth.Assertion.Issuer", false, a(func(x *config.OAuthAssertion) *string { return &x.Issuer }), "sasl.oauthbearer.assertion.claim.iss")
	defineProp("SASL.OAuth.Assertion.Subject", false, a(func(x *config.OAuthAssertion) *string { return &x.Subject }), "sasl.oauthbearer.assertion.claim.sub")
	defineProp("SASL.OAuth.Assertion.File", false, a(func(x *config.OAuthAssertion) *string { return &x.File }), "sasl.oauthbearer.assertion.file")
	defineProp("SASL.OAuth.Assertion.PrivateKeyFile", false, a(func(x *config.OAuthAssertion) *string { return &x.PrivateKeyFile }),
		"sasl.oauthbearer.assertion.private.key.file")
	defineProp("SASL.OAuth.Assertion.PrivateKeyPassphrase", true, a(func(x *config.OAuthAssertion) *string { return &x.PrivateKeyPassphrase }),
		"sasl.oauthbearer.assertion.private.key.passphrase")
	defineProp("SASL.OAuth.Assertion.TemplateFile", false, a(func(x *config.OAuthAssertion) *string { return &x.TemplateFile }),
		"sasl.oauthbearer.assertion.template.file", "sasl.oauthbearer.assertion.jwt.template.file")
	defineProp("SASL.OAuth.Assertion.Expiry", false, propSeconds(1, 1<<31-1, func(c *config.Config, d time.Duration) { c.SASL.OAuth.Assertion.Expiry = d }),
		"sasl.oauthbearer.assertion.claim.exp.seconds")
	defineProp("SASL.OAuth.Assertion.NotBefore", false, propSeconds(0, 1<<31-1, func(c *config.Config, d time.Duration) { c.SASL.OAuth.Assertion.NotBefore = d }),
		"sasl.oauthbearer.assertion.claim.nbf.seconds")
	defineProp("SASL.OAuth.Assertion.IncludeJTI", false, propBool(func(st *propState, b bool) { st.cfg.SASL.OAuth.Assertion.IncludeJTI = b }),
		"sasl.oauthbearer.assertion.claim.jti.include")

	// Refresh and token requests (sasl.login.*).
	defineProp("SASL.OAuth.Refresh.WindowFactor", false, propFloat(0.5, 1, func(c *config.Config, f float64) { c.SASL.OAuth.Refresh.WindowFactor = f }),
		"sasl.login.refresh.window.factor")
	defineProp("SASL.OAuth.Refresh.WindowJitter", false, propFloat(0, 0.25, func(c *config.Config, f float64) { c.SASL.OAuth.Refresh.WindowJitter = f }),
		"sasl.login.refresh.window.jitter")
	defineProp("SASL.OAuth.Refresh.MinPeriod", false, propSeconds(0, 900, func(c *config.Config, d time.Duration) { c.SASL.OAuth.Refresh.MinPeriod = d }),
		"sasl.login.refresh.min.period.seconds")
	defineProp("SASL.OAuth.Refresh.Buffer", false, propSeconds(0, 3600, func(c *config.Config, d time.Duration) { c.SASL.OAuth.Refresh.Buffer = d }),
		"sasl.login.refresh.buffer.seconds")
	defineProp("SASL.OAuth.ConnectTimeout", false, propMillis(0, true, func(c *config.Config, d time.Duration) { c.SASL.OAuth.ConnectTimeout = d }),
		"sasl.login.connect.timeout.ms")
	defineProp("SASL.OAuth.ReadTimeout", false, propMillis(0, true, func(c *config.Config, d time.Duration) { c.SASL.OAuth.ReadTimeout = d }),
		"sasl.login.read.timeout.ms")
	defineProp("SASL.OAuth.RetryBackoff", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.SASL.OAuth.RetryBackoff = d }),
		"sasl.login.retry.backoff.ms")
	defineProp("SASL.OAuth.RetryBackoffMax", false, propMillis(0, false, func(c *config.Config, d time.Duration) { c.SASL.OAuth.RetryBackoffMax = d }),
		"sasl.login.retry.backoff.max.ms")
	for _, key := range []string{"sasl.login.class", "sasl.oauthbearer.config", "sasl.oauthbearer.assertion.private.key.pem"} {
		reason := map[string]string{
			"sasl.login.class":        "names a Java login class; samsa logs in itself",
			"sasl.oauthbearer.config": "configures librdkafka's unsecured test tokens; use a token endpoint or Config.SASL.TokenSource",
			"sasl.oauthbearer.assertion.private.key.pem": "inline private keys are not supported here: put the key in a file " +
				"and name it with sasl.oauthbearer.assertion.private.key.file",
		}[key]
		defineProp("SASL.OAuth", key == "sasl.oauthbearer.assertion.private.key.pem", func(raw string) (string, func(*propState), string) {
			if raw == "" { // unset, as Java's and librdkafka's defaults are
				return "", func(*propState) {}, ""
			}
			return "", nil, reason
		}, key)
	}
}

// finishOAuth applies what JAAS options, the retriever class and
// librdkafka's extensions say about SASL.OAuth.
func (st *propState) finishOAuth() error {
	o := &st.cfg.SASL.OAuth
	if j := st.jaas; j != nil && j.module == "OAuthBearerLoginModule" {
		key := st.keyOf("sasl.jaas.config")
		for _, f := range []struct {
			opt, canon string
			dst        *string
			val        string
		}{
			{"clientId", "sasl.oauthbearer.client.credentials.client.id", &o.ClientID, j.clientID},
			{"clientSecret", "sasl.oauthbearer.client.credentials.client.secret", &o.ClientSecret, j.clientSecret},
			{"scope", "sasl.oauthbearer.scope", &o.Scope, j.scope},
		} {
			if f.val == "" {
				continue
			}
			if st.has(f.canon) && *f.dst != f.val {
				return &config.Error{Key: st.keyOf(f.canon), Field: "SASL.OAuth", Reason: "conflicts with the " + f.opt + " option of " + key}
			}
			*f.dst = f.val
		}
		if len(j.extensions) > 0 {
			o.Extensions = j.extensions
		}
	}
	if st.oauthExtensions != nil {
		if o.Extensions != nil {
			return &config.Error{Key: st.keyOf("sasl.oauthbearer.extensions"), Field: "SASL.OAuth.Extensions",
				Reason: "conflicts with the extension_ options of sasl.jaas.config"}
		}
		o.Extensions = st.oauthExtensions
	}
	switch grant := oauthRetrievers[st.oauthRetriever]; {
	case st.oauthRetriever == "" || grant == "":
	case grant == "file":
		if !strings.HasPrefix(o.TokenEndpointURL, "file:") {
			return &config.Error{Key: st.keyOf("sasl.oauthbearer.jwt.retriever.class"), Field: "SASL.OAuth",
				Reason: "FileJwtRetriever reads the token from sasl.oauthbearer.token.endpoint.url, which must then be a file: URL"}
		}
	default:
		if st.has("sasl.oauthbearer.grant.type") && o.GrantType != grant {
			return &config.Error{Key: st.keyOf("sasl.oauthbearer.jwt.retriever.class"), Field: "SASL.OAuth.GrantType",
				Reason: "conflicts with sasl.oauthbearer.grant.type=" + o.GrantType}
		}
		o.GrantType = grant
	}
	return nil
}
