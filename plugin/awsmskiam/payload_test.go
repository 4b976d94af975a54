package awsmskiam

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// verifySigV4 recomputes a presigned request's signature from its query
// parameters as the SigV4 documentation describes, independently of the
// SDK: the canonical request "GET", "/", the query without X-Amz-Signature
// (sorted, RFC 3986 encoded), the host header alone, the empty payload's
// hash; then the string to sign and the derived key. It returns the
// expected signature.
func verifySigV4(t *testing.T, host string, q url.Values, secret string) string {
	t.Helper()
	var keys []string
	for k := range q {
		if k != "X-Amz-Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	var parts []string
	for _, k := range keys {
		parts = append(parts, enc(k)+"="+enc(q.Get(k)))
	}
	canonical := "GET\n/\n" + strings.Join(parts, "&") + "\nhost:" + host + "\n\nhost\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	cred := strings.Split(q.Get("X-Amz-Credential"), "/") // AKID/date/region/service/aws4_request
	if len(cred) != 5 {
		t.Fatalf("X-Amz-Credential %q", q.Get("X-Amz-Credential"))
	}
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + q.Get("X-Amz-Date") + "\n" + strings.Join(cred[1:], "/") + "\n" + hex.EncodeToString(sum[:])
	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	k := mac([]byte("AWS4"+secret), cred[1])
	k = mac(k, cred[2])
	k = mac(k, cred[3])
	k = mac(k, cred[4])
	return hex.EncodeToString(mac(k, toSign))
}

func fixed(creds aws.Credentials, region string) Options {
	return Options{Credentials: credentials.StaticCredentialsProvider{Value: creds}, Region: region,
		UserAgent: "test-agent", now: func() time.Time { return suiteTime }}
}

// TestPayload checks the AWS_MSK_IAM payload against the documented
// format (aws-msk-iam-auth): a JSON object whose keys are the presigned
// request's query parameters in lower case plus version 2020_10_22, host
// and user-agent; the action kafka-cluster:Connect, the kafka-cluster
// service scope, only the host header signed, and a signature that an
// independent SigV4 computation over the same fields reproduces.
func TestPayload(t *testing.T) {
	const host = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"
	for _, token := range []string{"", "session-token/with+chars="} {
		creds := suiteCreds
		creds.SessionToken = token
		m, err := Mechanism(context.Background(), fixed(creds, ""))
		if err != nil {
			t.Fatal(err)
		}
		sess, payload, err := m.Start(context.Background(), host+":9098")
		if err != nil {
			t.Fatal(err)
		}
		var fields map[string]string
		if err := json.Unmarshal(payload, &fields); err != nil {
			t.Fatalf("payload is not a JSON object of strings: %v\n%s", err, payload)
		}
		want := map[string]string{
			"version": "2020_10_22", "host": host, "user-agent": "test-agent", "action": "kafka-cluster:Connect",
			"x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": "AKIDEXAMPLE/20150830/us-east-1/kafka-cluster/aws4_request",
			"x-amz-date": "20150830T123600Z", "x-amz-expires": "900", "x-amz-signedheaders": "host",
		}
		if token != "" {
			want["x-amz-security-token"] = token
		}
		for k, v := range want {
			if fields[k] != v {
				t.Errorf("%s = %q, want %q", k, fields[k], v)
			}
		}
		if len(fields) != len(want)+1 { // + x-amz-signature
			t.Errorf("payload has %d keys, want %d: %v", len(fields), len(want)+1, slices.Sorted(maps.Keys(fields)))
		}
		q := url.Values{}
		for k, v := range fields {
			switch k {
			case "version", "host", "user-agent":
				continue
			case "action":
				k = "Action"
			default: // x-amz-foo -> X-Amz-Foo, as presigned
				k = "X-Amz-" + strings.ToUpper(k[6:7]) + k[7:]
				k = strings.Replace(k, "Signedheaders", "SignedHeaders", 1)
				k = strings.Replace(k, "Security-token", "Security-Token", 1)
			}
			q.Set(k, v)
		}
		if got, want := fields["x-amz-signature"], verifySigV4(t, host, q, suiteCreds.SecretAccessKey); got != want {
			t.Fatalf("signature %s, an independent SigV4 computation gives %s", got, want)
		}
		if done, _, err := sess.Next(context.Background(), []byte(`{"version":"2020_10_22","request-id":"abc"}`)); !done || err != nil {
			t.Fatalf("Next(success response) = %v, %v", done, err)
		}
		if _, _, err := (session{}).Next(context.Background(), nil); err == nil {
			t.Fatal("an empty broker response was accepted")
		}
	}
}

// TestToken checks the OAUTHBEARER token against aws-msk-iam-sasl-signer's
// format: base64url without padding of a presigned
// https://kafka.<region>.amazonaws.com/ URL whose signature covers every
// parameter but User-Agent, which is added after signing.
func TestToken(t *testing.T) {
	src, err := TokenSource(context.Background(), fixed(suiteCreds, "eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(tok.Token, "=+/") {
		t.Fatalf("token %q is not unpadded base64url", tok.Token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "https" || u.Host != "kafka.eu-west-1.amazonaws.com" || u.Path != "/" ||
		q.Get("Action") != "kafka-cluster:Connect" || q.Get("X-Amz-Expires") != "900" || q.Get("X-Amz-SignedHeaders") != "host" ||
		q.Get("X-Amz-Credential") != "AKIDEXAMPLE/20150830/eu-west-1/kafka-cluster/aws4_request" || q.Get("User-Agent") != "test-agent" {
		t.Fatalf("token URL %s", u)
	}
	sig := q.Get("X-Amz-Signature")
	q.Del("User-Agent")
	if want := verifySigV4(t, u.Host, q, suiteCreds.SecretAccessKey); sig != want {
		t.Fatalf("signature %s, an independent SigV4 computation gives %s", sig, want)
	}
}

// TestDefaultChainAndRegion: without Credentials the standard AWS chain
// supplies them (here from the environment), the region comes from
// AWS_REGION, else from the broker's host name; no region at all is a
// clear error.
func TestDefaultChainAndRegion(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-from-env")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	payloadOf := func(host string) (map[string]string, error) {
		m, err := Mechanism(context.Background(), Options{})
		if err != nil {
			return nil, err
		}
		_, p, err := m.Start(context.Background(), host)
		if err != nil {
			return nil, err
		}
		var f map[string]string
		return f, json.Unmarshal(p, &f)
	}
	f, err := payloadOf("b-2.demo.xyz.c3.kafka.ap-south-1.amazonaws.com:9098")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f["x-amz-credential"], "AKIDFROMENV/") || !strings.Contains(f["x-amz-credential"], "/ap-south-1/") {
		t.Fatalf("credential %q: not from the environment, or the region not from the host", f["x-amz-credential"])
	}
	t.Setenv("AWS_REGION", "us-west-2")
	if f, err = payloadOf("b-2.demo.xyz.c3.kafka.ap-south-1.amazonaws.com:9098"); err != nil || !strings.Contains(f["x-amz-credential"], "/us-west-2/") {
		t.Fatalf("AWS_REGION not used: %v %v", f, err)
	}
	t.Setenv("AWS_REGION", "")
	if _, err := payloadOf("localhost:9098"); err == nil || !strings.Contains(err.Error(), "no AWS region") {
		t.Fatalf("no region: %v", err)
	}
	if _, err := TokenSource(context.Background(), Options{}); err == nil {
		t.Fatal("TokenSource without a region accepted")
	}
	if _, err := Mechanism(context.Background(), Options{Region: "x", Expiry: time.Hour}); err == nil {
		t.Fatal("a 1 h expiry accepted")
	}
}
