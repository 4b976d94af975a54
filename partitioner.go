package samsa

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
