package awsmskiam

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/samsa-go/samsa"
)

// The values MSK's IAM authentication expects.
const (
	// MechanismName is the SASL mechanism's name.
	MechanismName = "AWS_MSK_IAM"
	// payloadVersion is the authentication payload's version.
	payloadVersion = "2020_10_22"
	// signingName is the SigV4 service name.
	signingName = "kafka-cluster"
	// action is the IAM action a connection performs.
	action = "kafka-cluster:Connect"
	// DefaultExpiry is how long a signature is valid, as in AWS's
	// libraries (X-Amz-Expires=900).
	DefaultExpiry = 15 * time.Minute
)

// emptyPayloadHash is the SHA-256 of an empty body: the presigned GET
// request has none.
var emptyPayloadHash = func() string { h := sha256.Sum256(nil); return hex.EncodeToString(h[:]) }()

// Options configure the mechanism and the token source.
type Options struct {
	// Credentials sign the requests. Nil means the standard AWS
	// credential chain (config.LoadDefaultConfig).
	Credentials aws.CredentialsProvider
	// Region is the cluster's AWS region. Empty means the region of the
	// AWS configuration (AWS_REGION, the profile's region), and for
	// AWS_MSK_IAM then the region in the broker's host name
	// (b-1.cluster.abc123.c2.kafka.us-east-1.amazonaws.com).
	Region string
	// UserAgent is sent with the payload; empty means
	// "samsa-awsmskiam/<go version>".
	UserAgent string
	// Expiry is how long a signature is valid; 0 means DefaultExpiry.
	// AWS accepts up to 15 minutes for these requests.
	Expiry time.Duration
	// ConfigOptions are passed to config.LoadDefaultConfig when
	// Credentials is nil (a profile, shared config files, ...).
	ConfigOptions []func(*config.LoadOptions) error

	now func() time.Time // for tests
}

// resolved is Options with the defaults filled in.
type resolved struct {
	creds     aws.CredentialsProvider
	region    string
	userAgent string
	expiry    time.Duration
	now       func() time.Time
	signer    *v4.Signer
}

// resolve loads the default AWS configuration if needed.
func (o Options) resolve(ctx context.Context) (*resolved, error) {
	r := &resolved{creds: o.Credentials, region: o.Region, userAgent: o.UserAgent, expiry: o.Expiry, now: o.now, signer: v4.NewSigner()}
	if r.creds == nil || r.region == "" {
		cfg, err := config.LoadDefaultConfig(ctx, o.ConfigOptions...)
		if err != nil {
			return nil, fmt.Errorf("awsmskiam: loading the AWS configuration: %w", err)
		}
		if r.creds == nil {
			r.creds = cfg.Credentials
		}
		if r.region == "" {
			r.region = cfg.Region
		}
	}
	if r.creds == nil {
		return nil, errors.New("awsmskiam: no AWS credentials provider")
	}
	if r.userAgent == "" {
		r.userAgent = "samsa-awsmskiam/" + runtime.Version()
	}
	switch {
	case r.expiry == 0:
		r.expiry = DefaultExpiry
	case r.expiry < time.Second || r.expiry > DefaultExpiry:
		return nil, fmt.Errorf("awsmskiam: Expiry %v: must be from 1 s to 15 min", o.Expiry)
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r, nil
}

// presign signs GET https://host/?Action=kafka-cluster:Connect (plus
// extra query parameters, which are signed too) for region at time t and
// returns the presigned URL's query.
func (r *resolved) presign(ctx context.Context, host, region string, t time.Time) (url.Values, error) {
	creds, err := r.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("awsmskiam: retrieving AWS credentials: %w", err)
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return nil, errors.New("awsmskiam: the AWS credentials have no access key id or secret access key")
	}
	q := url.Values{"Action": {action}, "X-Amz-Expires": {strconv.Itoa(int(r.expiry / time.Second))}}
	u := url.URL{Scheme: "https", Host: host, Path: "/", RawQuery: q.Encode()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("awsmskiam: %w", err)
	}
	signed, _, err := r.signer.PresignHTTP(ctx, creds, req, emptyPayloadHash, signingName, region, t.UTC())
	if err != nil {
		return nil, fmt.Errorf("awsmskiam: signing: %w", err)
	}
	su, err := url.Parse(signed)
	if err != nil {
		return nil, fmt.Errorf("awsmskiam: the signed URL: %w", err)
	}
	return su.Query(), nil
}

// regionOf returns the region in an MSK broker's host name, which ends in
// .<region>.amazonaws.com (or .amazonaws.com.cn).
func regionOf(host string) (string, bool) {
	for _, suffix := range []string{".amazonaws.com", ".amazonaws.com.cn"} {
		if rest, ok := strings.CutSuffix(host, suffix); ok {
			if i := strings.LastIndexByte(rest, '.'); i >= 0 && i+1 < len(rest) {
				return rest[i+1:], true
			}
		}
	}
	return "", false
}

// hostOnly drops the port of host:port.
func hostOnly(broker string) string {
	if h, _, err := net.SplitHostPort(broker); err == nil {
		return h
	}
	return broker
}

// Mechanism returns the AWS_MSK_IAM mechanism for Config.SASL.Custom. It
// loads the default AWS configuration now when opts.Credentials is nil (or
// to find the region); credentials are retrieved for every
// authentication, so a caching provider (the default chain's is) keeps
// them fresh.
func Mechanism(ctx context.Context, opts Options) (samsa.SASLMechanism, error) {
	r, err := opts.resolve(ctx)
	if err != nil {
		return nil, err
	}
	return &mechanism{r: r}, nil
}

type mechanism struct{ r *resolved }

func (m *mechanism) Name() string { return MechanismName }

// String names the mechanism and region, no credentials.
func (m *mechanism) String() string { return MechanismName + "(region=" + m.r.region + ")" }

// Start builds the authentication payload for the broker at broker
// (host:port): a JSON object of the presigned request's query parameters
// with lower-case keys, plus version, host and user-agent.
func (m *mechanism) Start(ctx context.Context, broker string) (samsa.SASLSession, []byte, error) {
	payload, err := m.r.payload(ctx, hostOnly(broker))
	if err != nil {
		return nil, nil, err
	}
	return session{}, payload, nil
}

// payload is the AWS_MSK_IAM authentication payload for host.
func (r *resolved) payload(ctx context.Context, host string) ([]byte, error) {
	region := r.region
	if region == "" {
		var ok bool
		if region, ok = regionOf(host); !ok {
			return nil, fmt.Errorf("awsmskiam: no AWS region: set Options.Region or AWS_REGION (the broker %q names none)", host)
		}
	}
	q, err := r.presign(ctx, host, region, r.now())
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	for k, v := range q {
		fields[strings.ToLower(k)] = v[0]
	}
	fields["version"] = payloadVersion
	fields["host"] = host
	fields["user-agent"] = r.userAgent
	return json.Marshal(fields)
}

// session waits for the broker's answer: a JSON object with the request
// id on success (the broker fails the exchange otherwise).
type session struct{}

func (session) Next(_ context.Context, challenge []byte) (bool, []byte, error) {
	if len(challenge) == 0 {
		return false, nil, errors.New("awsmskiam: the broker accepted AWS_MSK_IAM without the response it sends on success")
	}
	var resp struct {
		Version   string `json:"version"`
		RequestID string `json:"request-id"`
	}
	if err := json.Unmarshal(challenge, &resp); err != nil {
		return false, nil, fmt.Errorf("awsmskiam: the broker's AWS_MSK_IAM response is not JSON: %w", err)
	}
	return true, nil, nil
}

// TokenSource returns the function for Config.SASL.TokenSource that makes
// MSK IAM OAUTHBEARER tokens: a SigV4 presigned URL for
// https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect with
// a User-Agent parameter added after signing, base64url-encoded without
// padding, as aws-msk-iam-sasl-signer does. The region is Options.Region
// or the AWS configuration's; it is required.
func TokenSource(ctx context.Context, opts Options) (func(context.Context) (samsa.OAuthToken, error), error) {
	r, err := opts.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if r.region == "" {
		return nil, errors.New("awsmskiam: TokenSource needs a region: set Options.Region or AWS_REGION")
	}
	return func(ctx context.Context) (samsa.OAuthToken, error) {
		tok, err := r.token(ctx)
		return samsa.OAuthToken{Token: tok}, err
	}, nil
}

// token is one MSK IAM OAUTHBEARER token.
func (r *resolved) token(ctx context.Context) (string, error) {
	host := "kafka." + r.region + ".amazonaws.com"
	q, err := r.presign(ctx, host, r.region, r.now())
	if err != nil {
		return "", err
	}
	q.Set("User-Agent", r.userAgent)
	u := url.URL{Scheme: "https", Host: host, Path: "/", RawQuery: q.Encode()}
	return base64.RawURLEncoding.EncodeToString([]byte(u.String())), nil
}
