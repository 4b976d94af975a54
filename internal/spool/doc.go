// Package spool is the producer's durable local log: sealed record
// batches are appended to it before they are sent, and they stay in it
// until Kafka acknowledges them, so that a producer opened on the same
// directory after a crash, or after an outage longer than the process
// lived, sends them again.
//
// # Directory
//
// A spool directory holds a lock file, LOCK (flock(2), with the owner's
// process id for the error another process gets), and segment files named
// after the sequence number (LSN) of their first entry, 00000000000000000001.seg
// and so on. Each session (an Open) starts a new segment; a segment is
// also started when the current one reaches the segment size.
//
// # Entries
//
// A segment is a sequence of frames: magic, CRC-32C, length, LSN, type,
// payload (see frame.go). LSNs increase by one from entry to entry across
// segments, so a gap shows exactly how many entries damage destroyed. The
// entry types: a header (first in each segment: format version, the
// session's generation, boot id and process id, and the damage already
// reported); a batch (id, topic, partition, generation and creation
// sequence, record count, the Kafka record batch bytes); sequenced (a
// batch is about to be sent with this producer id, epoch and base
// sequence); done (a batch has its outcome); split (a batch was replaced
// by smaller ones, all in one frame); close (the session ended cleanly);
// nop (a probe of a disk that refused writes).
//
// # Invariants
//
//   - A batch entry is written before any sequenced or done entry naming
//     it, so those are never in an older segment than the batch.
//   - Segments are deleted oldest first, and only when no batch in them
//     is live: done entries for a segment's batches live in newer
//     segments, which therefore outlive it.
//   - A sequenced entry reaches the operating system before the batch
//     reaches the network (and the disk too, with FsyncAlways).
//   - A batch is reported durable only after the sync that covers its
//     entry (at once with FsyncNever), in LSN order.
//   - Before a new segment is started, the previous one is synced, so
//     only the newest segment can end in a torn write.
//
// # Recovery
//
// Open reads the segments oldest first. An intact frame (magic, plausible
// length, CRC) is applied; after damage the reader resynchronizes on the
// next intact frame. Unreadable bytes at the end of the newest segment are
// the torn tail of a write the crash interrupted: they are cut off
// silently. Anything else unreadable is damage, reported with the byte
// range and the number of entries lost (from the LSN gap), and, for
// batches whose later entries survived, their ids. Damage is reported
// once: each session's header lists the damage known, and a later open
// does not report it again while the damaged segment exists. Data never
// makes Open fail: only the file system can (a lock held by another
// process, permissions, I/O errors), with errors naming the path.
package spool
