import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces one record per key with Kafka's own producer and its default
 * partitioner, and prints the partition each key went to.
 *
 * Standard input: the bootstrap servers on the first line, the topic on
 * the second, then one hex-encoded key per line ("-" for a null key).
 * Standard output: "hexkey partition" per key, in input order.
 */
public class PlaceKeys {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String bootstrap = in.readLine().trim();
        String topic = in.readLine().trim();
        List<String> keys = new ArrayList<>();
        for (String line; (line = in.readLine()) != null; ) {
            if (!line.isEmpty()) {
                keys.add(line.trim());
            }
        }
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        props.put("acks", "all");
        HexFormat hex = HexFormat.of();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (String k : keys) {
                byte[] key = k.equals("-") ? null : (k.equals("=") ? new byte[0] : hex.parseHex(k));
                sent.add(producer.send(new ProducerRecord<>(topic, key, "java".getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < keys.size(); i++) {
                out.append(keys.get(i)).append(' ').append(sent.get(i).get().partition()).append('\n');
            }
            System.out.print(out);
        }
    }
}
