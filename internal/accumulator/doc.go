// Package accumulator is where produced records wait to be sent: one queue
// of batches per partition, each batch a Kafka record batch v2 encoded in
// place as records are appended, all of it inside a fixed memory budget
// (buffer.memory).
//
// The hot path is Append: one short critical section per record on the
// partition's mutex, with no global lock. Memory is reserved per batch
// buffer, never per record: a new batch reserves the buffer it starts with
// (sized for its partition's batches so far), and an append that outgrows
// it reserves what the larger buffer adds, up to batch.size (or one
// oversized record's worth), without waiting; when the pool cannot give
// that the batch is full. So the shared budget is touched once per batch
// and buffer, and it counts the buffers batches hold, not batch.size each.
//
// A batch leaves the accumulator through Drain, called by the sender for
// the partitions whose leader it talks to, and comes back through Complete
// (or Retry). Complete delivers outcomes in the order the batches were
// created, so callbacks of one partition run in the order of Produce calls.
//
// Lock order: Partition.mu, then Pool.mu. Callbacks (the Deliver hook) run
// with no lock held.
package accumulator
