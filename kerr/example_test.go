package kerr_test

import (
	"errors"
	"fmt"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/kerr"
)

// A broker's error, as the producer reports it, matches its code with
// errors.Is; errors.As gives the code alone or the whole KafkaError with
// the broker's message.
func ExampleCode() {
	// err stands for a record's outcome.
	err := fmt.Errorf("record for payments[2]: %w",
		&samsa.KafkaError{Code: kerr.NotEnoughReplicas, Message: "2 in-sync replicas, 3 required"})

	fmt.Println(errors.Is(err, kerr.NotEnoughReplicas), errors.Is(err, kerr.NotLeaderOrFollower))
	var code kerr.Code
	if errors.As(err, &code) {
		fmt.Println(code.Name(), int16(code), code.Retriable())
	}
	var ke *samsa.KafkaError
	if errors.As(err, &ke) {
		fmt.Println(ke.Message)
	}
	// Output:
	// true false
	// NOT_ENOUGH_REPLICAS 19 true
	// 2 in-sync replicas, 3 required
}
