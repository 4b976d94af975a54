// Package fakecluster starts a kfake cluster and an internal/cluster
// client of it, for the unit tests of the layers below the root package
// (internal/sender, internal/txn). It imports nothing of the root
// package, which imports those layers (internal/itest does).
package fakecluster

import (
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/samsa-go/samsa/internal/wire"
	"github.com/twmb/franz-go/pkg/kfake"
)

// New starts a kfake cluster with opts and a cluster client of it with
// short backoffs; both close when the test ends.
func New(t testing.TB, opts ...kfake.Opt) (*kfake.Cluster, *cluster.Cluster) {
	t.Helper()
	kc, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	cl, err := cluster.New(cluster.Config{
		Bootstrap: kc.ListenAddrs(),
		Wire:      &wire.Options{ClientID: "fakecluster", DialTimeout: 5 * time.Second, RequestTimeout: 5 * time.Second, MaxInFlight: 6},
		Reconnect: cluster.Backoff{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond},
		MaxAge:    time.Minute, MaxIdle: time.Minute,
		RefreshBackoff: 5 * time.Millisecond, RefreshBackoffMax: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kc, cl
}
