// GenVectors writes samsa's Java-compatibility test vectors by calling the
// real classes of org.apache.kafka:kafka-clients (and connect-json for the
// JSON vectors). See README.md in this directory for how to run it.
//
// It writes, into the directory named by its only argument:
//
//	keys.tsv           the key table: hex key, Utils.murmur2(key), and
//	                   BuiltInPartitioner.partitionForKey(key, n) for
//	                   n = 1, 3, 6, 7, 100, 1000
//	roundrobin.tsv     a call sequence of RoundRobinPartitioner.partition
//	serializers.tsv    inputs and outputs of the built-in serializers
//	kafka-version.txt  the kafka-clients version that produced them
//
// Every line is plain ASCII; fields are separated by one tab.
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.clients.producer.RoundRobinPartitioner;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.serialization.DoubleSerializer;
import org.apache.kafka.common.serialization.FloatSerializer;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.ShortSerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.UUIDSerializer;
import org.apache.kafka.common.serialization.VoidSerializer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.json.JsonSerializer;

public class GenVectors {
    static final int[] PARTITION_COUNTS = {1, 3, 6, 7, 100, 1000};

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        Files.writeString(dir.resolve("kafka-version.txt"), AppInfoParser.getVersion() + "\n");
        writeKeys(dir.resolve("keys.tsv"));
        writeRoundRobin(dir.resolve("roundrobin.tsv"));
        writeSerializers(dir.resolve("serializers.tsv"));
    }

    // ---- keys -------------------------------------------------------------

    static List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        // The strings of Kafka's UtilsTest.testMurmur2 and of librdkafka's
        // murmur2/fnv1a unit tests (including unaligned suffixes).
        String[] named = {
            "", "21", "foobar", "a-little-bit-long-string", "a-little-bit-longer-string",
            "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", "abc",
            "kafka", "giberish123456789", "1234", "234", "34", "4",
            "PreAmbleWillBeRemoved,ThePrePartThatIs", "reAmbleWillBeRemoved,ThePrePartThatIs",
            "eAmbleWillBeRemoved,ThePrePartThatIs", "AmbleWillBeRemoved,ThePrePartThatIs",
            "h\u00e9llo w\u00f6rld", "\u65e5\u672c\u8a9e", "\ud83d\ude00 emoji",
        };
        for (String s : named)
            keys.add(s.getBytes(StandardCharsets.UTF_8));
        // A key whose murmur2 is Integer.MIN_VALUE (toPositive gives 0), and
        // one whose 32-bit FNV-1a is 0x80000000 (whose negation overflows in
        // sarama's and librdkafka's mappings).
        keys.add(new byte[] {(byte) 0xa7, (byte) 0xd6, 0x50, 0x6c});
        keys.add(new byte[] {0x0e, (byte) 0x9c, 0x45, 0x01, 0x15});
        // Every length 0..64 of an ascending byte run, and of bytes with the
        // high bit set (exercises the & 0xff sign handling in every tail).
        for (int len = 0; len <= 64; len++) {
            byte[] a = new byte[len];
            byte[] b = new byte[len];
            for (int i = 0; i < len; i++) {
                a[i] = (byte) i;
                b[i] = (byte) (0xff - i);
            }
            keys.add(a);
            keys.add(b);
        }
        Random rnd = new Random(0x5a45a);
        // Random bytes of random length 0..64.
        for (int i = 0; i < 500; i++) {
            byte[] k = new byte[rnd.nextInt(65)];
            rnd.nextBytes(k);
            keys.add(k);
        }
        // Random printable ASCII of random length 0..64.
        for (int i = 0; i < 400; i++) {
            byte[] k = new byte[rnd.nextInt(65)];
            for (int j = 0; j < k.length; j++)
                k[j] = (byte) (0x20 + rnd.nextInt(0x7f - 0x20));
            keys.add(k);
        }
        // Typical keys: decimal ids and "user-N".
        for (int i = 0; i < 100; i++) {
            keys.add(Integer.toString(i * 7919).getBytes(StandardCharsets.UTF_8));
            keys.add(("user-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return keys;
    }

    static void writeKeys(Path file) throws Exception {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
            w.println("# key_hex\tmurmur2\tp1\tp3\tp6\tp7\tp100\tp1000");
            w.println("# murmur2 = org.apache.kafka.common.utils.Utils.murmur2(key) (a signed Java int)");
            w.println("# pN = org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(key, N)");
            for (byte[] k : keys()) {
                StringBuilder sb = new StringBuilder(hex(k));
                sb.append('\t').append(Utils.murmur2(k));
                for (int n : PARTITION_COUNTS)
                    sb.append('\t').append(BuiltInPartitioner.partitionForKey(k, n));
                w.println(sb);
            }
        }
    }

    // ---- RoundRobinPartitioner --------------------------------------------

    static void writeRoundRobin(Path file) throws Exception {
        Node node = new Node(0, "localhost", 9092);
        List<PartitionInfo> parts = new ArrayList<>();
        // Topic a: 5 partitions, all available. Topic b: 6 partitions, only
        // 1, 3 and 4 have a leader. Topic c: 3 partitions, none available.
        for (int p = 0; p < 5; p++)
            parts.add(new PartitionInfo("a", p, node, new Node[] {node}, new Node[] {node}));
        for (int p = 0; p < 6; p++) {
            Node leader = (p == 1 || p == 3 || p == 4) ? node : null;
            parts.add(new PartitionInfo("b", p, leader, new Node[] {node}, new Node[] {node}));
        }
        for (int p = 0; p < 3; p++)
            parts.add(new PartitionInfo("c", p, null, new Node[] {node}, new Node[] {node}));
        Cluster cluster = new Cluster("cluster", List.of(node), parts, Set.of(), Set.of());

        RoundRobinPartitioner rr = new RoundRobinPartitioner();
        String seq = "aababcbbbaccabacbbbbaaaaaaccbcbabcabcaab";
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
            w.println("# topic\tpartition: successive calls of one org.apache.kafka.clients.producer.RoundRobinPartitioner");
            w.println("# topic a: 5 partitions, all available; b: 6 partitions, available 1,3,4; c: 3 partitions, none available");
            for (char t : seq.toCharArray()) {
                String topic = String.valueOf(t);
                w.println(topic + "\t" + rr.partition(topic, null, null, null, null, cluster));
            }
        }
    }

    // ---- serializers --------------------------------------------------------

    static PrintWriter sw;

    static void out(String cls, String input, byte[] output) {
        sw.println(cls + "\t" + input + "\t" + (output == null ? "null" : hex(output)));
    }

    static void writeSerializers(Path file) throws Exception {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
            sw = w;
            w.println("# class\tinput\toutput_hex (\"null\" for a null byte[])");
            w.println("# inputs: integers in decimal; floats as the hex of their raw IEEE-754 bits;");
            w.println("# strings as space-separated hex Unicode code points (\"-\" for the empty string);");
            w.println("# UUIDs as 32 hex digits (most significant first); bytes as hex (\"-\" empty); null as null");

            ByteArraySerializer ba = new ByteArraySerializer();
            out("org.apache.kafka.common.serialization.ByteArraySerializer", "null", ba.serialize("t", null));
            out("org.apache.kafka.common.serialization.ByteArraySerializer", "-", ba.serialize("t", new byte[0]));
            out("org.apache.kafka.common.serialization.ByteArraySerializer", "00ff10", ba.serialize("t", new byte[] {0, -1, 16}));
            BytesSerializer bs = new BytesSerializer();
            out("org.apache.kafka.common.serialization.BytesSerializer", "null", bs.serialize("t", null));
            out("org.apache.kafka.common.serialization.BytesSerializer", "-", bs.serialize("t", Bytes.wrap(new byte[0])));
            out("org.apache.kafka.common.serialization.BytesSerializer", "00ff10", bs.serialize("t", Bytes.wrap(new byte[] {0, -1, 16})));

            StringSerializer ss = new StringSerializer();
            String[] strings = {"", "hello", "h\u00e9llo w\u00f6rld", "\u65e5\u672c\u8a9e", "\ud83d\ude00",
                "nul\u0000byte", "\u007f\u0080\u07ff\u0800\uffff", "\udbff\udfff"};
            for (String s : strings)
                out("org.apache.kafka.common.serialization.StringSerializer", codePoints(s), ss.serialize("t", s));

            ShortSerializer sh = new ShortSerializer();
            for (short v : new short[] {0, 1, -1, 2, -2, 258, Short.MAX_VALUE, Short.MIN_VALUE})
                out("org.apache.kafka.common.serialization.ShortSerializer", Short.toString(v), sh.serialize("t", v));
            IntegerSerializer is = new IntegerSerializer();
            for (int v : new int[] {0, 1, -1, 0x01020304, -123456789, Integer.MAX_VALUE, Integer.MIN_VALUE})
                out("org.apache.kafka.common.serialization.IntegerSerializer", Integer.toString(v), is.serialize("t", v));
            LongSerializer ls = new LongSerializer();
            for (long v : new long[] {0, 1, -1, 0x0102030405060708L, -1234567890123456789L, Long.MAX_VALUE, Long.MIN_VALUE})
                out("org.apache.kafka.common.serialization.LongSerializer", Long.toString(v), ls.serialize("t", v));

            FloatSerializer fs = new FloatSerializer();
            int[] floatBits = {0x00000000, 0x80000000, 0x3fc00000 /* 1.5 */, 0xc0100000 /* -2.25 */,
                0x40490fdb /* pi */, 0x7f800000 /* +Inf */, 0xff800000 /* -Inf */, 0x7fc00000 /* NaN */,
                0x7fc00001 /* NaN, payload 1 */, 0xffc00000 /* negative NaN */, 0x00000001 /* MIN_VALUE */,
                0x7f7fffff /* MAX_VALUE */};
            for (int b : floatBits)
                out("org.apache.kafka.common.serialization.FloatSerializer", String.format("%08x", b), fs.serialize("t", Float.intBitsToFloat(b)));
            DoubleSerializer ds = new DoubleSerializer();
            long[] doubleBits = {0L, 0x8000000000000000L, 0x3ff8000000000000L /* 1.5 */,
                0x400921fb54442d18L /* pi */, 0x7ff0000000000000L /* +Inf */, 0xfff0000000000000L /* -Inf */,
                0x7ff8000000000000L /* canonical NaN */, 0x7ff8000000000001L /* NaN, payload 1 */,
                0xfff8000000000000L /* negative NaN */, 0x7ff0000000000001L /* signalling NaN */,
                0x0000000000000001L /* MIN_VALUE */, 0x7fefffffffffffffL /* MAX_VALUE */};
            for (long b : doubleBits)
                out("org.apache.kafka.common.serialization.DoubleSerializer", String.format("%016x", b), ds.serialize("t", Double.longBitsToDouble(b)));

            UUIDSerializer us = new UUIDSerializer();
            List<UUID> uuids = new ArrayList<>(List.of(
                new UUID(0, 0), new UUID(-1, -1),
                new UUID(0x0123456789abcdefL, 0xfedcba9876543210L),
                UUID.nameUUIDFromBytes("samsa".getBytes(StandardCharsets.UTF_8)),
                UUID.fromString("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")));
            Random rnd = new Random(7);
            for (int i = 0; i < 5; i++)
                uuids.add(new UUID(rnd.nextLong(), rnd.nextLong()));
            for (UUID u : uuids)
                out("org.apache.kafka.common.serialization.UUIDSerializer",
                    String.format("%016x%016x", u.getMostSignificantBits(), u.getLeastSignificantBits()), us.serialize("t", u));

            VoidSerializer vs = new VoidSerializer();
            out("org.apache.kafka.common.serialization.VoidSerializer", "null", vs.serialize("t", null));

            // connect-json's JsonSerializer (Jackson). Inputs are named cases
            // that the Go test builds as the equivalent Go values.
            JsonSerializer js = new JsonSerializer();
            JsonNodeFactory f = JsonNodeFactory.instance;
            String jcls = "org.apache.kafka.connect.json.JsonSerializer";
            out(jcls, "null", js.serialize("t", null));
            ObjectNode obj = f.objectNode();
            obj.put("id", 42);
            obj.put("name", "samsa");
            obj.put("active", true);
            obj.putNull("parent");
            ArrayNode tags = obj.putArray("tags");
            tags.add("a");
            tags.add("b");
            out(jcls, "object", js.serialize("t", obj));
            ArrayNode arr = f.arrayNode();
            arr.add(1);
            arr.add(-2);
            arr.add(9007199254740993L);
            out(jcls, "int-array", js.serialize("t", arr));
            out(jcls, "string", js.serialize("t", f.textNode("caf\u00e9 \"quoted\" back\\slash\ttab")));
            out(jcls, "html", js.serialize("t", f.textNode("<a&b>")));
            out(jcls, "float", js.serialize("t", f.numberNode(1.0)));
            out(jcls, "float-big", js.serialize("t", f.numberNode(1e21)));
            out(jcls, "control", js.serialize("t", f.textNode("a\u0001\u001f\n\u2028b")));
        }
    }

    // ---- helpers -------------------------------------------------------------

    static String codePoints(String s) {
        if (s.isEmpty())
            return "-";
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (sb.length() > 0)
                sb.append(' ');
            sb.append(String.format("%04x", cp));
        });
        return sb.toString();
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b)
            sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }
}
