package awsmskiam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// AWS's published SigV4 test suite (aws-sig-v4-test-suite): credentials,
// date, region and service shared by its cases.
var (
	suiteCreds  = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	suiteTime   = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	suiteRegion = "us-east-1"
)

// TestSigV4TestVectors signs the suite's requests with the signer this
// package uses and compares the Authorization header with the one AWS
// publishes for each case.
func TestSigV4TestVectors(t *testing.T) {
	for _, tc := range []struct {
		name, method, target, body, token, signed, signature string
		header                                               http.Header
	}{
		{name: "get-vanilla", method: "GET", target: "/", signed: "host;x-amz-date",
			signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{name: "get-vanilla-query-order-key-case", method: "GET", target: "/?Param2=value2&Param1=value1", signed: "host;x-amz-date",
			signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
		{name: "get-vanilla-query-order-value", method: "GET", target: "/?Param1=value2&Param1=value1", signed: "host;x-amz-date",
			signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
		{name: "get-unreserved", method: "GET", target: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", signed: "host;x-amz-date",
			signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
		{name: "post-x-www-form-urlencoded", method: "POST", target: "/", body: "Param1=value1", signed: "content-type;host;x-amz-date",
			header:    http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
		{name: "get-vanilla with a session token", method: "GET", target: "/", signed: "host;x-amz-date;x-amz-security-token",
			token:     "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
			signature: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, "https://example.amazonaws.com"+tc.target, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header[k] = v
			}
			// The suite's request has no Content-Length header, which the
			// signer would sign when the request says its length.
			req.ContentLength = 0
			creds := suiteCreds
			creds.SessionToken = tc.token
			sum := sha256.Sum256([]byte(tc.body))
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "service", suiteRegion, suiteTime); err != nil {
				t.Fatal(err)
			}
			want := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
				tc.signed + ", Signature=" + tc.signature
			if got := req.Header.Get("Authorization"); got != want {
				t.Fatalf("Authorization:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestPresignVector checks presigning, which both mechanisms use, against
// AWS's documented query-string authentication example (S3, GET
// /test.txt, 2013-05-24, valid 86400 s, unsigned payload).
func TestPresignVector(t *testing.T) {
	req, err := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", "86400")
	req.URL.RawQuery = q.Encode()
	creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	signed, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).PresignHTTP(context.Background(), creds, req,
		"UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	const want = "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	if !strings.Contains(signed, want) {
		t.Fatalf("presigned URL %s\nlacks %s", signed, want)
	}
}
