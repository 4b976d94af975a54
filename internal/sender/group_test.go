package sender

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
)

// TestGroupCountsPerTopic: group counts a request's batches in the
// statistics once per topic, and the totals, per-topic sums and maxima
// are those of counting each batch: batches of two topics, interleaved,
// sent twice (the queue time is counted at the first attempt only).
func TestGroupCountsPerTopic(t *testing.T) {
	acc := accumulator.New(accumulator.Config{
		BatchSize: 16384, Linger: time.Hour, BufferMemory: 8 << 20, DeliveryTimeout: 10 * time.Hour, MaxBlock: time.Second,
		Wake: func(*accumulator.Partition) {}, Deliver: func(*accumulator.Batch) {},
	})
	defer acc.Close()
	ta, tb := acc.AddTopic("a"), acc.AddTopic("b")
	ta.SetPartitions(2, []int32{0, 1})
	tb.SetPartitions(1, []int32{0})
	put := func(p *accumulator.Partition, values ...string) {
		for _, v := range values {
			r := accumulator.Record{Timestamp: 1700000000000, Value: []byte(v)}
			if err := acc.Append(context.Background(), p, &r, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(ta.Partitions()[0], "one", "two", "three")
	put(tb.Partitions()[0], "a much longer value than the others")
	put(ta.Partitions()[1], "four", "five")
	var batches []*accumulator.Batch
	later := time.Now().Add(2 * time.Hour)
	for _, p := range []*accumulator.Partition{ta.Partitions()[0], tb.Partitions()[0], ta.Partitions()[1]} {
		res := p.Drain(later, 0, accumulator.NoProducer, false)
		if res.Batch == nil {
			t.Fatalf("%v: nothing drained", p)
		}
		batches = append(batches, res.Batch)
	}
	s := &Sender{}
	s.Stats.init()
	k := newSink(s, 1)
	topics := k.group(batches)
	var got [][]int32
	for _, tp := range topics {
		var ids []int32
		for _, p := range tp.parts {
			ids = append(ids, p.index)
		}
		got = append(got, ids)
	}
	if len(topics) != 2 || topics[0].name != "a" || topics[1].name != "b" || !slices.Equal(got[0], []int32{0, 1}) || !slices.Equal(got[1], []int32{0}) {
		t.Fatalf("request topics %v %v", topics, got)
	}
	k.group(batches) // a second attempt
	wire := func(bs ...*accumulator.Batch) (sum, most int64) {
		for _, b := range bs {
			sum += int64(len(b.Wire))
			most = max(most, int64(len(b.Wire)))
		}
		return sum, most
	}
	check := func(name string, g *Group, records, n int64, bs ...*accumulator.Batch) {
		t.Helper()
		sum, most := wire(bs...)
		if g.RecordsSent.Load() != 2*records || g.Batches.Count.Load() != 2*n || g.Batches.Sum.Load() != 2*sum ||
			g.Batches.Max.Load() != most || g.WireBytes.Load() != 2*sum || g.QueueTime.Count.Load() != n {
			t.Errorf("%s: records %d, batches %d sum %d max %d, wire %d, queue times %d; want %d, %d, %d, %d, %d, %d", name,
				g.RecordsSent.Load(), g.Batches.Count.Load(), g.Batches.Sum.Load(), g.Batches.Max.Load(), g.WireBytes.Load(),
				g.QueueTime.Count.Load(), 2*records, 2*n, 2*sum, most, 2*sum, n)
		}
		if g.RawBytes.Load() <= 0 || g.QueueTime.Sum.Load() <= 0 || g.QueueTime.Max.Load() < g.QueueTime.Sum.Load()/n {
			t.Errorf("%s: raw bytes %d, queue time sum %d max %d", name, g.RawBytes.Load(), g.QueueTime.Sum.Load(), g.QueueTime.Max.Load())
		}
	}
	check("total", &s.Stats.Total, 6, 3, batches...)
	check("a", s.Stats.Topic("a"), 5, 2, batches[0], batches[2])
	check("b", s.Stats.Topic("b"), 1, 1, batches[1])
	for _, b := range batches {
		if b.Attempts != 2 || b.QueueTime <= 0 || b.Broker != 1 {
			t.Errorf("batch %v: attempts %d, queue time %v, broker %d", b.P, b.Attempts, b.QueueTime, b.Broker)
		}
	}
}

// BenchmarkGroup measures group's work per batch for a request of 540
// batches of one topic, each of 10 records (the batches of a
// 1000-partition topic with random keys): headers, statistics and the
// request's topic layout.
func BenchmarkGroup(b *testing.B) {
	const parts = 540
	acc := accumulator.New(accumulator.Config{
		BatchSize: 16384, Linger: time.Hour, BufferMemory: 64 << 20, DeliveryTimeout: 10 * time.Hour, MaxBlock: time.Second,
		Wake: func(*accumulator.Partition) {}, Deliver: func(*accumulator.Batch) {},
	})
	defer acc.Close()
	tp := acc.AddTopic("bench")
	ids := make([]int32, parts)
	for i := range ids {
		ids[i] = int32(i)
	}
	tp.SetPartitions(parts, ids)
	value := make([]byte, 100)
	var batches []*accumulator.Batch
	for _, p := range tp.Partitions() {
		for range 10 {
			r := accumulator.Record{Timestamp: 1700000000000, Value: value}
			if err := acc.Append(context.Background(), p, &r, false); err != nil {
				b.Fatal(err)
			}
		}
		res := p.Drain(time.Now().Add(2*time.Hour), 0, accumulator.NoProducer, false)
		batches = append(batches, res.Batch)
	}
	s := &Sender{}
	s.Stats.init()
	k := newSink(s, 1)
	b.ResetTimer()
	for range b.N {
		k.group(batches)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*parts), "ns/batch")
}
