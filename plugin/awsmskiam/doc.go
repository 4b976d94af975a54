// Package awsmskiam authenticates samsa producers to Amazon MSK clusters
// with AWS IAM, for both SASL mechanisms MSK offers for it:
//
//   - AWS_MSK_IAM, MSK's own mechanism (port 9098 for IAM over TLS): the
//     client sends a JSON authentication payload holding a SigV4
//     presigned request for the kafka-cluster:Connect action against the
//     broker's host name, as AWS's aws-msk-iam-auth library does.
//     Mechanism returns it for Config.SASL.Custom.
//   - OAUTHBEARER with an MSK IAM token: a SigV4 presigned URL for
//     kafka.<region>.amazonaws.com, base64url-encoded, as AWS's
//     aws-msk-iam-sasl-signer libraries make it. TokenSource returns the
//     function for Config.SASL.TokenSource.
//
// Credentials come from the standard AWS credential chain
// (aws-sdk-go-v2's config.LoadDefaultConfig: environment, shared config
// and credentials files with profiles, SSO, web identity, ECS and EC2
// roles), or from any aws.CredentialsProvider. Signing uses aws-sdk-go-v2's
// SigV4 signer; the tests check it against AWS's published SigV4 test
// vectors and check the payload against an independent computation of
// the documented canonical request.
//
// This is a module of its own, so that the core samsa module has no AWS
// dependency.
package awsmskiam
