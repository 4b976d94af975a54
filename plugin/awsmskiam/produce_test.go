package awsmskiam

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/samsa-go/samsa"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fakeMSK is a kfake cluster that authenticates SASL the way MSK does:
// it offers one mechanism, checks the signature of each authentication
// (recomputed independently, with the secret key it knows), and records
// what it accepted.
type fakeMSK struct {
	c         *kfake.Cluster
	mechanism string
	secret    string

	mu       sync.Mutex
	accepted []url.Values
	refused  []string
}

func newFakeMSK(t *testing.T, mechanism, secret string) *fakeMSK {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	f := &fakeMSK{c: c, mechanism: mechanism, secret: secret}
	c.ControlKey(kmsg.SASLHandshake.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r := req.(*kmsg.SASLHandshakeRequest)
		resp := r.ResponseKind().(*kmsg.SASLHandshakeResponse)
		resp.SetVersion(r.GetVersion())
		resp.SupportedMechanisms = []string{mechanism}
		if r.Mechanism != mechanism {
			resp.ErrorCode = 33 // UNSUPPORTED_SASL_MECHANISM
		}
		return resp, nil, true
	})
	c.ControlKey(kmsg.SASLAuthenticate.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r := req.(*kmsg.SASLAuthenticateRequest)
		resp := r.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.SetVersion(r.GetVersion())
		host, q, err := f.parse(r.SASLAuthBytes)
		f.mu.Lock()
		defer f.mu.Unlock()
		if err == "" && q.Get("X-Amz-Signature") != verifySigV4(t, host, withoutUserAgent(q), f.secret) {
			err = "signature does not match"
		}
		if err != "" {
			f.refused = append(f.refused, err)
			resp.ErrorCode = 58 // SASL_AUTHENTICATION_FAILED
			resp.ErrorMessage = &err
			return resp, nil, true
		}
		f.accepted = append(f.accepted, q)
		if mechanism == MechanismName {
			resp.SASLAuthBytes = []byte(`{"version":"2020_10_22","request-id":"req-1"}`)
		}
		resp.SessionLifetimeMillis = int64(time.Hour / time.Millisecond)
		return resp, nil, true
	})
	return f
}

func withoutUserAgent(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		if k != "User-Agent" {
			c[k] = v
		}
	}
	return c
}

// parse returns the signed host and query of an authentication message.
func (f *fakeMSK) parse(msg []byte) (string, url.Values, string) {
	if f.mechanism == MechanismName {
		var fields map[string]string
		if json.Unmarshal(msg, &fields) != nil || fields["version"] != "2020_10_22" || fields["action"] != "kafka-cluster:Connect" {
			return "", nil, "not an AWS_MSK_IAM payload"
		}
		q := url.Values{"Action": {fields["action"]}}
		for _, k := range []string{"Algorithm", "Credential", "Date", "Expires", "SignedHeaders", "Signature", "Security-Token"} {
			if v, ok := fields["x-amz-"+strings.ToLower(k)]; ok {
				q.Set("X-Amz-"+k, v)
			}
		}
		return fields["host"], q, ""
	}
	// OAUTHBEARER: n,,^Aauth=Bearer <token>^A^A
	_, after, ok := bytes.Cut(msg, []byte("auth=Bearer "))
	tok, _, ok2 := bytes.Cut(after, []byte{1})
	raw, err := base64.RawURLEncoding.DecodeString(string(tok))
	if !ok || !ok2 || err != nil {
		return "", nil, "not an OAUTHBEARER message with a base64url token"
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		return "", nil, "the token is not a URL"
	}
	return u.Host, u.Query(), ""
}

// TestProduceWithIAM produces through each mechanism to a broker that
// checks every signature: the records are acknowledged, and wrong
// credentials are refused with the broker's error.
func TestProduceWithIAM(t *testing.T) {
	const secret = "test-secret-key"
	for _, mech := range []string{MechanismName, "OAUTHBEARER"} {
		t.Run(mech, func(t *testing.T) {
			msk := newFakeMSK(t, mech, secret)
			produce := func(secretKey string) error {
				opts := Options{Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{
					AccessKeyID: "AKIDTEST", SecretAccessKey: secretKey, SessionToken: "tok"}}, Region: "us-east-1"}
				cfg := samsa.DefaultConfig()
				cfg.BootstrapServers = msk.c.ListenAddrs()
				cfg.SecurityProtocol = samsa.SASLPlaintext
				cfg.MaxBlock = 5 * time.Second
				var err error
				if mech == MechanismName {
					cfg.SASL.Custom, err = Mechanism(context.Background(), opts)
				} else {
					cfg.SASL.Mechanism = "OAUTHBEARER"
					cfg.SASL.TokenSource, err = TokenSource(context.Background(), opts)
				}
				if err != nil {
					t.Fatal(err)
				}
				p, err := samsa.NewProducer(cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close(context.Background())
				for i := range 10 {
					if _, err := p.SendSync(context.Background(), samsa.Record{Topic: "orders", Value: []byte{byte(i)}}); err != nil {
						return err
					}
				}
				return nil
			}
			if err := produce(secret); err != nil {
				t.Fatalf("producing with IAM authentication: %v (refused: %v)", err, msk.refused)
			}
			msk.mu.Lock()
			n := len(msk.accepted)
			msk.mu.Unlock()
			if n == 0 {
				t.Fatal("no authentication reached the broker")
			}
			err := produce("wrong-secret")
			if err == nil || !strings.Contains(err.Error(), "signature does not match") {
				t.Fatalf("wrong secret: %v", err)
			}
			if strings.Contains(err.Error(), "wrong-secret") {
				t.Fatalf("the error shows the secret key: %v", err)
			}
		})
	}
}
