// A test-only broker metrics reporter that receives the metrics clients
// push (KIP-714) and writes them to the file named by the broker setting
// samsa.telemetry.file, one tab-separated line per push and per data
// point, for the Go tests to read. It parses each payload with the OTLP
// classes shaded into kafka-clients, as the broker's own exporters would.
package samsa.test;

import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.telemetry.ClientTelemetry;
import org.apache.kafka.server.telemetry.ClientTelemetryPayload;
import org.apache.kafka.server.telemetry.ClientTelemetryReceiver;
import org.apache.kafka.shaded.io.opentelemetry.proto.common.v1.KeyValue;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.Metric;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.MetricsData;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ScopeMetrics;

public class TelemetryRecorder implements MetricsReporter, ClientTelemetry, ClientTelemetryReceiver {
    private String path;

    @Override
    public void configure(Map<String, ?> configs) {
        Object p = configs.get("samsa.telemetry.file");
        path = p == null ? null : p.toString();
    }

    @Override
    public void init(List<KafkaMetric> metrics) {}

    @Override
    public void metricChange(KafkaMetric metric) {}

    @Override
    public void metricRemoval(KafkaMetric metric) {}

    @Override
    public void close() {}

    @Override
    public ClientTelemetryReceiver clientReceiver() {
        return this;
    }

    @Override
    public synchronized void exportMetrics(AuthorizableRequestContext context, ClientTelemetryPayload payload) {
        if (path == null) {
            return;
        }
        try (PrintWriter out = new PrintWriter(new FileWriter(path, true))) {
            String client = context.clientId();
            MetricsData data;
            try {
                data = MetricsData.parseFrom(payload.data().duplicate());
            } catch (Exception e) {
                out.println("error\t" + client + "\t" + e);
                return;
            }
            out.println("push\t" + client + "\t" + payload.clientInstanceId() + "\t" + payload.isTerminating()
                + "\t" + payload.contentType());
            for (ResourceMetrics rm : data.getResourceMetricsList()) {
                out.println("resource\t" + client + "\t" + attrs(rm.getResource().getAttributesList()));
                for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                    for (Metric m : sm.getMetricsList()) {
                        if (m.hasSum()) {
                            for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                                point(out, client, m.getName(), "sum", m.getSum().getAggregationTemporality().name()
                                    + "/" + m.getSum().getIsMonotonic(), p);
                            }
                        } else if (m.hasGauge()) {
                            for (NumberDataPoint p : m.getGauge().getDataPointsList()) {
                                point(out, client, m.getName(), "gauge", "-", p);
                            }
                        } else {
                            out.println("metric\t" + client + "\t" + m.getName() + "\tother");
                        }
                    }
                }
            }
            out.println("end\t" + client);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static void point(PrintWriter out, String client, String name, String kind, String temporality, NumberDataPoint p) {
        double v = p.hasAsDouble() ? p.getAsDouble() : p.getAsInt();
        out.println("metric\t" + client + "\t" + name + "\t" + kind + "\t" + temporality + "\t" + v + "\t"
            + attrs(p.getAttributesList()) + "\t" + p.getStartTimeUnixNano() + "\t" + p.getTimeUnixNano());
    }

    private static String attrs(List<KeyValue> kvs) {
        return kvs.stream().map(kv -> kv.getKey() + "=" + kv.getValue().getStringValue()).sorted().collect(Collectors.joining(","));
    }
}
