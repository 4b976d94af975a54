package samsa

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestManyBrokersRequestReuse sends many small requests to several
// brokers at once. Produce requests are recycled once answered; run with
// -race, this catches a sender that touches a request after handing it to
// the connection (whose response may already have recycled it for
// another broker).
func TestManyBrokersRequestReuse(t *testing.T) {
	fake := fakeCluster(t, kfake.NumBrokers(3), kfake.SeedTopics(6, "reuse"))
	p := testProducer(t, fake.ListenAddrs(), func(c *Config) { c.Linger = 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const perPartition = 200
	var wg sync.WaitGroup
	for part := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perPartition {
				md, err := p.SendSync(ctx, Record{Topic: "reuse", Partition: PartitionOf(int32(part)), Value: []byte(fmt.Sprint(i))})
				if err != nil || md.Offset != int64(i) {
					t.Errorf("partition %d record %d: %v at %d", part, i, err, md.Offset)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := len(consumeAll(t, fake.ListenAddrs(), "reuse", 6*perPartition)); got != 6*perPartition {
		t.Fatalf("read %d records, want %d", got, 6*perPartition)
	}
}
