package compat

import (
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/kafkatest"
)

// serverProps make the coordinator abort timed-out transactions within a
// second, and the controller move leaders back to their preferred replica
// only when a test asks.
var serverProps = map[string]string{
	"transaction.abort.timed.out.transaction.cleanup.interval.ms": "1000",
	"auto.leader.rebalance.enable":                                "false",
	// Quotas measured over 2 windows of 1 s: a test that goes over a quota
	// is throttled within a second, for at most 2 s at a time.
	"quota.window.num":          "2",
	"quota.window.size.seconds": "1",
}

func TestMain(m *testing.M) {
	// Three brokers (and a ZooKeeper) of an old version without a
	// class-data archive can take a while on a loaded machine: give each
	// start four minutes rather than two.
	kafkatest.Main(m, kafkatest.Options{Nodes: 3, MinInsyncReplicas: 2, ServerProps: serverProps, ReadyTimeout: 4 * time.Minute})
}
