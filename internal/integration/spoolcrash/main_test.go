package spoolcrash

import (
	"os"
	"testing"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(runChild())
	}
	kafkatest.Main(m, kafkatest.Options{Nodes: 3, MinInsyncReplicas: 2})
}
