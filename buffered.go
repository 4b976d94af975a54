package samsa

import (
	"slices"
	"strings"
)

// Buffered reports the work the producer holds: the records produced that
// have no outcome yet (appended, and neither acknowledged nor failed), and
// the bytes they take encoded, before compression. It takes each
// partition's lock in turn, and so is meant for monitoring (every few
// seconds), not for every record.
func (p *Producer) Buffered() (records, bytes int64) {
	return p.acc.Buffered()
}

// PartitionBuffer is one partition's buffered work: see Buffered.
type PartitionBuffer struct {
	Topic     string
	Partition int32
	Records   int64
	Bytes     int64
}

// BufferedPartitions reports Buffered per partition, for every partition
// of the topics the producer has produced to (zero for those without
// records waiting), sorted by topic and partition.
func (p *Producer) BufferedPartitions() []PartitionBuffer {
	var out []PartitionBuffer
	for name, t := range p.acc.Topics() {
		for _, pt := range t.Partitions() {
			r, b := pt.Buffered()
			out = append(out, PartitionBuffer{Topic: name, Partition: pt.ID, Records: r, Bytes: b})
		}
	}
	slices.SortFunc(out, func(a, b PartitionBuffer) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition - b.Partition)
	})
	return out
}
