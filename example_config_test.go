package samsa_test

import (
	"errors"
	"fmt"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/kerr"
)

// A configuration written for the Java client, with its property names.
// Keys that only mean something to the JVM, such as key.serializer, are
// accepted and ignored.
func ExampleConfigFromProperties() {
	cfg, err := samsa.ConfigFromProperties(map[string]string{
		"bootstrap.servers":  "broker1:9092,broker2",
		"acks":               "all",
		"linger.ms":          "20",
		"compression.type":   "zstd",
		"enable.idempotence": "true",
		"security.protocol":  "SASL_SSL",
		"sasl.mechanism":     "SCRAM-SHA-512",
		"sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required ` +
			`username="orders" password="s3cr3t";`,
		"key.serializer": "org.apache.kafka.common.serialization.StringSerializer",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.BootstrapServers, cfg.Acks, cfg.Linger, cfg.Compression)
	fmt.Println(cfg.SecurityProtocol, cfg.SASL.Mechanism, cfg.SASL.Username)
	// Output:
	// [broker1:9092 broker2] all 20ms zstd
	// SASL_SSL SCRAM-SHA-512 orders
}

// A misspelt key is reported with the nearest valid one.
func ExampleConfigFromProperties_typo() {
	_, err := samsa.ConfigFromProperties(map[string]string{
		"bootstrap.servers": "localhost:9092",
		"linger.mss":        "5",
	})
	fmt.Println(err)

	var ce *samsa.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.Key, "->", ce.Suggestion)
	}
	fmt.Println(errors.Is(err, samsa.ErrInvalidConfig))
	// Output:
	// samsa: invalid configuration: linger.mss: unknown producer property; did you mean "linger.ms"?
	// linger.mss -> linger.ms
	// true
}

// Validate reports settings that conflict, naming the Java keys.
func ExampleConfig_Validate() {
	cfg, _ := samsa.ConfigFromProperties(map[string]string{
		"bootstrap.servers":  "localhost:9092",
		"enable.idempotence": "true",
		"acks":               "1",
	})
	fmt.Println(cfg.Validate())
	// Output:
	// samsa: invalid configuration: acks (Config.Acks) = "1": must be all for the idempotent producer (enable.idempotence=true)
}

// A broker's error is a *samsa.KafkaError, which matches its kerr
// constant with errors.Is, whatever message the broker attached.
func ExampleKafkaError() {
	// err stands for an outcome the producer reported.
	err := fmt.Errorf("producing to orders[3]: %w",
		&samsa.KafkaError{Code: kerr.NotLeaderOrFollower, Message: "leader is now broker 2"})

	fmt.Println(errors.Is(err, kerr.NotLeaderOrFollower), samsa.IsRetriable(err))
	var ke *samsa.KafkaError
	if errors.As(err, &ke) {
		fmt.Println(ke.Code.Name(), "-", ke.Message)
	}
	fmt.Println(samsa.IsRetriable(kerr.TopicAuthorizationFailed))
	// Output:
	// true true
	// NOT_LEADER_OR_FOLLOWER - leader is now broker 2
	// false
}
