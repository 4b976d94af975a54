// Package recordbatch encodes and decodes Kafka record batches, magic v2,
// the on-wire and on-disk format of Kafka 0.11 and later (Kafka's
// DefaultRecordBatch and DefaultRecord).
//
// A batch is a 61-byte header followed by its records, compressed as a
// whole when the attributes name a codec:
//
//	baseOffset int64, batchLength int32, partitionLeaderEpoch int32,
//	magic int8 (2), crc uint32 (CRC-32C of everything after it),
//	attributes int16, lastOffsetDelta int32, baseTimestamp int64,
//	maxTimestamp int64, producerId int64, producerEpoch int16,
//	baseSequence int32, recordCount int32, records...
//
// and a record is
//
//	length varint, attributes int8, timestampDelta varlong,
//	offsetDelta varint, keyLength varint, key, valueLength varint, value,
//	headerCount varint, headers (keyLength varint, key, valueLength
//	varint, value)...
//
// where varints are zigzag-encoded and a length of -1 is a null key or
// value.
//
// The producer's accumulator encodes with AppendRecord into a batch buffer
// that starts with HeaderSize reserved bytes, compresses the records if it
// must, and finishes with WriteHeader. These functions do not allocate when
// the buffer has room. Decode and DecodeAll validate untrusted batches
// completely and never panic.
package recordbatch
