// Package samsa is a Kafka producer client.
//
// A Producer batches records per partition in Kafka's record batch v2
// format, compresses them, and sends them to the partition leaders with
// retries, idempotence and transactions. Records are encoded into their
// batch when they are produced, so the caller may reuse a record's key,
// value and header buffers as soon as Produce returns.
//
// Start from DefaultConfig (or ConfigFromProperties with the Java client's
// property names), then create a Producer:
//
//	cfg := samsa.DefaultConfig()
//	cfg.BootstrapServers = []string{"localhost:9092"}
//	p, err := samsa.NewProducer(cfg)
//	if err != nil { ... }
//	defer p.Close(context.Background())
//	p.Produce(ctx, samsa.Record{Topic: "events", Value: []byte("hello")},
//		func(md samsa.RecordMetadata, err error) { ... })
//
// Every record handed to the producer gets exactly one outcome: its
// callback (or Future) reports either the record's metadata or an error.
// Callbacks run on the producer's own goroutines, in each partition's
// Produce order; keep them short. A callback may call Produce or Send
// (which there do not wait for buffer memory), but not the calls that
// wait for outcomes (Flush, SendSync, Future.Wait, CommitTransaction,
// AbortTransaction, Transact): those would wait for the callback itself, and return
// ErrInsideCallback. Close there does not wait.
//
// Errors work with errors.Is and errors.As: the producer's own errors are
// the Err values of this package, and a broker's error is a *KafkaError
// that matches its code's constant in package kerr, as in
// errors.Is(err, kerr.NotLeaderOrFollower).
package samsa
