// Package txn tests transactions against real Apache Kafka clusters of 3
// nodes with min.insync.replicas=2: the shared cluster runs transactions
// v2 (KIP-890, Kafka 4's default), and TestTransactionsV1 starts one
// formatted with transaction.version=1 and runs the same tests on it.
package txn

import (
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

// serverProps make the coordinator abort timed-out transactions within a
// second instead of Kafka's default ten.
var serverProps = map[string]string{
	"transaction.abort.timed.out.transaction.cleanup.interval.ms": "1000",
}

func TestMain(m *testing.M) {
	kafkatest.Main(m, kafkatest.Options{Nodes: 3, MinInsyncReplicas: 2, ServerProps: serverProps})
}
