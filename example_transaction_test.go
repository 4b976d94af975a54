package samsa_test

import (
	"context"
	"fmt"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/twmb/franz-go/pkg/kfake"
)

// A transactional producer: records produced inside Transact become
// visible to read_committed consumers together, when fn returns nil; an
// error (or a panic) aborts them.
func ExampleProducer_Transact() {
	broker, _ := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	defer broker.Close()
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = broker.ListenAddrs()
	cfg.TransactionalID = "order-writer-1"
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		panic(err)
	}
	defer p.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.InitTransactions(ctx); err != nil {
		panic(err)
	}
	err = p.Transact(ctx, func(ctx context.Context) error {
		p.Produce(ctx, samsa.Record{Topic: "orders", Value: []byte("order 1")}, nil)
		p.Produce(ctx, samsa.Record{Topic: "orders", Value: []byte("order 2")}, nil)
		return nil // commit
	})
	fmt.Println("committed:", err == nil)

	err = p.Transact(ctx, func(ctx context.Context) error {
		p.Produce(ctx, samsa.Record{Topic: "orders", Value: []byte("order 3")}, nil)
		return fmt.Errorf("payment declined")
	})
	fmt.Println("aborted:", err)
	// Output:
	// committed: true
	// aborted: payment declined
}
