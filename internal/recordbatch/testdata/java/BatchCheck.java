import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

/**
 * Serves requests from the Go tests on stdin, using Kafka's own classes:
 *   'B' build a batch with MemoryRecordsBuilder,
 *   'R' read batches with MemoryRecords.readableRecords and ensureValid,
 *   'C' compress bytes with Compression.wrapForOutput,
 *   'D' decompress bytes with Compression.wrapForInput,
 *   'S' the size bound KafkaProducer checks a record against
 *       (AbstractRecords.estimateSizeInBytesUpperBound), as an int.
 * Each response is a status byte (0 ok, 1 error), an int length and the
 * payload (the error message for errors). All integers are big-endian.
 */
public class BatchCheck {
    public static void main(String[] args) throws Exception {
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(System.in));
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(System.out));
        while (true) {
            int op;
            try {
                op = in.readUnsignedByte();
            } catch (EOFException e) {
                break;
            }
            byte[] req = readBytes(in);
            byte[] resp;
            try {
                DataInputStream r = new DataInputStream(new java.io.ByteArrayInputStream(req));
                switch (op) {
                    case 'B': resp = build(r); break;
                    case 'R': resp = read(r); break;
                    case 'C': resp = compress(r); break;
                    case 'D': resp = decompress(r); break;
                    case 'S': resp = sizeBound(r); break;
                    default: throw new IllegalArgumentException("unknown op " + op);
                }
            } catch (Exception e) {
                byte[] msg = e.toString().getBytes(StandardCharsets.UTF_8);
                out.writeByte(1);
                out.writeInt(msg.length);
                out.write(msg);
                continue;
            }
            out.writeByte(0);
            out.writeInt(resp.length);
            out.write(resp);
        }
        out.flush();
    }

    static byte[] readBytes(DataInputStream in) throws Exception {
        int n = in.readInt();
        if (n < 0) return null;
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    static void writeBytes(DataOutputStream out, byte[] b) throws Exception {
        if (b == null) { out.writeInt(-1); return; }
        out.writeInt(b.length);
        out.write(b);
    }

    static byte[] bytesOf(ByteBuffer bb) {
        if (bb == null) return null;
        byte[] b = new byte[bb.remaining()];
        bb.duplicate().get(b);
        return b;
    }

    static Compression compression(byte codec, int level) {
        CompressionType type = CompressionType.forId(codec);
        if (level == 0) return Compression.of(type).build();
        switch (type) {
            case GZIP: return Compression.gzip().level(level).build();
            case LZ4: return Compression.lz4().level(level).build();
            case ZSTD: return Compression.zstd().level(level).build();
            default: throw new IllegalArgumentException(type + " has no levels");
        }
    }

    static byte[] build(DataInputStream r) throws Exception {
        Compression comp = compression(r.readByte(), r.readInt());
        long baseOffset = r.readLong();
        int leaderEpoch = r.readInt();
        long pid = r.readLong();
        short epoch = r.readShort();
        int baseSeq = r.readInt();
        boolean transactional = r.readBoolean();
        int count = r.readInt();
        MemoryRecordsBuilder b = new MemoryRecordsBuilder(ByteBuffer.allocate(1 << 16), RecordBatch.MAGIC_VALUE_V2,
            comp, TimestampType.CREATE_TIME, baseOffset, RecordBatch.NO_TIMESTAMP, pid, epoch, baseSeq,
            transactional, false, leaderEpoch, 1 << 30);
        for (int i = 0; i < count; i++) {
            long offset = r.readLong();
            long ts = r.readLong();
            byte[] key = readBytes(r);
            byte[] value = readBytes(r);
            Header[] headers = readHeaders(r);
            b.appendWithOffset(offset, ts, key, value, headers);
        }
        return bytesOf(b.build().buffer());
    }

    static Header[] readHeaders(DataInputStream r) throws Exception {
        Header[] headers = new Header[r.readInt()];
        for (int j = 0; j < headers.length; j++) {
            String hk = new String(readBytes(r), StandardCharsets.UTF_8);
            headers[j] = new RecordHeader(hk, readBytes(r));
        }
        return headers;
    }

    static byte[] sizeBound(DataInputStream r) throws Exception {
        byte[] key = readBytes(r);
        byte[] value = readBytes(r);
        Header[] headers = readHeaders(r);
        int n = AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.MAGIC_VALUE_V2, CompressionType.NONE, key, value, headers);
        return ByteBuffer.allocate(4).putInt(n).array();
    }

    static byte[] read(DataInputStream r) throws Exception {
        byte[] data = readBytes(r);
        MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(data));
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bo);
        for (MutableRecordBatch batch : records.batches()) {
            batch.ensureValid();
            out.writeByte(1); // a batch follows
            out.writeLong(batch.baseOffset());
            out.writeLong(batch.lastOffset());
            out.writeInt(batch.partitionLeaderEpoch());
            out.writeByte(batch.magic());
            out.writeInt((int) batch.checksum());
            out.writeByte(batch.compressionType().id);
            out.writeBoolean(batch.isTransactional());
            out.writeBoolean(batch.isControlBatch());
            out.writeLong(batch.producerId());
            out.writeShort(batch.producerEpoch());
            out.writeInt(batch.baseSequence());
            out.writeLong(batch.maxTimestamp());
            Integer n = batch.countOrNull();
            out.writeInt(n == null ? -1 : n);
            int seen = 0;
            try (var it = batch.streamingIterator(BufferSupplier.create())) {
                while (it.hasNext()) {
                    Record rec = it.next();
                    rec.ensureValid();
                    seen++;
                    out.writeLong(rec.offset());
                    out.writeLong(rec.timestamp());
                    writeBytes(out, rec.hasKey() ? bytesOf(rec.key()) : null);
                    writeBytes(out, rec.hasValue() ? bytesOf(rec.value()) : null);
                    Header[] hs = rec.headers();
                    out.writeInt(hs.length);
                    for (Header h : hs) {
                        writeBytes(out, h.key().getBytes(StandardCharsets.UTF_8));
                        writeBytes(out, h.value());
                    }
                }
            }
            // The non-streaming iterator must agree.
            int again = 0;
            for (Record rec : batch) again++;
            if (again != seen || (n != null && n != seen))
                throw new IllegalStateException("record count " + n + ", streamed " + seen + ", iterated " + again);
        }
        out.writeByte(0);
        return bo.toByteArray();
    }

    static byte[] compress(DataInputStream r) throws Exception {
        Compression comp = compression(r.readByte(), r.readInt());
        byte[] data = readBytes(r);
        ByteBufferOutputStream bbo = new ByteBufferOutputStream(1024);
        try (OutputStream os = comp.wrapForOutput(bbo, RecordBatch.MAGIC_VALUE_V2)) {
            os.write(data);
        }
        ByteBuffer bb = bbo.buffer();
        bb.flip();
        return bytesOf(bb);
    }

    static byte[] decompress(DataInputStream r) throws Exception {
        Compression comp = compression(r.readByte(), 0);
        byte[] data = readBytes(r);
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (InputStream is = comp.wrapForInput(ByteBuffer.wrap(data), RecordBatch.MAGIC_VALUE_V2, BufferSupplier.create())) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = is.read(buf)) > 0) bo.write(buf, 0, n);
        }
        return bo.toByteArray();
    }
}
