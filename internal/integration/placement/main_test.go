// Package placement checks that samsa's default partitioner places keyed
// records where Kafka's own Java producer places them, on a real broker.
package placement

import (
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

func TestMain(m *testing.M) { kafkatest.Main(m, kafkatest.Options{Nodes: 1}) }
