package samsa

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

// BufferedPartitions reports Buffered per partition, for the partitions
// holding records without an outcome, in no particular order.
func (p *Producer) BufferedPartitions() []PartitionBuffer {
	var out []PartitionBuffer
	for name, t := range p.acc.Topics() {
		for _, pt := range t.Partitions() {
			if r, b := pt.Buffered(); r > 0 {
				out = append(out, PartitionBuffer{Topic: name, Partition: pt.ID, Records: r, Bytes: b})
			}
		}
	}
	return out
}
