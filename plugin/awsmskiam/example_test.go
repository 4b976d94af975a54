package awsmskiam_test

import (
	"context"
	"log"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/plugin/awsmskiam"
)

// Connect to an MSK cluster's IAM listener (port 9098) with AWS_MSK_IAM
// and the standard AWS credential chain.
func ExampleMechanism() {
	ctx := context.Background()
	mech, err := awsmskiam.Mechanism(ctx, awsmskiam.Options{}) // region from AWS_REGION or the broker names
	if err != nil {
		log.Fatal(err)
	}
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = []string{"b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com:9098"}
	cfg.SecurityProtocol = samsa.SASLSSL
	cfg.SASL.Custom = mech
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(ctx)
}

// The same cluster with SASL/OAUTHBEARER and MSK IAM tokens, the
// mechanism AWS's non-Java signer libraries use.
func ExampleTokenSource() {
	ctx := context.Background()
	src, err := awsmskiam.TokenSource(ctx, awsmskiam.Options{Region: "us-east-1"})
	if err != nil {
		log.Fatal(err)
	}
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = []string{"b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com:9098"}
	cfg.SecurityProtocol = samsa.SASLSSL
	cfg.SASL.Mechanism = "OAUTHBEARER"
	cfg.SASL.TokenSource = src
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(ctx)
}
