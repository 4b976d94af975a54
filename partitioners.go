package samsa

import (
	"github.com/samsa-go/samsa/internal/lockorder"

	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/samsa-go/samsa/internal/hashing"
)

// Partitioner chooses the partition of records that do not name one
// (Record.Partition is AnyPartition). Config.Partitioner nil selects the
// built-in default: murmur2 of the key, byte-compatible with the Java
// client, and uniform sticky partitioning for records without a key.
//
// A Partitioner must be safe for concurrent use and fast: it runs inside
// Produce for every record.
type Partitioner interface {
	// Partition returns the partition for a record of topic whose
	// serialized key is key (nil for a null key). all lists every
	// partition of the topic, in order (all[i] == i); available lists the
	// partitions whose leader is known and reachable, and may be empty.
	// Neither slice may be modified or kept. The result must be one of all.
	Partition(topic string, key []byte, all, available []int32) int32
}

// PartitionerFunc adapts a function to the Partitioner interface.
type PartitionerFunc func(topic string, key []byte, all, available []int32) int32

// Partition calls f.
func (f PartitionerFunc) Partition(topic string, key []byte, all, available []int32) int32 {
	return f(topic, key, all, available)
}

// The partitioners below are named after other clients' partitioners,
// for users migrating from them. Leaving Config.Partitioner nil is the
// right choice for most programs: the built-in default hashes keys exactly
// as the Java client does and batches null-key records with sticky
// partitioning.
//
// Conventions shared by every partitioner here:
//
//   - A key hash is taken modulo the number of all partitions (len(all)),
//     whether or not they are available, so a key always maps to the same
//     partition, as in every other client.
//   - A random choice is uniform over the available partitions, or over
//     all partitions when none is available. It uses math/rand/v2's
//     top-level generator, which is safe for concurrent use without a
//     shared lock.
//   - The producer never passes an empty all; if it were empty there would
//     be no valid answer, and these partitioners return -1 (which Produce
//     rejects) rather than panic.

// randomPartition returns a uniformly random element of available, or of
// all when available is empty, or -1 when both are empty.
func randomPartition(all, available []int32) int32 {
	if n := len(available); n > 0 {
		return available[rand.Uint32N(uint32(n))]
	}
	if n := len(all); n > 0 {
		return all[rand.Uint32N(uint32(n))]
	}
	return -1
}

// nullKeyPolicy says what a hashPartitioner does with a key it does not
// hash.
type nullKeyPolicy uint8

const (
	// hashNull hashes a null key like an empty one (librdkafka's murmur2,
	// consistent and fnv1a).
	hashNull nullKeyPolicy = iota
	// randomNull picks a random partition for a null key; an empty key is
	// hashed (librdkafka's murmur2_random and fnv1a_random, sarama).
	randomNull
	// randomEmpty picks a random partition for a null or empty key
	// (librdkafka's consistent_random).
	randomEmpty
)

// hashPartitioner maps keys with hash and handles null (and maybe empty)
// keys as its policy says.
type hashPartitioner struct {
	hash   func(key []byte, n int32) int32
	policy nullKeyPolicy
}

// Partition implements Partitioner.
func (p *hashPartitioner) Partition(_ string, key []byte, all, available []int32) int32 {
	switch p.policy {
	case randomNull:
		if key == nil {
			return randomPartition(all, available)
		}
	case randomEmpty:
		if len(key) == 0 {
			return randomPartition(all, available)
		}
	}
	if len(all) == 0 {
		return -1
	}
	return p.hash(key, int32(len(all)))
}

// HashPartitioner returns a Partitioner that sends a record with a non-nil
// key to partition hash(key, n), where n is the topic's partition count
// (available or not), and a record with a nil key to a random available
// partition. hash must be safe for concurrent use and return a value in
// [0, n); a value outside that range is returned unchanged, and Produce
// rejects the record with ErrInvalidPartition. An empty non-nil key is
// passed to hash like any other.
//
// The hashes of other clients are available as ready-made partitioners
// (SaramaHashPartitioner, Murmur2RandomPartitioner and so on); this helper
// is for a custom hash, for example CRC-32C:
//
//	castagnoli := crc32.MakeTable(crc32.Castagnoli)
//	p := samsa.HashPartitioner(func(key []byte, n int32) int32 {
//		return int32(crc32.Checksum(key, castagnoli) % uint32(n))
//	})
func HashPartitioner(hash func(key []byte, n int32) int32) Partitioner {
	if hash == nil {
		panic("samsa: HashPartitioner with a nil hash function")
	}
	return &hashPartitioner{hash: hash, policy: randomNull}
}

// Murmur2Partitioner returns a Partitioner matching librdkafka's "murmur2"
// partitioner: every key, including a null one, goes to
// toPositive(murmur2(key)) % n, the Java client's mapping, so a keyed
// record lands where a Java producer would put it. A null key is hashed
// like an empty key, so all null-key records go to one partition
// (partition 0 of 1, 3 of 6, 681 of 1000, ...). Use
// Murmur2RandomPartitioner, or leave Config.Partitioner nil, to spread
// null-key records instead.
func Murmur2Partitioner() Partitioner {
	return &hashPartitioner{hash: hashing.KafkaPartition, policy: hashNull}
}

// Murmur2RandomPartitioner returns a Partitioner matching librdkafka's
// "murmur2_random" partitioner (confluent-kafka-go's and librdkafka's usual
// choice for Java compatibility): a record with a non-nil key, even an
// empty one, goes to toPositive(murmur2(key)) % n exactly as the Java
// client's BuiltInPartitioner.partitionForKey; a record with a nil key goes
// to a random available partition.
//
// librdkafka itself, with its default sticky.partitioning.linger.ms, does
// not spread null-key records one by one but sticks to one random
// partition for a while. samsa's built-in default partitioner (a nil
// Config.Partitioner) hashes keyed records identically and is sticky for
// null keys, so it is usually the better match.
func Murmur2RandomPartitioner() Partitioner {
	return &hashPartitioner{hash: hashing.KafkaPartition, policy: randomNull}
}

// ConsistentPartitioner returns a Partitioner matching librdkafka's
// "consistent" partitioner: the CRC-32 (IEEE) of the key, as an unsigned
// number, modulo the partition count. Null and empty keys both have CRC 0
// and so all go to partition 0.
func ConsistentPartitioner() Partitioner {
	return &hashPartitioner{hash: hashing.RdkafkaConsistentPartition, policy: hashNull}
}

// ConsistentRandomPartitioner returns a Partitioner matching librdkafka's
// "consistent_random" partitioner, librdkafka's default: the CRC-32 (IEEE)
// of the key modulo the partition count for a non-empty key, and a random
// available partition for a null or empty key. (Only this librdkafka
// partitioner treats an empty key like a null one.)
//
// librdkafka, with its default sticky.partitioning.linger.ms, sticks to one
// random partition for a while for those records rather than choosing per
// record.
func ConsistentRandomPartitioner() Partitioner {
	return &hashPartitioner{hash: hashing.RdkafkaConsistentPartition, policy: randomEmpty}
}

// FNV1aPartitioner returns a Partitioner matching librdkafka's "fnv1a"
// partitioner: the 32-bit FNV-1a hash of the key read as a signed int32,
// its absolute value, modulo the partition count, for every key. A null
// key is hashed like an empty key, so all null-key records go to one
// partition. For non-nil keys this agrees with SaramaHashPartitioner.
func FNV1aPartitioner() Partitioner {
	return &hashPartitioner{hash: hashing.RdkafkaFNV1aPartition, policy: hashNull}
}

// FNV1aRandomPartitioner returns a Partitioner matching librdkafka's
// "fnv1a_random" partitioner: FNV1aPartitioner's mapping for a non-nil key
// (an empty one included), and a random available partition for a nil key.
// It places every record as sarama's default partitioner does, which is
// what librdkafka designed it for.
//
// librdkafka, with its default sticky.partitioning.linger.ms, sticks to one
// random partition for a while for null-key records rather than choosing
// per record.
func FNV1aRandomPartitioner() Partitioner {
	return &hashPartitioner{hash: hashing.RdkafkaFNV1aPartition, policy: randomNull}
}

// SaramaHashPartitioner returns a Partitioner matching sarama's default,
// sarama.NewHashPartitioner: for a non-nil key, the 32-bit FNV-1a hash
// read as a signed int32, Go's truncated remainder by the partition count,
// negated when negative; for a nil key, a random available partition (as
// sarama, which offers such records only its writable partitions). An
// empty non-nil key is hashed.
//
// sarama's other hash partitioners place keys differently:
// NewReferenceHashPartitioner masks the hash with & 0x7fffffff instead,
// and NewConsistentCRCHashPartitioner is ConsistentRandomPartitioner
// except that it hashes an empty key (to partition 0) where librdkafka
// picks a random partition.
func SaramaHashPartitioner() Partitioner {
	return &hashPartitioner{hash: hashing.SaramaPartition, policy: randomNull}
}

// randomPartitioner picks a random partition for every record.
type randomPartitioner struct{}

// Partition implements Partitioner.
func (randomPartitioner) Partition(_ string, _ []byte, all, available []int32) int32 {
	return randomPartition(all, available)
}

// RandomPartitioner returns a Partitioner that sends every record, keyed
// or not, to a uniformly random available partition (any partition when
// none is available), like librdkafka's "random" partitioner and sarama's
// NewRandomPartitioner.
func RandomPartitioner() Partitioner { return randomPartitioner{} }

// roundRobinPartitioner keeps one counter per topic. The topic map is
// copy-on-write: lookups are a lock-free map read; only the first record
// of a new topic takes mu.
type roundRobinPartitioner struct {
	counters atomic.Pointer[map[string]*atomic.Int32]
	mu       lockorder.Mutex[lockorder.Leaf]
}

// counter returns topic's counter, creating it at 0 on first use.
func (p *roundRobinPartitioner) counter(topic string) *atomic.Int32 {
	if m := p.counters.Load(); m != nil {
		if c, ok := (*m)[topic]; ok {
			return c
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.counters.Load()
	var m map[string]*atomic.Int32
	if old != nil {
		if c, ok := (*old)[topic]; ok {
			return c
		}
		m = make(map[string]*atomic.Int32, len(*old)+1)
		for k, v := range *old {
			m[k] = v
		}
	} else {
		m = make(map[string]*atomic.Int32, 1)
	}
	c := new(atomic.Int32)
	m[topic] = c
	p.counters.Store(&m)
	return c
}

// Partition implements Partitioner.
func (p *roundRobinPartitioner) Partition(topic string, _ []byte, all, available []int32) int32 {
	// Java: toPositive(counter.getAndIncrement()), a wrapping int.
	next := hashing.ToPositive(p.counter(topic).Add(1) - 1)
	if n := int32(len(available)); n > 0 {
		return available[next%n]
	}
	if n := int32(len(all)); n > 0 {
		return all[next%n]
	}
	return -1
}

// RoundRobinPartitioner returns a Partitioner matching the Java client's
// org.apache.kafka.clients.producer.RoundRobinPartitioner: keys are
// ignored; each topic has its own counter, starting at 0, and the i-th
// record of a topic goes to available[i % len(available)], or to
// all[i % len(all)] when no partition is available. Like Java's, the
// counter is a wrapping int32 made non-negative with & 0x7fffffff, and the
// sequence follows the available list as it changes. Safe for concurrent
// use: concurrent records of a topic each get a distinct counter value.
func RoundRobinPartitioner() Partitioner { return &roundRobinPartitioner{} }

// Java partitioner.class values understood by PartitionerByName.
const (
	javaRoundRobinPartitioner    = "org.apache.kafka.clients.producer.RoundRobinPartitioner"
	javaDefaultPartitioner       = "org.apache.kafka.clients.producer.internals.DefaultPartitioner"
	javaUniformStickyPartitioner = "org.apache.kafka.clients.producer.UniformStickyPartitioner"
)

// partitionersByName maps every name PartitionerByName accepts to a
// constructor; a nil constructor means the built-in default.
var partitionersByName = map[string]func() Partitioner{
	"random":                     RandomPartitioner,
	"consistent":                 ConsistentPartitioner,
	"consistent_random":          ConsistentRandomPartitioner,
	"murmur2":                    Murmur2Partitioner,
	"murmur2_random":             Murmur2RandomPartitioner,
	"fnv1a":                      FNV1aPartitioner,
	"fnv1a_random":               FNV1aRandomPartitioner,
	javaRoundRobinPartitioner:    RoundRobinPartitioner,
	javaDefaultPartitioner:       nil,
	javaUniformStickyPartitioner: nil,
}

// PartitionerByName returns the partitioner that another client's
// configuration names, for migrating a configuration file:
//
//   - librdkafka's "partitioner" values: "random" (RandomPartitioner),
//     "consistent", "consistent_random", "murmur2", "murmur2_random",
//     "fnv1a" and "fnv1a_random" (the partitioners of the same names);
//   - Java's "partitioner.class" values:
//     "org.apache.kafka.clients.producer.RoundRobinPartitioner"
//     (RoundRobinPartitioner), and the DefaultPartitioner and
//     UniformStickyPartitioner that Kafka 4.0 removed,
//     "org.apache.kafka.clients.producer.internals.DefaultPartitioner" and
//     "org.apache.kafka.clients.producer.UniformStickyPartitioner".
//
// For those last two it returns (nil, nil): nil is Config.Partitioner's
// built-in default, which is DefaultPartitioner's behaviour (murmur2 for
// keyed records, sticky for null keys). UniformStickyPartitioner differed
// in that it was sticky for keyed records too, ignoring keys, like Java's
// partitioner.ignore.keys=true; the built-in default hashes keys.
//
// Names are matched exactly. Any other name returns an error that lists
// the valid ones.
func PartitionerByName(name string) (Partitioner, error) {
	ctor, ok := partitionersByName[name]
	if !ok {
		names := make([]string, 0, len(partitionersByName))
		for n := range partitionersByName {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("samsa: unknown partitioner %q (valid: %s)", name, strings.Join(names, ", "))
	}
	if ctor == nil {
		return nil, nil
	}
	return ctor(), nil
}
