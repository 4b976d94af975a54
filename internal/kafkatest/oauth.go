package kafkatest

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// OAuthBearerProps are ServerProps that enable OAUTHBEARER on both SASL
// listeners next to the mechanisms Security enables, with Kafka's default
// server-side token validator, which accepts unsecured (alg "none") JWTs
// such as UnsecuredJWT makes: enough to test the SASL exchange, token
// refresh on re-authentication, and the broker's answer to a bad token.
func OAuthBearerProps() map[string]string {
	const mechs = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER"
	p := map[string]string{"sasl.enabled.mechanisms": mechs}
	for _, l := range []Listener{SASLPlaintext, SASLSSL} {
		pre := "listener.name." + strings.ToLower(string(l)) + "."
		p[pre+"sasl.enabled.mechanisms"] = mechs
		p[pre+"oauthbearer.sasl.jaas.config"] = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required " +
			`unsecuredLoginStringClaim_sub="broker";`
	}
	return p
}

// UnsecuredJWT returns an unsigned (alg "none") JWT for sub that expires
// at exp, which the validator of OAuthBearerProps accepts.
func UnsecuredJWT(sub string, exp time.Time) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	now := time.Now()
	return enc(map[string]any{"alg": "none"}) + "." +
		enc(map[string]any{"sub": sub, "iat": now.Add(-time.Minute).Unix(), "exp": exp.Unix(), "scope": "kafka"}) + "."
}
