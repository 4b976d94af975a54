// Package compress implements the compression codecs of Kafka record
// batches: gzip, snappy, lz4 and zstd, in the exact stream formats the Java
// client writes and reads.
//
// A Compressor holds pooled encoder state for one codec and level; its
// Compress method is safe for concurrent use and allocation-free in steady
// state when dst has room. Decompress is the reverse and refuses to produce
// more than a caller-given number of bytes, so a decompression bomb fails
// with ErrTooLarge instead of exhausting memory.
//
// Stream formats, as Kafka's Java client (4.x) reads them:
//
//   - gzip: RFC 1952, one or more members.
//   - snappy: Compress writes the xerial framing of snappy-java's
//     SnappyOutputStream (a 16-byte header, then 32 KiB chunks, each a
//     big-endian length and a raw snappy block). Decompress also accepts a
//     bare snappy block, which snappy-java's SnappyInputStream reads too.
//   - lz4: the LZ4 frame format with independent 64 KiB blocks, no block or
//     content checksums and no content size, as Kafka's Lz4BlockOutputStream
//     writes it. Decompress accepts checksums and the content size field
//     and verifies the checksums.
//   - zstd: one or more zstd frames.
package compress
