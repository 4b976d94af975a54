import java.io.ByteArrayOutputStream;
import java.io.InputStream;

import org.apache.kafka.common.utils.Utils;

/** Echoes stdin reversed, after the Kafka client's murmur2 of it (hex), to show the jars are on the classpath. */
public class Echo {
    public static void main(String[] args) throws Exception {
        InputStream in = System.in;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        byte[] b = buf.toByteArray();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%08x ", Utils.murmur2(b)));
        for (int i = b.length - 1; i >= 0; i--) sb.append((char) b[i]);
        System.out.print(sb);
    }
}
