// Package singlenode tests the producer through its public API against a
// real one-node Apache Kafka cluster: records of every shape, every codec
// and every acks setting, read back with an independent client.
package singlenode

import (
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

func TestMain(m *testing.M) { kafkatest.Main(m, kafkatest.Options{Nodes: 1}) }
