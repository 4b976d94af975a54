package samsa

import (
	"bufio"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/samsa-go/samsa/internal/hashing"
)

// partitioningVectors holds tables written by the real Java client, sarama
// and librdkafka; see testdata/partitioning/README.md.
var partitioningVectors = filepath.Join("testdata", "partitioning")

// vectorPartitionCounts are the partition counts of the tables' pN columns.
var vectorPartitionCounts = []int32{1, 3, 6, 7, 100, 1000}

func readVectorTable(t testing.TB, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(partitioningVectors, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no rows", name)
	}
	return rows
}

// vectorKey decodes a table's hex key: "null" is a nil key, "" an empty
// non-nil key.
func vectorKey(t testing.TB, s string) []byte {
	t.Helper()
	if s == "null" {
		return nil
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("key %q: %v", s, err)
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

func mustInt32(t testing.TB, s string) int32 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return int32(n)
}

// partitionList returns [0, 1, ..., n-1].
func partitionList(n int32) []int32 {
	all := make([]int32, n)
	for i := range all {
		all[i] = int32(i)
	}
	return all
}

// someAvailable returns a non-empty subset of all, to show that keyed
// partitioners ignore availability.
func someAvailable(all []int32) []int32 {
	if len(all) < 2 {
		return all
	}
	return all[len(all)/2:]
}

// checkTable runs every row of a vector table through p, for every
// partition count, and compares with column col(i) for count i. skip
// reports keys that p does not hash (it partitions them randomly).
func checkTable(t *testing.T, name string, p Partitioner, table string, col func(i int) int, skip func(key []byte) bool) {
	t.Helper()
	rows := readVectorTable(t, table)
	if len(rows) < 1000 {
		t.Fatalf("%s has %d rows, want at least 1000", table, len(rows))
	}
	lists := make([][]int32, len(vectorPartitionCounts))
	for i, n := range vectorPartitionCounts {
		lists[i] = partitionList(n)
	}
	checked := 0
	for _, r := range rows {
		key := vectorKey(t, r[0])
		if skip != nil && skip(key) {
			continue
		}
		for i := range vectorPartitionCounts {
			want := mustInt32(t, r[col(i)])
			for _, avail := range [][]int32{lists[i], nil, someAvailable(lists[i])} {
				if got := p.Partition("t", key, lists[i], avail); got != want {
					t.Fatalf("%s: key %q, %d partitions, %d available: got %d, want %d",
						name, r[0], len(lists[i]), len(avail), got, want)
				}
			}
		}
		checked++
	}
	if checked < 1000 {
		t.Fatalf("%s: only %d keys checked", name, checked)
	}
}

func isNil(key []byte) bool     { return key == nil }
func isEmpty(key []byte) bool   { return len(key) == 0 }
func javaCol(i int) int         { return 2 + i }
func saramaCol(i int) int       { return 2 + i }
func rdConsistentCol(i int) int { return 1 + i }
func rdMurmur2Col(i int) int    { return 1 + len(vectorPartitionCounts) + i }
func rdFNV1aCol(i int) int      { return 1 + 2*len(vectorPartitionCounts) + i }

// TestPartitionerJavaMurmur2Vectors: the murmur2 partitioners put every
// key of keys.tsv where Java's BuiltInPartitioner.partitionForKey does.
func TestPartitionerJavaMurmur2Vectors(t *testing.T) {
	checkTable(t, "Murmur2Partitioner", Murmur2Partitioner(), "keys.tsv", javaCol, nil)
	checkTable(t, "Murmur2RandomPartitioner", Murmur2RandomPartitioner(), "keys.tsv", javaCol, nil)
}

// TestPartitionerLibrdkafkaVectors: the librdkafka-named partitioners
// agree with librdkafka's own partitioner functions, including for a NULL
// key where the non-random ones hash it.
func TestPartitionerLibrdkafkaVectors(t *testing.T) {
	checkTable(t, "ConsistentPartitioner", ConsistentPartitioner(), "librdkafka.tsv", rdConsistentCol, nil)
	checkTable(t, "ConsistentRandomPartitioner", ConsistentRandomPartitioner(), "librdkafka.tsv", rdConsistentCol, isEmpty)
	checkTable(t, "Murmur2Partitioner", Murmur2Partitioner(), "librdkafka.tsv", rdMurmur2Col, nil)
	checkTable(t, "Murmur2RandomPartitioner", Murmur2RandomPartitioner(), "librdkafka.tsv", rdMurmur2Col, isNil)
	checkTable(t, "FNV1aPartitioner", FNV1aPartitioner(), "librdkafka.tsv", rdFNV1aCol, nil)
	checkTable(t, "FNV1aRandomPartitioner", FNV1aRandomPartitioner(), "librdkafka.tsv", rdFNV1aCol, isNil)
}

// TestPartitionerSaramaVectors: SaramaHashPartitioner, and
// FNV1aRandomPartitioner, agree with sarama.NewHashPartitioner.
func TestPartitionerSaramaVectors(t *testing.T) {
	checkTable(t, "SaramaHashPartitioner", SaramaHashPartitioner(), "sarama.tsv", saramaCol, nil)
	checkTable(t, "FNV1aRandomPartitioner", FNV1aRandomPartitioner(), "sarama.tsv", saramaCol, nil)
}

// TestPartitionerNullKeysHashed pins where the non-random partitioners
// send a null key: where they send an empty key.
func TestPartitionerNullKeysHashed(t *testing.T) {
	all := partitionList(1000)
	cases := []struct {
		name string
		p    Partitioner
		want int32
	}{
		{"Murmur2Partitioner", Murmur2Partitioner(), 681},     // murmur2("") = 275646681
		{"ConsistentPartitioner", ConsistentPartitioner(), 0}, // crc32("") = 0
		{"FNV1aPartitioner", FNV1aPartitioner(), 35},          // |int32(0x811c9dc5)| = 2128831035
	}
	for _, c := range cases {
		for _, key := range [][]byte{nil, {}} {
			if got := c.p.Partition("t", key, all, all[:10]); got != c.want {
				t.Errorf("%s: key %#v: got %d, want %d", c.name, key, got, c.want)
			}
		}
	}
}

// randomSpread calls p many times and checks that every result is in
// want and that every element of want came up.
func randomSpread(t *testing.T, name string, p Partitioner, key []byte, all, available, want []int32) {
	t.Helper()
	seen := make(map[int32]int)
	for range 2000 {
		seen[p.Partition("t", key, all, available)]++
	}
	for part := range seen {
		found := false
		for _, w := range want {
			found = found || w == part
		}
		if !found {
			t.Errorf("%s: key %#v chose partition %d, not one of %v", name, key, part, want)
		}
	}
	for _, w := range want {
		if seen[w] == 0 {
			t.Errorf("%s: key %#v never chose partition %d in 2000 tries (%v)", name, key, w, seen)
		}
	}
}

// TestPartitionerRandomKeys checks which keys each partitioner spreads at
// random, and that random choices stay within the available partitions,
// or within all of them when none is available.
func TestPartitionerRandomKeys(t *testing.T) {
	all := partitionList(8)
	avail := []int32{1, 4, 6}
	randomForNil := map[string]Partitioner{
		"Murmur2RandomPartitioner":    Murmur2RandomPartitioner(),
		"ConsistentRandomPartitioner": ConsistentRandomPartitioner(),
		"FNV1aRandomPartitioner":      FNV1aRandomPartitioner(),
		"SaramaHashPartitioner":       SaramaHashPartitioner(),
		"RandomPartitioner":           RandomPartitioner(),
		"HashPartitioner":             HashPartitioner(func([]byte, int32) int32 { return 5 }),
	}
	for name, p := range randomForNil {
		randomSpread(t, name, p, nil, all, avail, avail)
		randomSpread(t, name, p, nil, all, nil, all)
	}
	// Empty keys: only consistent_random (and RandomPartitioner) spread them.
	randomSpread(t, "ConsistentRandomPartitioner", ConsistentRandomPartitioner(), []byte{}, all, avail, avail)
	randomSpread(t, "RandomPartitioner", RandomPartitioner(), []byte("key"), all, avail, avail)
	emptyHashed := []struct {
		name string
		p    Partitioner
		want int32
	}{
		{"Murmur2RandomPartitioner", Murmur2RandomPartitioner(), hashing.KafkaPartition(nil, 8)},
		{"FNV1aRandomPartitioner", FNV1aRandomPartitioner(), hashing.RdkafkaFNV1aPartition(nil, 8)},
		{"SaramaHashPartitioner", SaramaHashPartitioner(), hashing.SaramaPartition(nil, 8)},
		{"HashPartitioner", HashPartitioner(func(k []byte, n int32) int32 { return int32(len(k)) + n - 8 }), 0},
	}
	for _, c := range emptyHashed {
		for range 50 {
			if got := c.p.Partition("t", []byte{}, all, avail); got != c.want {
				t.Fatalf("%s: empty key: got %d, want %d (hashed)", c.name, got, c.want)
			}
		}
	}
}

func TestHashPartitioner(t *testing.T) {
	var gotN int32
	var gotKey []byte
	p := HashPartitioner(func(key []byte, n int32) int32 {
		gotKey, gotN = key, n
		return n + 1 // out of range on purpose
	})
	all := partitionList(12)
	if got := p.Partition("t", []byte("abc"), all, all[:2]); got != 13 {
		t.Errorf("Partition = %d, want the hash's 13 unchanged", got)
	}
	if gotN != 12 || string(gotKey) != "abc" {
		t.Errorf("hash called with (%q, %d), want (\"abc\", 12)", gotKey, gotN)
	}
	defer func() {
		if recover() == nil {
			t.Error("HashPartitioner(nil) did not panic")
		}
	}()
	HashPartitioner(nil)
}

// TestPartitionerEmptyAll: no panic (division by zero) when all is empty.
func TestPartitionerEmptyAll(t *testing.T) {
	for name, p := range allPartitioners() {
		for _, key := range [][]byte{nil, {}, []byte("k")} {
			if got := p.Partition("t", key, nil, nil); got != -1 {
				t.Errorf("%s: key %#v, no partitions: got %d, want -1", name, key, got)
			}
		}
	}
}

func allPartitioners() map[string]Partitioner {
	return map[string]Partitioner{
		"RoundRobinPartitioner":       RoundRobinPartitioner(),
		"RandomPartitioner":           RandomPartitioner(),
		"Murmur2Partitioner":          Murmur2Partitioner(),
		"Murmur2RandomPartitioner":    Murmur2RandomPartitioner(),
		"ConsistentPartitioner":       ConsistentPartitioner(),
		"ConsistentRandomPartitioner": ConsistentRandomPartitioner(),
		"FNV1aPartitioner":            FNV1aPartitioner(),
		"FNV1aRandomPartitioner":      FNV1aRandomPartitioner(),
		"SaramaHashPartitioner":       SaramaHashPartitioner(),
		"HashPartitioner":             HashPartitioner(hashing.KafkaPartition),
	}
}

// TestPartitionerRoundRobinJavaVectors replays the call sequence that Java's
// RoundRobinPartitioner produced in GenVectors.java.
func TestPartitionerRoundRobinJavaVectors(t *testing.T) {
	type topic struct{ all, available []int32 }
	topics := map[string]topic{
		"a": {partitionList(5), partitionList(5)},
		"b": {partitionList(6), []int32{1, 3, 4}},
		"c": {partitionList(3), nil},
	}
	rows := readVectorTable(t, "roundrobin.tsv")
	if len(rows) < 30 {
		t.Fatalf("roundrobin.tsv has %d rows", len(rows))
	}
	p := RoundRobinPartitioner()
	for i, r := range rows {
		tp := topics[r[0]]
		want := mustInt32(t, r[1])
		if got := p.Partition(r[0], []byte("keys are ignored"), tp.all, tp.available); got != want {
			t.Fatalf("call %d (topic %s): got %d, Java chose %d", i, r[0], got, want)
		}
	}
}

// TestPartitionerRoundRobinWrap: past MaxInt32 the counter wraps and is made
// non-negative with & 0x7fffffff, as Java's AtomicInteger and toPositive.
func TestPartitionerRoundRobinWrap(t *testing.T) {
	p := RoundRobinPartitioner().(*roundRobinPartitioner)
	p.counter("t").Store(math.MaxInt32 - 1)
	all := partitionList(3)
	// toPositive of 2147483646, 2147483647, -2147483648, -2147483647
	// is 2147483646, 2147483647, 0, 1; modulo 3: 0, 1, 0, 1.
	want := []int32{0, 1, 0, 1, 2}
	for i, w := range want {
		if got := p.Partition("t", nil, all, nil); got != w {
			t.Errorf("call %d: got %d, want %d", i, got, w)
		}
	}
}

// TestPartitionerRoundRobinConcurrent: concurrent callers share a topic's counter, so
// the partitions stay exactly balanced, and topics count independently.
func TestPartitionerRoundRobinConcurrent(t *testing.T) {
	p := RoundRobinPartitioner()
	all := partitionList(7)
	const workers, calls = 8, 7 * 250
	counts := make([][]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		counts[w] = make([]int, 2*len(all))
		wg.Go(func() {
			for i := range calls {
				topic := "even"
				if i%2 == 1 {
					topic = "odd-" + strconv.Itoa(i%5) // several topics created concurrently
				}
				part := p.Partition(topic, nil, all, all)
				if topic == "even" {
					counts[w][part]++
				}
			}
		})
	}
	wg.Wait()
	total := make([]int, len(all))
	for w := range workers {
		for i := range all {
			total[i] += counts[w][i]
		}
	}
	evenCalls := workers * ((calls + 1) / 2)
	for i, c := range total {
		if c*len(all) != evenCalls {
			t.Errorf("partition %d got %d of %d records, want exactly %d", i, c, evenCalls, evenCalls/len(all))
		}
	}
}

func TestPartitionerByName(t *testing.T) {
	fn := func(f func([]byte, int32) int32) uintptr { return reflect.ValueOf(f).Pointer() }
	hashes := []struct {
		name   string
		hash   uintptr
		policy nullKeyPolicy
	}{
		{"consistent", fn(hashing.RdkafkaConsistentPartition), hashNull},
		{"consistent_random", fn(hashing.RdkafkaConsistentPartition), randomEmpty},
		{"murmur2", fn(hashing.KafkaPartition), hashNull},
		{"murmur2_random", fn(hashing.KafkaPartition), randomNull},
		{"fnv1a", fn(hashing.RdkafkaFNV1aPartition), hashNull},
		{"fnv1a_random", fn(hashing.RdkafkaFNV1aPartition), randomNull},
	}
	for _, c := range hashes {
		p, err := PartitionerByName(c.name)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		hp, ok := p.(*hashPartitioner)
		if !ok {
			t.Fatalf("%s: got %T", c.name, p)
		}
		if fn(hp.hash) != c.hash || hp.policy != c.policy {
			t.Errorf("%s: wrong hash or null-key policy (%d, want %d)", c.name, hp.policy, c.policy)
		}
	}

	if p, err := PartitionerByName("random"); err != nil {
		t.Error(err)
	} else if _, ok := p.(randomPartitioner); !ok {
		t.Errorf("random: got %T", p)
	}
	if p, err := PartitionerByName("org.apache.kafka.clients.producer.RoundRobinPartitioner"); err != nil {
		t.Error(err)
	} else if _, ok := p.(*roundRobinPartitioner); !ok {
		t.Errorf("RoundRobinPartitioner: got %T", p)
	}
	// A fresh partitioner each time: round-robin counters are not shared.
	a, _ := PartitionerByName("org.apache.kafka.clients.producer.RoundRobinPartitioner")
	b, _ := PartitionerByName("org.apache.kafka.clients.producer.RoundRobinPartitioner")
	if a == b {
		t.Error("PartitionerByName returned a shared RoundRobinPartitioner")
	}

	for _, name := range []string{
		"org.apache.kafka.clients.producer.internals.DefaultPartitioner",
		"org.apache.kafka.clients.producer.UniformStickyPartitioner",
	} {
		p, err := PartitionerByName(name)
		if p != nil || err != nil {
			t.Errorf("%s: got (%v, %v), want (nil, nil): the built-in default", name, p, err)
		}
	}

	for _, name := range []string{"", "Murmur2", "murmur2 ", "sticky", "RoundRobinPartitioner"} {
		p, err := PartitionerByName(name)
		if p != nil || err == nil {
			t.Errorf("%q: got (%v, %v), want an error", name, p, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, strconv.Quote(name)) {
			t.Errorf("%q: error %q does not name it", name, msg)
		}
		for _, valid := range []string{
			"random", "consistent", "consistent_random", "murmur2", "murmur2_random", "fnv1a", "fnv1a_random",
			"org.apache.kafka.clients.producer.RoundRobinPartitioner",
			"org.apache.kafka.clients.producer.internals.DefaultPartitioner",
			"org.apache.kafka.clients.producer.UniformStickyPartitioner",
		} {
			if !strings.Contains(msg, valid) {
				t.Errorf("%q: error %q does not list %q", name, msg, valid)
			}
		}
	}
}

// TestPartitionerAllocs: no partitioner allocates per record.
func TestPartitionerAllocs(t *testing.T) {
	all := partitionList(12)
	avail := all[2:9]
	key := []byte("0123456789abcdef")
	for name, p := range allPartitioners() {
		p.Partition("warm", key, all, avail) // round-robin: create the topic's counter
		for _, k := range [][]byte{nil, key} {
			allocs := testing.AllocsPerRun(200, func() { p.Partition("warm", k, all, avail) })
			if allocs != 0 {
				t.Errorf("%s: key %q: %v allocs per Partition, want 0", name, k, allocs)
			}
		}
	}
}

var (
	partitionSink int32
	parallelSink  atomic.Int32
)

func benchmarkPartitioner(b *testing.B, p Partitioner, key []byte) {
	all := partitionList(12)
	avail := all
	b.ReportAllocs()
	for b.Loop() {
		partitionSink = p.Partition("topic", key, all, avail)
	}
}

func BenchmarkPartitioner(b *testing.B) {
	key := []byte("0123456789abcdef")
	for _, name := range []string{
		"RoundRobinPartitioner", "RandomPartitioner",
		"Murmur2Partitioner", "Murmur2RandomPartitioner",
		"ConsistentPartitioner", "ConsistentRandomPartitioner",
		"FNV1aPartitioner", "FNV1aRandomPartitioner",
		"SaramaHashPartitioner", "HashPartitioner",
	} {
		p := allPartitioners()[name]
		b.Run(name+"/key16", func(b *testing.B) { benchmarkPartitioner(b, p, key) })
		if strings.Contains(name, "Random") || name == "SaramaHashPartitioner" || name == "HashPartitioner" {
			b.Run(name+"/nilkey", func(b *testing.B) { benchmarkPartitioner(b, p, nil) })
		}
	}
}

// BenchmarkPartitionerParallel measures contention: round-robin's shared
// per-topic counter and the random generator under GOMAXPROCS callers.
func BenchmarkPartitionerParallel(b *testing.B) {
	all := partitionList(12)
	for _, name := range []string{"RoundRobinPartitioner", "RandomPartitioner", "Murmur2RandomPartitioner"} {
		p := allPartitioners()[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var s int32
				for pb.Next() {
					s += p.Partition("topic", nil, all, all)
				}
				parallelSink.Add(s)
			})
		})
	}
}
