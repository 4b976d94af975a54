// Package accumulator is where produced records wait to be sent: one queue
// of batches per partition, each batch a Kafka record batch v2 encoded in
// place as records are appended, all of it inside a fixed memory budget
// (buffer.memory).
//
// The hot path is Append: one short critical section per record on the
// partition's mutex, with no global lock. Memory is reserved per batch
// (batch.size bytes, or one oversized record's worth), never per record, so
// the shared budget is touched once per batch.
//
// A batch leaves the accumulator through Drain, called by the sender for
// the partitions whose leader it talks to, and comes back through Complete
// (or Retry). Complete delivers outcomes in the order the batches were
// created, so callbacks of one partition run in the order of Produce calls.
//
// Lock order: Partition.mu, then Pool.mu. Callbacks (the Deliver hook) run
// with no lock held.
package accumulator
