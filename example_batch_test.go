package samsa_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Direct batch control: fill a batch until it reports full, send it to an
// explicit partition, and wait for the batch's one future.
func ExampleProducer_SendBatch() {
	broker, _ := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "events"))
	defer broker.Close()
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = broker.ListenAddrs()
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		panic(err)
	}
	defer p.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	batch := p.CreateBatch()
	for i := range 100 {
		err := batch.Append(samsa.Record{Key: []byte("k"), Value: fmt.Appendf(nil, "event %d", i)})
		if errors.Is(err, samsa.ErrBatchFull) {
			break // send this one and start another
		} else if err != nil {
			panic(err)
		}
	}
	mds, err := p.SendBatch(ctx, batch, samsa.TopicPartition{Topic: "events", Partition: 1}).Wait(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(mds), "records at offsets", mds[0].Offset, "to", mds[len(mds)-1].Offset, "of partition", mds[0].Partition)
	// Output: 100 records at offsets 0 to 99 of partition 1
}
