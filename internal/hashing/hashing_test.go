package hashing

import (
	"bufio"
	"encoding/hex"
	"hash/crc32"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// vectorDir holds the tables written by the real Java, sarama and
// librdkafka implementations (see its README.md).
var vectorDir = filepath.Join("..", "..", "testdata", "partitioning")

// partitionCounts are the partition counts of every table's pN columns.
var partitionCounts = []int32{1, 3, 6, 7, 100, 1000}

// readTable returns the tab-separated rows of a vector file, without its
// '#' comment lines.
func readTable(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(vectorDir, name))
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

func decodeKey(t *testing.T, s string) []byte {
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

func atoi32(t *testing.T, s string) int32 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return int32(n)
}

// TestMurmur2KafkaUtilsTest checks the vectors of Kafka's own
// UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils).
func TestMurmur2KafkaUtilsTest(t *testing.T) {
	cases := []struct {
		key  string
		want int32
	}{
		{"21", -973932308},
		{"foobar", -790332482},
		{"a-little-bit-long-string", -985981536},
		{"a-little-bit-longer-string", -1486304829},
		{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
		{"abc", 479470107},
	}
	for _, c := range cases {
		if got := Murmur2([]byte(c.key)); got != c.want {
			t.Errorf("Murmur2(%q) = %d, want %d", c.key, got, c.want)
		}
	}
}

// TestMurmur2LibrdkafkaUnitTest checks the Java murmur2 results listed in
// librdkafka's unittest_murmur2 (src/rdmurmur2.c).
func TestMurmur2LibrdkafkaUnitTest(t *testing.T) {
	const unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs"
	cases := []struct {
		key  []byte
		want uint32
	}{
		{[]byte("kafka"), 0xd067cf64},
		{[]byte("giberish123456789"), 0x8f552b0c},
		{[]byte("1234"), 0x9fc97b14},
		{[]byte("234"), 0xe7c009ca},
		{[]byte("34"), 0x873930da},
		{[]byte("4"), 0x5a4b5ca1},
		{[]byte(unaligned), 0x78424f1c},
		{[]byte(unaligned[1:]), 0x4a62b377},
		{[]byte(unaligned[2:]), 0xe0e4e09e},
		{[]byte(unaligned[3:]), 0x62b8b43f},
		{[]byte{}, 0x106e08d9},
		{nil, 0x106e08d9},
	}
	for _, c := range cases {
		if got := uint32(Murmur2(c.key)); got != c.want {
			t.Errorf("Murmur2(%q) = %#x, want %#x", c.key, got, c.want)
		}
	}
}

// TestFNV1aLibrdkafkaUnitTest checks the FNV-1a results listed in
// librdkafka's unittest_fnv1a (src/rdfnv1a.c), which are rd_fnv1a's
// absolute values of the signed hash, and Go's hash/fnv.
func TestFNV1aLibrdkafkaUnitTest(t *testing.T) {
	const unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs"
	cases := []struct {
		key  []byte
		want int32 // rd_fnv1a's result: |int32(fnv1a)|
	}{
		{[]byte("kafka"), 0xd33c4e1},
		{[]byte("giberish123456789"), 0x77a58295},
		{[]byte("1234"), 0x23bdd03},
		{[]byte("234"), 0x2dea3cd2},
		{[]byte("34"), 0x740fa83e},
		{[]byte("4"), 0x310ca263},
		{[]byte(unaligned), 0x65cbd69c},
		{[]byte(unaligned[1:]), 0x6e49c79a},
		{[]byte(unaligned[2:]), 0x69eed356},
		{[]byte(unaligned[3:]), 0x6abcc023},
		{[]byte{}, 0x7ee3623b},
		{nil, 0x7ee3623b},
	}
	for _, c := range cases {
		h := FNV1a32(c.key)
		g := fnv.New32a()
		g.Write(c.key)
		if h != g.Sum32() {
			t.Errorf("FNV1a32(%q) = %#x, hash/fnv says %#x", c.key, h, g.Sum32())
		}
		abs := int32(h)
		if abs < 0 {
			abs = -abs
		}
		if abs != c.want {
			t.Errorf("|FNV1a32(%q)| = %#x, want %#x", c.key, abs, c.want)
		}
		// With a partition count above every hash, the librdkafka
		// mapping returns the absolute value itself.
		if got := RdkafkaFNV1aPartition(c.key, 0x7fffffff); got != c.want {
			t.Errorf("RdkafkaFNV1aPartition(%q, MaxInt32) = %#x, want %#x", c.key, got, c.want)
		}
	}
}

func TestToPositive(t *testing.T) {
	cases := []struct{ in, want int32 }{
		{0, 0},
		{1, 1},
		{0x7fffffff, 0x7fffffff},
		{-1, 0x7fffffff},
		{-2147483648, 0},
		{-973932308, 1173551340},
	}
	for _, c := range cases {
		if got := ToPositive(c.in); got != c.want {
			t.Errorf("ToPositive(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

// TestJavaKeyTable checks murmur2 and the partition of every key of
// keys.tsv against Utils.murmur2 and BuiltInPartitioner.partitionForKey.
func TestJavaKeyTable(t *testing.T) {
	rows := readTable(t, "keys.tsv")
	if len(rows) < 1000 {
		t.Fatalf("keys.tsv has %d rows, want at least 1000", len(rows))
	}
	for _, r := range rows {
		if len(r) != 2+len(partitionCounts) {
			t.Fatalf("bad row %q", r)
		}
		key := decodeKey(t, r[0])
		if got, want := Murmur2(key), atoi32(t, r[1]); got != want {
			t.Errorf("Murmur2(%s) = %d, Java says %d", r[0], got, want)
		}
		for i, n := range partitionCounts {
			if got, want := KafkaPartition(key, n), atoi32(t, r[2+i]); got != want {
				t.Errorf("KafkaPartition(%s, %d) = %d, Java says %d", r[0], n, got, want)
			}
		}
	}
}

// TestSaramaTable checks FNV-1a and SaramaPartition against sarama's
// NewHashPartitioner, and that RdkafkaFNV1aPartition agrees with it.
func TestSaramaTable(t *testing.T) {
	rows := readTable(t, "sarama.tsv")
	if len(rows) < 1000 {
		t.Fatalf("sarama.tsv has %d rows, want at least 1000", len(rows))
	}
	for _, r := range rows {
		if len(r) != 2+len(partitionCounts) {
			t.Fatalf("bad row %q", r)
		}
		key := decodeKey(t, r[0])
		h, err := strconv.ParseUint(r[1], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		if got := FNV1a32(key); got != uint32(h) {
			t.Errorf("FNV1a32(%s) = %08x, sarama's hash/fnv says %08x", r[0], got, h)
		}
		for i, n := range partitionCounts {
			want := atoi32(t, r[2+i])
			if got := SaramaPartition(key, n); got != want {
				t.Errorf("SaramaPartition(%s, %d) = %d, sarama says %d", r[0], n, got, want)
			}
			if got := RdkafkaFNV1aPartition(key, n); got != want {
				t.Errorf("RdkafkaFNV1aPartition(%s, %d) = %d, sarama says %d", r[0], n, got, want)
			}
		}
	}
}

// TestLibrdkafkaTable checks the consistent, murmur2 and fnv1a mappings
// against librdkafka's own partitioner functions, including a NULL key,
// which those non-random partitioners hash like an empty key.
func TestLibrdkafkaTable(t *testing.T) {
	rows := readTable(t, "librdkafka.tsv")
	if len(rows) < 1000 {
		t.Fatalf("librdkafka.tsv has %d rows, want at least 1000", len(rows))
	}
	sawNull := false
	np := len(partitionCounts)
	for _, r := range rows {
		if len(r) != 1+3*np {
			t.Fatalf("bad row %q", r)
		}
		key := decodeKey(t, r[0])
		sawNull = sawNull || key == nil
		for i, n := range partitionCounts {
			if got, want := RdkafkaConsistentPartition(key, n), atoi32(t, r[1+i]); got != want {
				t.Errorf("RdkafkaConsistentPartition(%s, %d) = %d, librdkafka says %d", r[0], n, got, want)
			}
			if got, want := KafkaPartition(key, n), atoi32(t, r[1+np+i]); got != want {
				t.Errorf("KafkaPartition(%s, %d) = %d, librdkafka murmur2 says %d", r[0], n, got, want)
			}
			if got, want := RdkafkaFNV1aPartition(key, n), atoi32(t, r[1+2*np+i]); got != want {
				t.Errorf("RdkafkaFNV1aPartition(%s, %d) = %d, librdkafka says %d", r[0], n, got, want)
			}
		}
	}
	if !sawNull {
		t.Error("librdkafka.tsv has no null-key row")
	}
}

// TestEdgeKeys pins the two keys whose hashes hit the int32 minimum.
func TestEdgeKeys(t *testing.T) {
	mk := []byte{0xa7, 0xd6, 0x50, 0x6c}
	if got := Murmur2(mk); got != -2147483648 {
		t.Fatalf("Murmur2(%x) = %d, want MinInt32", mk, got)
	}
	for _, n := range partitionCounts {
		if got := KafkaPartition(mk, n); got != 0 {
			t.Errorf("KafkaPartition(%x, %d) = %d, want 0", mk, n, got)
		}
	}
	fk := []byte{0x0e, 0x9c, 0x45, 0x01, 0x15}
	if got := FNV1a32(fk); got != 0x80000000 {
		t.Fatalf("FNV1a32(%x) = %#x, want 0x80000000", fk, got)
	}
	for _, n := range partitionCounts {
		want := int32(uint32(1<<31) % uint32(n))
		if got := SaramaPartition(fk, n); got != want {
			t.Errorf("SaramaPartition(%x, %d) = %d, want %d", fk, n, got, want)
		}
		if got := RdkafkaFNV1aPartition(fk, n); got != want {
			t.Errorf("RdkafkaFNV1aPartition(%x, %d) = %d, want %d", fk, n, got, want)
		}
	}
}

func TestConsistentIsCRC32IEEE(t *testing.T) {
	key := []byte("The quick brown fox jumps over the lazy dog")
	if got := crc32.ChecksumIEEE(key); got != 0x414fa339 {
		t.Fatalf("crc32 = %#x", got)
	}
	// 0x414fa339 = 1095738169.
	if got := RdkafkaConsistentPartition(key, 1000); got != 169 {
		t.Errorf("RdkafkaConsistentPartition = %d, want 169", got)
	}
	if got := RdkafkaConsistentPartition(nil, 7); got != 0 {
		t.Errorf("RdkafkaConsistentPartition(nil) = %d, want 0", got)
	}
}

func TestAllocationFree(t *testing.T) {
	key := []byte("0123456789abcdef")
	allocs := testing.AllocsPerRun(100, func() {
		_ = Murmur2(key)
		_ = KafkaPartition(key, 7)
		_ = SaramaPartition(key, 7)
		_ = RdkafkaFNV1aPartition(key, 7)
		_ = RdkafkaConsistentPartition(key, 7)
	})
	if allocs != 0 {
		t.Errorf("allocs = %v, want 0", allocs)
	}
}

var sink int32

func benchKey(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + 7)
	}
	return b
}

func BenchmarkMurmur2_16(b *testing.B) {
	key := benchKey(16)
	b.ReportAllocs()
	b.SetBytes(int64(len(key)))
	for b.Loop() {
		sink = Murmur2(key)
	}
}

func BenchmarkMurmur2_64(b *testing.B) {
	key := benchKey(64)
	b.ReportAllocs()
	b.SetBytes(int64(len(key)))
	for b.Loop() {
		sink = Murmur2(key)
	}
}

func BenchmarkKafkaPartition_16(b *testing.B) {
	key := benchKey(16)
	b.ReportAllocs()
	for b.Loop() {
		sink = KafkaPartition(key, 12)
	}
}

func BenchmarkSaramaPartition_16(b *testing.B) {
	key := benchKey(16)
	b.ReportAllocs()
	for b.Loop() {
		sink = SaramaPartition(key, 12)
	}
}

func BenchmarkRdkafkaFNV1aPartition_16(b *testing.B) {
	key := benchKey(16)
	b.ReportAllocs()
	for b.Loop() {
		sink = RdkafkaFNV1aPartition(key, 12)
	}
}

func BenchmarkRdkafkaConsistentPartition_16(b *testing.B) {
	key := benchKey(16)
	b.ReportAllocs()
	for b.Loop() {
		sink = RdkafkaConsistentPartition(key, 12)
	}
}
