// Package threenode tests the producer through its public API against a
// real three-node Apache Kafka cluster (replication factor 3,
// min.insync.replicas 2) whose brokers the tests kill and restart.
package threenode

import (
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

func TestMain(m *testing.M) {
	kafkatest.Main(m, kafkatest.Options{Nodes: 3, MinInsyncReplicas: 2})
}
