package hashing

import (
	"encoding/binary"
	"hash/crc32"
)

// murmur2Seed and murmur2M are the seed and mixing constant of Kafka's
// Utils.murmur2; murmur2R is its shift.
const (
	murmur2Seed uint32 = 0x9747b28c
	murmur2M    uint32 = 0x5bd1e995
	murmur2R           = 24
)

// Murmur2 returns the 32-bit MurmurHash2 of b exactly as the Java client's
// org.apache.kafka.common.utils.Utils.murmur2 computes it: seed 0x9747b28c,
// little-endian 4-byte blocks, the tail bytes folded in before the final
// multiply, and Java's wrapping int arithmetic with unsigned (>>>) shifts.
// The result is Java's signed int. A nil b hashes like an empty one.
func Murmur2(b []byte) int32 {
	n := len(b)
	h := murmur2Seed ^ uint32(n)

	for len(b) >= 4 {
		k := binary.LittleEndian.Uint32(b)
		k *= murmur2M
		k ^= k >> murmur2R
		k *= murmur2M
		h *= murmur2M
		h ^= k
		b = b[4:]
	}

	switch len(b) {
	case 3:
		h ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(b[0])
		h *= murmur2M
	}

	h ^= h >> 13
	h *= murmur2M
	h ^= h >> 15
	return int32(h)
}

// ToPositive returns n & 0x7fffffff, as the Java client's Utils.toPositive:
// a non-negative n is unchanged, a negative one loses its sign bit (which
// is not its absolute value).
func ToPositive(n int32) int32 { return n & 0x7fffffff }

// KafkaPartition returns the partition the Java client chooses for a
// record with key among n partitions: toPositive(murmur2(key)) % n, as
// BuiltInPartitioner.partitionForKey. librdkafka's murmur2 and
// murmur2_random partitioners use the same mapping for the keys they hash.
func KafkaPartition(key []byte, n int32) int32 {
	return ToPositive(Murmur2(key)) % n
}

// FNV-1a 32-bit parameters (offset basis and prime).
const (
	fnv32Offset uint32 = 0x811c9dc5
	fnv32Prime  uint32 = 0x01000193
)

// FNV1a32 returns the 32-bit FNV-1a hash of b, the value of Go's
// hash/fnv.New32a after writing b (which sarama and librdkafka use).
func FNV1a32(b []byte) uint32 {
	h := fnv32Offset
	for _, c := range b {
		h ^= uint32(c)
		h *= fnv32Prime
	}
	return h
}

// SaramaPartition returns the partition sarama's default hash partitioner
// (NewHashPartitioner, hence also sarama's default Config) chooses for a
// non-nil key among n partitions: the FNV-1a hash converted to a signed
// int32, Go's truncated remainder by n, and a negative remainder negated.
func SaramaPartition(key []byte, n int32) int32 {
	p := int32(FNV1a32(key)) % n
	if p < 0 {
		p = -p
	}
	return p
}

// RdkafkaFNV1aPartition returns the partition librdkafka's fnv1a and
// fnv1a_random partitioners choose for key among n partitions: rd_fnv1a
// takes the absolute value of the hash read as a signed int32 (leaving
// math.MinInt32 as 0x80000000, as the C code does in practice), and the
// partitioner reduces that unsigned value modulo n. This always agrees
// with SaramaPartition, which librdkafka set out to match.
func RdkafkaFNV1aPartition(key []byte, n int32) int32 {
	h := int32(FNV1a32(key))
	if h < 0 {
		h = -h // math.MinInt32 stays math.MinInt32, i.e. 0x80000000.
	}
	return int32(uint32(h) % uint32(n))
}

// RdkafkaConsistentPartition returns the partition librdkafka's consistent
// and consistent_random partitioners choose for key among n partitions:
// the CRC-32 (IEEE polynomial, as zlib's crc32) of the key, reduced
// modulo n as an unsigned value. An empty key has CRC 0 and so maps to
// partition 0.
func RdkafkaConsistentPartition(key []byte, n int32) int32 {
	return int32(crc32.ChecksumIEEE(key) % uint32(n))
}
