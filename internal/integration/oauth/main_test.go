// Package oauth tests OAUTHBEARER with tokens from an OAuth 2 token
// endpoint against a real Kafka broker that validates them with its
// built-in JWKS validation (OAuthBearerValidatorCallbackHandler): the
// test serves the identity provider (token endpoint and JWKS, RS256 keys
// made per run) on loopback, and the broker re-authenticates connections
// every few seconds (KIP-368) so that refreshed tokens are used on live
// connections.
package oauth

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

// reauthMs is the broker's connections.max.reauth.ms on its SASL
// listeners.
const reauthMs = 3000

var provider *idp

func TestMain(m *testing.M) {
	var err error
	provider, err = newIDP()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := kafkatest.Run(m, kafkatest.Options{Security: true, ReauthMs: reauthMs, ServerProps: brokerProps(provider),
		// Kafka 4 (and 3.9.1+) fetch only the URLs this property allows.
		JVMFlags: []string{"-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=" + provider.jwksURL()}})
	provider.srv.Close()
	os.Exit(code)
}

// brokerProps turn on OAUTHBEARER on both SASL listeners, validated with
// the provider's JWKS, audience and issuer.
func brokerProps(p *idp) map[string]string {
	props := map[string]string{
		"sasl.oauthbearer.jwks.endpoint.url": p.jwksURL(),
		"sasl.oauthbearer.expected.audience": audience,
		"sasl.oauthbearer.expected.issuer":   p.issuer(),
	}
	for _, l := range []kafkatest.Listener{kafkatest.SASLPlaintext, kafkatest.SASLSSL} {
		pre := "listener.name." + strings.ToLower(string(l)) + "."
		props[pre+"sasl.enabled.mechanisms"] = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER"
		props[pre+"oauthbearer.sasl.jaas.config"] = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;"
		props[pre+"oauthbearer.sasl.server.callback.handler.class"] = "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler"
	}
	return props
}
