package samsa

import (
	"slices"
	"strings"

	"github.com/samsa-go/samsa/internal/otlp"
	"github.com/samsa-go/samsa/internal/telemetry"
)

// startTelemetry starts pushing metrics to the cluster (KIP-714) when
// enable.metrics.push is on.
func (p *Producer) startTelemetry() {
	if !p.cfg.EnableMetricsPush {
		return
	}
	var res []otlp.KV
	if p.cfg.TransactionalID != "" {
		res = append(res, otlp.KV{Key: "transactional_id", Value: p.cfg.TransactionalID})
	}
	p.tel = telemetry.New(telemetry.Config{
		Cluster: p.cl, Logger: p.log, Collect: p.telemetrySamples, Resource: res,
		Scope: otlp.Scope{Name: "samsa", Version: version}, Started: p.started, RequestTimeout: p.cfg.RequestTimeout,
	})
	p.tel.Start()
}

// telemetrySamples are the producer's metrics named as the Java client
// names them for KIP-714: "org.apache.kafka." + the group without
// "-metrics" + the metric name, dots for dashes
// (org.apache.kafka.producer.node.request.latency.avg), tags in snake
// case without client_id (the broker knows the client). Totals are sums,
// the rest gauges.
func (p *Producer) telemetrySamples() []telemetry.Sample {
	ms := p.Metrics()
	out := make([]telemetry.Sample, 0, len(ms))
	for _, m := range ms {
		s := telemetry.Sample{Name: telemetryName(m.Group, m.Name), Sum: strings.HasSuffix(m.Name, "-total"), Value: m.Value}
		for k, v := range m.Tags {
			if k != "client-id" {
				s.Attrs = append(s.Attrs, otlp.KV{Key: strings.ReplaceAll(k, "-", "_"), Value: v})
			}
		}
		slices.SortFunc(s.Attrs, func(a, b otlp.KV) int { return strings.Compare(a.Key, b.Key) })
		out = append(out, s)
	}
	return out
}

// telemetryName is the KIP-714 name of the metric name of group.
func telemetryName(group, name string) string {
	g := strings.ReplaceAll(strings.ToLower(group), "-", ".")
	g = strings.ReplaceAll(g, ".metrics", "")
	return "org.apache.kafka." + g + "." + strings.ReplaceAll(strings.ToLower(name), "-", ".")
}
