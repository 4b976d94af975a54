package soak

import (
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

func TestMain(m *testing.M) {
	kafkatest.Main(m, kafkatest.Options{Nodes: 3, MinInsyncReplicas: 2})
}
