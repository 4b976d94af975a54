package samsa

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// propOAuthCases are the propCases of the OAuth settings.
func propOAuthCases(dir string) map[string]propCase {
	o := func(get func(OAuthConfig) any, v any) func(*testing.T, Config) {
		return propWant(func(c Config) any { return get(c.SASL.OAuth) }, v)
	}
	a := func(get func(OAuthAssertion) any, v any) func(*testing.T, Config) {
		return o(func(c OAuthConfig) any { return get(c.Assertion) }, v)
	}
	r := func(get func(OAuthRefresh) any, v any) func(*testing.T, Config) {
		return o(func(c OAuthConfig) any { return get(c.Refresh) }, v)
	}
	const full = "org.apache.kafka.common.security.oauthbearer."
	return map[string]propCase{
		"sasl.oauthbearer.token.endpoint.url":                 {good: "https://idp/token", check: o(func(c OAuthConfig) any { return c.TokenEndpointURL }, "https://idp/token")},
		"sasl.oauthbearer.client.credentials.client.id":       {good: "app", check: o(func(c OAuthConfig) any { return c.ClientID }, "app")},
		"sasl.oauthbearer.client.id":                          {good: "app2", check: o(func(c OAuthConfig) any { return c.ClientID }, "app2")},
		"sasl.oauthbearer.client.credentials.client.secret":   {good: "s3", check: o(func(c OAuthConfig) any { return c.ClientSecret }, "s3")},
		"sasl.oauthbearer.client.secret":                      {good: "s4", check: o(func(c OAuthConfig) any { return c.ClientSecret }, "s4")},
		"sasl.oauthbearer.scope":                              {good: "kafka read", check: o(func(c OAuthConfig) any { return c.Scope }, "kafka read")},
		"sasl.oauthbearer.scope.claim.name":                   {good: "scp", check: o(func(c OAuthConfig) any { return c.ScopeClaimName }, "scp"), bad: ""},
		"sasl.oauthbearer.sub.claim.name":                     {good: "client_id", check: o(func(c OAuthConfig) any { return c.SubClaimName }, "client_id"), bad: ""},
		"sasl.oauthbearer.expected.audience":                  {good: "kafka, other", check: o(func(c OAuthConfig) any { return c.ExpectedAudience }, []string{"kafka", "other"})},
		"sasl.oauthbearer.expected.issuer":                    {good: "https://idp", check: o(func(c OAuthConfig) any { return c.ExpectedIssuer }, "https://idp")},
		"sasl.oauthbearer.clock.skew.seconds":                 {good: "5", check: o(func(c OAuthConfig) any { return c.ClockSkew }, 5*time.Second), bad: "-1"},
		"sasl.oauthbearer.header.urlencode":                   {good: "true", check: o(func(c OAuthConfig) any { return c.HeaderURLEncode }, true), bad: "yes"},
		"sasl.oauthbearer.grant.type":                         {good: OAuthGrantJWTBearer, check: o(func(c OAuthConfig) any { return c.GrantType }, OAuthGrantJWTBearer), bad: "password"},
		"sasl.oauthbearer.jwt.retriever.class":                {good: full + "JwtBearerJwtRetriever", check: o(func(c OAuthConfig) any { return c.GrantType }, OAuthGrantJWTBearer), bad: "com.example.MyRetriever"},
		"sasl.oauthbearer.jwt.validator.class":                {good: full + "DefaultJwtValidator", check: pcUnchanged, bad: "com.example.MyValidator"},
		"sasl.login.callback.handler.class":                   {good: full + "secured.OAuthBearerLoginCallbackHandler", check: pcUnchanged, bad: "com.example.Handler"},
		"sasl.login.class":                                    {good: "", check: pcUnchanged, bad: "com.example.Login"},
		"sasl.oauthbearer.method":                             {good: "OIDC", check: pcUnchanged, bad: "default"},
		"sasl.oauthbearer.config":                             {good: "", check: pcUnchanged, bad: "principal=admin"},
		"sasl.oauthbearer.extensions":                         {good: "logicalCluster=lkc-1, identityPoolId=pool-2", check: o(func(c OAuthConfig) any { return c.Extensions }, map[string]string{"logicalCluster": "lkc-1", "identityPoolId": "pool-2"}), bad: "novalue"},
		"sasl.oauthbearer.assertion.algorithm":                {good: "ES256", check: a(func(x OAuthAssertion) any { return x.Algorithm }, "ES256"), bad: "HS256"},
		"sasl.oauthbearer.assertion.claim.aud":                {good: "https://idp", check: a(func(x OAuthAssertion) any { return x.Audience }, "https://idp")},
		"sasl.oauthbearer.assertion.claim.iss":                {good: "me", check: a(func(x OAuthAssertion) any { return x.Issuer }, "me")},
		"sasl.oauthbearer.assertion.claim.sub":                {good: "svc", check: a(func(x OAuthAssertion) any { return x.Subject }, "svc")},
		"sasl.oauthbearer.assertion.claim.exp.seconds":        {good: "600", check: a(func(x OAuthAssertion) any { return x.Expiry }, 10*time.Minute), bad: "0"},
		"sasl.oauthbearer.assertion.claim.nbf.seconds":        {good: "0", check: a(func(x OAuthAssertion) any { return x.NotBefore }, time.Duration(0)), bad: "-5"},
		"sasl.oauthbearer.assertion.claim.jti.include":        {good: "true", check: a(func(x OAuthAssertion) any { return x.IncludeJTI }, true), bad: "1"},
		"sasl.oauthbearer.assertion.file":                     {good: dir + "/assertion.jwt", check: a(func(x OAuthAssertion) any { return x.File }, dir+"/assertion.jwt")},
		"sasl.oauthbearer.assertion.private.key.file":         {good: dir + "/key.pem", check: a(func(x OAuthAssertion) any { return x.PrivateKeyFile }, dir+"/key.pem")},
		"sasl.oauthbearer.assertion.private.key.passphrase":   {good: "pp", check: a(func(x OAuthAssertion) any { return x.PrivateKeyPassphrase }, "pp")},
		"sasl.oauthbearer.assertion.private.key.pem":          {good: "", check: pcUnchanged, bad: "-----BEGIN PRIVATE KEY-----"},
		"sasl.oauthbearer.assertion.template.file":            {good: dir + "/t.json", check: a(func(x OAuthAssertion) any { return x.TemplateFile }, dir+"/t.json")},
		"sasl.oauthbearer.assertion.jwt.template.file":        {good: dir + "/u.json", check: a(func(x OAuthAssertion) any { return x.TemplateFile }, dir+"/u.json")},
		"sasl.oauthbearer.jwks.endpoint.url":                  {good: "", check: pcUnchanged, bad: "https://idp/jwks"},
		"sasl.oauthbearer.jwks.endpoint.refresh.ms":           {good: "", check: pcUnchanged, bad: "3600000"},
		"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms":     {good: "", check: pcUnchanged, bad: "100"},
		"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms": {good: "", check: pcUnchanged, bad: "10000"},
		"sasl.login.refresh.window.factor":                    {good: "0.9", check: r(func(x OAuthRefresh) any { return x.WindowFactor }, 0.9), bad: "0.4"},
		"sasl.login.refresh.window.jitter":                    {good: "0", check: r(func(x OAuthRefresh) any { return x.WindowJitter }, 0.0), bad: "0.3"},
		"sasl.login.refresh.min.period.seconds":               {good: "0", check: r(func(x OAuthRefresh) any { return x.MinPeriod }, time.Duration(0)), bad: "901"},
		"sasl.login.refresh.buffer.seconds":                   {good: "10", check: r(func(x OAuthRefresh) any { return x.Buffer }, 10*time.Second), bad: "3601"},
		"sasl.login.connect.timeout.ms":                       {good: "5000", check: o(func(c OAuthConfig) any { return c.ConnectTimeout }, 5*time.Second), bad: "-1"},
		"sasl.login.read.timeout.ms":                          {good: "7000", check: o(func(c OAuthConfig) any { return c.ReadTimeout }, 7*time.Second), bad: "x"},
		"sasl.login.retry.backoff.ms":                         {good: "50", check: o(func(c OAuthConfig) any { return c.RetryBackoff }, 50*time.Millisecond), bad: "-2"},
		"sasl.login.retry.backoff.max.ms":                     {good: "500", check: o(func(c OAuthConfig) any { return c.RetryBackoffMax }, 500*time.Millisecond), bad: "y"},
	}
}

// TestPropertiesOAuth: a Java client.properties for the client-credentials
// grant with JAAS options, and one for the jwt-bearer grant, become
// configurations that validate; mixed-up ones are refused naming the key.
func TestPropertiesOAuth(t *testing.T) {
	c, err := ConfigFromProperties(map[string]string{
		"bootstrap.servers": "k:9093", "security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER",
		"sasl.login.callback.handler.class":   "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
		"sasl.oauthbearer.token.endpoint.url": "https://idp.example/oauth2/token",
		"sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required
			clientId="app" clientSecret="s3cr3t" scope="kafka" extension_logicalCluster="lkc-1";`,
	})
	if err != nil {
		t.Fatal(err)
	}
	o := c.SASL.OAuth
	if o.ClientID != "app" || o.ClientSecret != "s3cr3t" || o.Scope != "kafka" || o.Extensions["logicalCluster"] != "lkc-1" {
		t.Fatalf("OAuth from JAAS options: %+v", o)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}

	c, err = ConfigFromProperties(map[string]string{
		"bootstrap.servers": "k:9093", "security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER",
		"sasl.oauthbearer.token.endpoint.url":         "https://idp.example/oauth2/token",
		"sasl.oauthbearer.jwt.retriever.class":        "org.apache.kafka.common.security.oauthbearer.JwtBearerJwtRetriever",
		"sasl.oauthbearer.assertion.private.key.file": "/keys/client.pem",
		"sasl.oauthbearer.assertion.claim.sub":        "svc",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.SASL.OAuth.GrantType != OAuthGrantJWTBearer {
		t.Fatalf("grant %q", c.SASL.OAuth.GrantType)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		props map[string]string
		key   string
	}{
		{map[string]string{"sasl.oauthbearer.token.endpoint.url": "ftp://idp"}, "sasl.oauthbearer.token.endpoint.url"},
		{map[string]string{"sasl.oauthbearer.token.endpoint.url": "https://idp"}, "sasl.oauthbearer.client.credentials.client.id"},
		{map[string]string{"sasl.oauthbearer.token.endpoint.url": "https://idp", "sasl.oauthbearer.client.id": "a"}, "sasl.oauthbearer.client.credentials.client.secret"},
		{map[string]string{"sasl.oauthbearer.token.endpoint.url": "https://idp", "sasl.oauthbearer.grant.type": OAuthGrantJWTBearer}, "sasl.oauthbearer.assertion.private.key.file"},
		{map[string]string{"sasl.oauthbearer.token.endpoint.url": "https://idp", "sasl.oauthbearer.grant.type": OAuthGrantJWTBearer,
			"sasl.oauthbearer.assertion.file": "/a", "sasl.oauthbearer.assertion.private.key.file": "/k"}, "sasl.oauthbearer.assertion.file"},
	} {
		props := map[string]string{"bootstrap.servers": "k", "security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER"}
		for k, v := range tc.props {
			props[k] = v
		}
		c, err := ConfigFromProperties(props)
		if err == nil {
			err = c.Validate()
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != tc.key {
			t.Errorf("%v: %v; want an error for %s", tc.props, err, tc.key)
		}
	}
	// Retriever and grant type that disagree; a file retriever without a file.
	for _, props := range []map[string]string{
		{"sasl.oauthbearer.jwt.retriever.class": "ClientCredentialsJwtRetriever", "sasl.oauthbearer.grant.type": OAuthGrantJWTBearer},
		{"sasl.oauthbearer.jwt.retriever.class": "FileJwtRetriever", "sasl.oauthbearer.token.endpoint.url": "https://idp"},
	} {
		if _, err := ConfigFromProperties(props); err == nil || !strings.Contains(err.Error(), "sasl.oauthbearer.jwt.retriever.class") {
			t.Errorf("%v: %v", props, err)
		}
	}
}

// TestOAuthConfigRedacted: the client secret and the key passphrase never
// show when the configuration is printed, logged or encoded.
func TestOAuthConfigRedacted(t *testing.T) {
	c := DefaultConfig()
	c.SASL.OAuth.TokenEndpointURL, c.SASL.OAuth.ClientID, c.SASL.OAuth.ClientSecret = "https://idp/token", "app", "hunter2"
	c.SASL.OAuth.Assertion.PrivateKeyPassphrase = "s3cr3t"
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("cfg", "oauth", c.SASL.OAuth)
	js, err := json.Marshal(c.SASL.OAuth)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fmt.Sprint(c.SASL.OAuth), fmt.Sprintf("%#v %x %s", c.SASL.OAuth, c.SASL.OAuth, c.SASL.OAuth), logged.String(), string(js)} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "s3cr3t") || !strings.Contains(out, "app") {
			t.Errorf("printed: %s", out)
		}
	}
}
