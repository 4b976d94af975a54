package samsa_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/twmb/franz-go/pkg/kfake"
)

// startBroker starts an in-process Kafka-protocol broker (kfake) with the
// given single-partition topics, so that the examples run anywhere. Real
// programs point BootstrapServers at their cluster instead.
func startBroker(topics ...string) (addrs []string, stop func()) {
	return startBrokerPartitions(1, topics...)
}

func startBrokerPartitions(partitions int32, topics ...string) (addrs []string, stop func()) {
	c, err := kfake.NewCluster(kfake.SeedTopics(partitions, topics...))
	if err != nil {
		log.Fatal(err)
	}
	return c.ListenAddrs(), c.Close
}

// newProducer connects a producer with default settings to addrs.
func newProducer(addrs []string) *samsa.Producer {
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = addrs
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	return p
}

// Produce is asynchronous: the callback runs once the broker has the
// record (or the record failed). Flush waits for every callback.
func ExampleProducer_Produce() {
	addrs, stop := startBroker("orders")
	defer stop()
	p := newProducer(addrs)
	defer p.Close(context.Background())

	ctx := context.Background()
	var mu sync.Mutex
	var acked []string
	for i := range 3 {
		r := samsa.Record{Topic: "orders", Key: []byte("customer-42"), Value: []byte(fmt.Sprintf("order %d", i))}
		p.Produce(ctx, r, func(md samsa.RecordMetadata, err error) {
			if err != nil {
				log.Printf("order %d failed: %v", i, err)
				return
			}
			mu.Lock()
			acked = append(acked, md.String())
			mu.Unlock()
		})
	}
	if err := p.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Join(acked, "\n")) // one partition: callbacks run in order
	// Output:
	// orders[0]@0
	// orders[0]@1
	// orders[0]@2
}

// Send returns a Future: wait for it, select on its Done channel, or poll
// it with Result.
func ExampleProducer_Send() {
	addrs, stop := startBroker("events")
	defer stop()
	p := newProducer(addrs)
	defer p.Close(context.Background())
	ctx := context.Background()

	f := p.Send(ctx, samsa.Record{Topic: "events", Value: []byte("started")})
	md, err := f.Wait(ctx)
	fmt.Println("waited:", md, err)

	f = p.Send(ctx, samsa.Record{Topic: "events", Value: []byte("stopped")})
	select {
	case <-f.Done():
	case <-time.After(30 * time.Second):
		fmt.Println("no outcome within 30s")
	}
	if md, done, err := f.Result(); done {
		fmt.Println("done:", md, err)
	}
	// Output:
	// waited: events[0]@0 <nil>
	// done: events[0]@1 <nil>
}

// SendSync sends one record and waits for it; SendSyncAll sends several
// and returns each one's outcome, in order. A record that fails does not
// stop the others.
func ExampleProducer_SendSyncAll() {
	addrs, stop := startBroker("payments")
	defer stop()
	p := newProducer(addrs)
	defer p.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	md, err := p.SendSync(ctx, samsa.Record{Topic: "payments", Value: []byte("first")})
	fmt.Println(md, err)

	results := p.SendSyncAll(ctx, []samsa.Record{
		{Topic: "payments", Value: []byte("second")},
		{Topic: "payments", Partition: samsa.PartitionOf(5), Value: []byte("nowhere")}, // the topic has 1 partition
		{Topic: "payments", Value: []byte("third")},
	})
	for _, r := range results {
		if r.Err != nil {
			fmt.Println("error:", errors.Is(r.Err, samsa.ErrInvalidPartition))
			continue
		}
		fmt.Println(r.Metadata)
	}
	// Output:
	// payments[0]@0 <nil>
	// payments[0]@1
	// error: true
	// payments[0]@2
}

// Order is a value the typed producer below serializes as JSON.
type Order struct {
	ID     int     `json:"id"`
	Amount float64 `json:"amount"`
}

// A TypedProducer serializes keys and values; here string keys and JSON
// values.
func ExampleNewTypedProducer() {
	addrs, stop := startBroker("orders")
	defer stop()
	p := newProducer(addrs)
	defer p.Close(context.Background())

	orders := samsa.NewTypedProducer(p, samsa.StringSerializer(), samsa.JSONSerializer[Order]())
	md, err := orders.SendSync(context.Background(), samsa.TypedRecord[string, Order]{
		Topic: "orders", Key: "customer-7", Value: Order{ID: 1, Amount: 9.5},
	})
	fmt.Println(md, md.SerializedKeySize, md.SerializedValueSize, err)
	// Output: orders[0]@0 10 21 <nil>
}

// A custom Partitioner chooses the partition of records that do not name
// one. This one sends every key with the same first letter to the same
// partition.
func ExamplePartitionerFunc() {
	addrs, stop := startBrokerPartitions(4, "words")
	defer stop()
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = addrs
	cfg.Partitioner = samsa.PartitionerFunc(func(_ string, key []byte, all, _ []int32) int32 {
		if len(key) == 0 {
			return all[0]
		}
		h := fnv.New32a()
		h.Write(key[:1])
		return all[h.Sum32()%uint32(len(all))]
	})
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(context.Background())

	byPartition := map[int32][]string{}
	for _, w := range []string{"apple", "avocado", "banana", "blueberry", "cherry"} {
		md, err := p.SendSync(context.Background(), samsa.Record{Topic: "words", Key: []byte(w)})
		if err != nil {
			log.Fatal(err)
		}
		byPartition[md.Partition] = append(byPartition[md.Partition], w)
	}
	var groups []string
	for _, ws := range byPartition {
		groups = append(groups, strings.Join(ws, "+"))
	}
	sort.Strings(groups)
	fmt.Println(groups)
	// Output: [apple+avocado banana+blueberry cherry]
}

// auditor is a hook: a SendHook that stamps a header on every record and
// attaches the request id from the caller's context, and an AckHook that
// logs each outcome with that id.
type auditor struct {
	mu    sync.Mutex
	lines []string
}

type requestIDKey struct{}

func (a *auditor) OnSend(ctx context.Context, r *samsa.Record) context.Context {
	// Append to a copy: r.Headers may be the caller's, shared by records.
	r.Headers = append(r.Headers[:len(r.Headers):len(r.Headers)], samsa.Header{Key: "audited", Value: []byte("yes")})
	return ctx
}

func (a *auditor) OnAcknowledgement(ctx context.Context, ack *samsa.Ack) {
	id, _ := ctx.Value(requestIDKey{}).(string)
	a.mu.Lock()
	defer a.mu.Unlock()
	if ack.Err != nil {
		a.lines = append(a.lines, fmt.Sprintf("%s: failed: %v", id, errors.Is(ack.Err, samsa.ErrInvalidTopic)))
		return
	}
	a.lines = append(a.lines, fmt.Sprintf("%s: %s key=%s headers=%d", id, ack.Metadata, ack.Key, len(ack.Headers)))
}

// Hooks see every record before it is sent, and may change it, and every
// outcome with the context the record was produced with.
func ExampleHook() {
	addrs, stop := startBroker("audit")
	defer stop()
	a := &auditor{}
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = addrs
	cfg.Hooks = []samsa.Hook{a}
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(context.Background())

	ctx := context.WithValue(context.Background(), requestIDKey{}, "req-1")
	p.SendSync(ctx, samsa.Record{Topic: "audit", Key: []byte("alice"), Value: []byte("login")})
	ctx = context.WithValue(context.Background(), requestIDKey{}, "req-2")
	p.SendSync(ctx, samsa.Record{Topic: "not a valid name", Value: []byte("oops")})
	a.mu.Lock()
	fmt.Println(strings.Join(a.lines, "\n"))
	a.mu.Unlock()
	// Output:
	// req-1: audit[0]@0 key=alice headers=1
	// req-2: failed: true
}

// Records can carry headers, a timestamp, and an explicit partition.
func ExamplePartitionOf() {
	addrs, stop := startBrokerPartitions(3, "metrics")
	defer stop()
	p := newProducer(addrs)
	defer p.Close(context.Background())

	md, err := p.SendSync(context.Background(), samsa.Record{
		Topic:     "metrics",
		Partition: samsa.PartitionOf(2),
		Key:       []byte("cpu"),
		Value:     []byte("0.93"),
		Headers: []samsa.Header{
			{Key: "host", Value: []byte("db-1")},
			{Key: "unit", Value: []byte("ratio")},
		},
		Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	fmt.Println(md, md.Timestamp.UTC().Format(time.RFC3339), md.TimestampType, err)
	// Output: metrics[2]@0 2026-01-02T03:04:05Z CreateTime <nil>
}

// Flush and Close take contexts: give them a deadline so that shutting
// down cannot hang on an unreachable cluster. Records still undelivered
// when Close's context ends fail with ErrProducerClosed.
func ExampleProducer_Close() {
	addrs, stop := startBroker("logs")
	defer stop()
	p := newProducer(addrs)

	for i := range 100 {
		p.Produce(context.Background(), samsa.Record{Topic: "logs", Value: []byte(fmt.Sprint("line ", i))}, nil)
	}
	fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Flush(fctx); err != nil {
		log.Printf("flush: %v", err)
	}

	cctx, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	fmt.Println("close:", p.Close(cctx))
	_, err := p.SendSync(context.Background(), samsa.Record{Topic: "logs"})
	fmt.Println("after close:", errors.Is(err, samsa.ErrProducerClosed))
	// Output:
	// close: <nil>
	// after close: true
}

// Metrics returns the Java client's producer metrics by group and name.
func ExampleProducer_Metrics() {
	addrs, stop := startBroker("clicks")
	defer stop()
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = addrs
	cfg.BufferMemory = 1 << 20
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(context.Background())

	recs := make([]samsa.Record, 10)
	for i := range recs {
		recs[i] = samsa.Record{Topic: "clicks", Value: []byte("click")}
	}
	p.SendSyncAll(context.Background(), recs)

	m := p.Metrics()
	sent, _ := m.Value("producer-metrics", "record-send-total")
	topicSent, _ := m.Value("producer-topic-metrics", "record-send-total", "topic", "clicks")
	errs, _ := m.Value("producer-metrics", "record-error-total")
	total, _ := m.Value("producer-metrics", "buffer-total-bytes")
	fmt.Println(sent, topicSent, errs, total)
	// Output: 10 10 0 1.048576e+06
}
