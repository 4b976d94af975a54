package samsa

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	iprops "github.com/samsa-go/samsa/internal/props"
)

// TestNoSecurityKeyIgnored (issue 12.8): no key that configures TLS, SASL
// or the JVM's security is among the ignored ones; each is implemented
// or checked.
func TestNoSecurityKeyIgnored(t *testing.T) {
	for _, k := range IgnoredProperties() {
		if strings.HasPrefix(k, "ssl") || strings.HasPrefix(k, "security") || strings.HasPrefix(k, "sasl.") {
			t.Errorf("%s changes security and is ignored", k)
		}
	}
	for _, k := range []string{"ssl.cipher.suites", "connections.max.idle.ms", "ssl.provider", "ssl.keystore.password"} {
		if iprops.IsIgnored(k) {
			t.Errorf("%s is still ignored", k)
		}
	}
}

// TestCheckedKeys (issue 12.8): keys for what samsa does anyway accept
// the values that say so, with no change to the configuration, and refuse
// any other value with a ConfigError that names the key (and never shows
// a password).
func TestCheckedKeys(t *testing.T) {
	for _, c := range []struct {
		key        string
		ok         []string
		bad        string
		wantReason string
	}{
		{"ssl.provider", []string{""}, "BCJSSE", "crypto/tls"},
		{"security.providers", []string{""}, "org.bouncycastle.jce.provider.BouncyCastleProvider", "crypto/tls"},
		{"ssl.engine.factory.class", []string{""}, "com.example.MyEngineFactory", "Config.TLS.Config"},
		{"sasl.client.callback.handler.class", []string{""}, "com.example.Callbacks", "Config.SASL"},
		{"ssl.keymanager.algorithm", []string{"SunX509", "pkix", ""}, "com.example.KM", "key manager"},
		{"ssl.trustmanager.algorithm", []string{"PKIX", "SunX509", ""}, "InsecureTrustManager", "trust manager"},
		{"ssl.secure.random.implementation", []string{"SHA1PRNG", "NativePRNG", ""}, "com.example.Rand", "crypto/rand"},
		{"ssl.keystore.password", []string{""}, "changeit", "ssl.key.password"},
		{"ssl.truststore.password", []string{""}, "changeit", "no store password"},
		{"api.version.request", []string{"true"}, "false", "ApiVersions"},
		{"socket.keepalive.enable", []string{"true"}, "false", "keep-alive"},
		{"socket.nagle.disable", []string{"true"}, "false", "TCP_NODELAY"},
	} {
		for _, v := range c.ok {
			cfg, err := ConfigFromProperties(map[string]string{c.key: v})
			if err != nil || !reflect.DeepEqual(cfg, DefaultConfig()) {
				t.Errorf("%s=%q: %v, or the configuration changed", c.key, v, err)
			}
		}
		_, err := ConfigFromProperties(map[string]string{c.key: c.bad})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != c.key || !strings.Contains(ce.Reason, c.wantReason) {
			t.Errorf("%s=%q: %v, want a ConfigError for the key mentioning %q", c.key, c.bad, err, c.wantReason)
		}
		if strings.Contains(c.key, "password") && strings.Contains(err.Error(), c.bad) {
			t.Errorf("%s: the error shows the password: %v", c.key, err)
		}
	}
}

// TestIgnoredPropertiesDocumented: docs/properties.md gives every ignored
// key with the reason the code has for it, so that the table stays true.
func TestIgnoredPropertiesDocumented(t *testing.T) {
	doc, err := os.ReadFile("docs/properties.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range IgnoredProperties() {
		row := "| `" + k + "` | " + iprops.IgnoredReason(k) + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/properties.md lacks the row\n%s", row)
		}
	}
	for _, p := range IgnoredPropertyPrefixes() {
		if !strings.Contains(string(doc), "`"+p+"*`") {
			t.Errorf("docs/properties.md does not mention the ignored prefix %s*", p)
		}
	}
}
