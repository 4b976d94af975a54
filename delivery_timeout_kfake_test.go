package samsa

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/kerr"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestDeliveryTimeoutWithoutAttempt: a record that times out while its
// cluster is unreachable, never sent, reports no attempt and no broker
// error: DeliveryTimeoutError.Last must not claim an error code the broker
// never sent (it said UNKNOWN_SERVER_ERROR), and must not be retriable,
// since the record was certainly not written.
func TestDeliveryTimeoutWithoutAttempt(t *testing.T) {
	fake := fakeCluster(t, kfake.SeedTopics(1, "gone"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) {
		c.DeliveryTimeout, c.RequestTimeout, c.Linger = 2*time.Second, time.Second, 0
	})
	ctx := context.Background()
	if _, err := p.SendSync(ctx, Record{Topic: "gone", Value: []byte("warm-up")}); err != nil {
		t.Fatal(err)
	}
	fake.Close()
	time.Sleep(200 * time.Millisecond) // let the connections see the close
	_, err := p.SendSync(ctx, Record{Topic: "gone", Value: []byte("never sent")})
	var dt *DeliveryTimeoutError
	if !errors.As(err, &dt) {
		t.Fatalf("got %v, want a DeliveryTimeoutError", err)
	}
	if errors.Is(err, kerr.UnknownServerError) || strings.Contains(err.Error(), "UNKNOWN_SERVER_ERROR") {
		t.Errorf("error %q claims UNKNOWN_SERVER_ERROR, which no broker sent", err)
	}
	if dt.Attempts == 0 && dt.Last != nil && IsRetriable(dt.Last) {
		t.Errorf("Last %v is retriable, which says the unsent record may have been written", dt.Last)
	}
	t.Logf("outcome: %v", err)
}
