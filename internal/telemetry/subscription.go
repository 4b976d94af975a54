package telemetry

import (
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// subscription is what the broker asked of the client.
type subscription struct {
	id       int32
	interval time.Duration
	maxBytes int
	delta    bool
	codecs   []compress.Codec // accepted, in the broker's order of preference (None included)
	// selected reports whether a metric is asked for; nil when none is.
	selected func(name string) bool
}

func newSubscription(resp *kmsg.GetTelemetrySubscriptionsResponse) *subscription {
	s := &subscription{
		id: resp.SubscriptionID, interval: time.Duration(resp.PushIntervalMillis) * time.Millisecond,
		maxBytes: int(resp.TelemetryMaxBytes), delta: resp.DeltaTemporality, selected: selector(resp.RequestedMetrics),
	}
	if s.interval <= 0 {
		s.interval = DefaultInterval
	}
	for _, t := range resp.AcceptedCompressionTypes {
		switch c := compress.Codec(t); c {
		case compress.None, compress.Gzip, compress.Snappy, compress.LZ4, compress.Zstd:
			s.codecs = append(s.codecs, c)
		}
	}
	return s
}

// selector matches metric names against the requested prefixes: none
// selects nothing, a single "*" everything, as KIP-714 says.
func selector(prefixes []string) func(string) bool {
	switch {
	case len(prefixes) == 0:
		return nil
	case len(prefixes) == 1 && prefixes[0] == "*":
		return func(string) bool { return true }
	}
	return func(name string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		return false
	}
}

// compress compresses payload with the broker's preferred codec; with
// none accepted, or if compression fails, it goes uncompressed.
func (s *subscription) compress(payload []byte) (compress.Codec, []byte) {
	if len(s.codecs) == 0 || s.codecs[0] == compress.None {
		return compress.None, payload
	}
	c, err := compress.NewCompressor(s.codecs[0], 0)
	if err != nil {
		return compress.None, payload
	}
	out, err := c.Compress(nil, payload)
	if err != nil {
		return compress.None, payload
	}
	return s.codecs[0], out
}

func (s *subscription) codecNames() string {
	names := make([]string, len(s.codecs))
	for i, c := range s.codecs {
		names[i] = c.String()
	}
	return strings.Join(names, ",")
}
