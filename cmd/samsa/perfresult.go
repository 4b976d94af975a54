package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// result is the outcome of a perf run, as --json prints it. Its summary
// figures are those of the steady state when warm-up records were asked
// for; total then has the whole run's.
type result struct {
	Settings   runSettings `json:"settings"`
	Topic      string      `json:"topic"`
	Embedded   bool        `json:"embedded_broker"`
	Errors     int64       `json:"errors"`
	FirstError string      `json:"first_error,omitempty"`
	RecordSize int         `json:"record_size,omitempty"`
	summary
	WarmupRecords int64           `json:"warmup_records,omitempty"`
	SteadyStartS  float64         `json:"steady_start_s,omitempty"`
	Total         *summary        `json:"total,omitempty"`
	Interrupted   bool            `json:"interrupted,omitempty"`
	IntervalS     float64         `json:"interval_s"`
	Samples       []sample        `json:"samples"`
	Latency       []quantilePoint `json:"latency_distribution"`
	Metrics       map[string]any  `json:"metrics,omitempty"`
}

// result summarizes the run, which ended at end.
func (s *perfStats) result(end time.Time) *result {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &result{Errors: s.errors, summary: s.all.summary(end), Samples: s.timeline.samples(end)}
	r.Latency = distribution(s.all.lat)
	if s.steady != nil {
		total := r.summary
		r.Total, r.WarmupRecords = &total, s.warmup
		r.summary = s.steady.summary(end)
		r.Latency = distribution(s.steady.lat)
		r.SteadyStartS = s.steady.start.Sub(s.start).Seconds()
	}
	if len(r.Samples) > 0 {
		r.IntervalS = r.Samples[0].End - r.Samples[0].Start
	}
	if s.first != nil {
		r.FirstError = s.first.Error()
	}
	return r
}

// round keeps three decimals of the figures (Kafka's lines are printed
// before, at full precision).
func (r *result) round() {
	r.summary.round()
	if r.Total != nil {
		r.Total.round()
	}
	for i := range r.Samples {
		r.Samples[i].round()
	}
	for i := range r.Latency {
		r.Latency[i].Ms = round3(r.Latency[i].Ms)
	}
	r.IntervalS, r.SteadyStartS = round3(r.IntervalS), round3(r.SteadyStartS)
}

// runSettings is everything that shaped a perf run, for the report's
// header and --json.
type runSettings struct {
	Samsa        string            `json:"samsa_version"`
	Go           string            `json:"go_version"`
	Platform     string            `json:"platform"`
	CPUs         int               `json:"cpus"`
	Started      string            `json:"started"`
	Broker       string            `json:"broker"`
	Bootstrap    []string          `json:"bootstrap_servers"`
	Topic        string            `json:"topic"`
	Partitions   int               `json:"partitions,omitempty"`
	NumRecords   int64             `json:"num_records"`
	Warmup       int64             `json:"warmup_records,omitempty"`
	Payload      string            `json:"payload"`
	Keys         string            `json:"keys"`
	Throughput   float64           `json:"target_records_per_sec"`
	Goroutines   int               `json:"goroutines"`
	Acks         string            `json:"acks"`
	Compression  string            `json:"compression"`
	Idempotence  bool              `json:"idempotence"`
	Transactions string            `json:"transactions"`
	BatchSize    int               `json:"batch_size"`
	LingerMs     float64           `json:"linger_ms"`
	BufferMemory int64             `json:"buffer_memory"`
	MaxInFlight  int               `json:"max_in_flight"`
	Properties   map[string]string `json:"properties,omitempty"`
}

// settings describes the run about to start.
func (pf *perfFlags) settings(ctx context.Context, s *setup, values [][]byte) runSettings {
	c := s.cfg
	rs := runSettings{Samsa: samsa.Version(), Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		CPUs: runtime.NumCPU(), Started: time.Now().UTC().Format(time.RFC3339), Bootstrap: s.servers,
		Topic: pf.topic, NumRecords: pf.numRecords, Warmup: pf.warmup, Throughput: pf.throughput,
		Goroutines: int(pf.goroutines), Acks: c.Acks.String(), Compression: compressionOf(c),
		Idempotence: s.producer.Idempotent(), Transactions: "off", BatchSize: c.BatchSize,
		LingerMs: float64(c.Linger) / float64(time.Millisecond), BufferMemory: c.BufferMemory, MaxInFlight: c.MaxInFlight,
		Payload: pf.payloadText(values), Keys: "null (as Kafka's tool)", Properties: pf.givenProps()}
	if pf.keys {
		rs.Keys = "16 random bytes each"
	}
	if c.TransactionalID != "" {
		rs.Transactions = fmt.Sprintf("transactional.id %s, committed every %d ms", c.TransactionalID, pf.txnDurationMs)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if parts, err := s.producer.PartitionsFor(pctx, pf.topic); err == nil {
		rs.Partitions = len(parts)
	}
	rs.Broker = brokerText(pctx, s)
	return rs
}

func compressionOf(c samsa.Config) string {
	if c.CompressionLevel != 0 {
		return fmt.Sprintf("%s (level %d)", c.Compression, c.CompressionLevel)
	}
	return c.Compression.String()
}

// payloadText describes the values sent.
func (pf *perfFlags) payloadText(values [][]byte) string {
	switch {
	case pf.monotonic:
		return "the record numbers 0, 1, 2, ... (--payload-monotonic)"
	case pf.payloadFile != "":
		return fmt.Sprintf("%d payloads from %s, picked at random", len(values), filepath.Base(pf.payloadFile))
	}
	return fmt.Sprintf("%d random bytes A-Z (fresh for every record, as Kafka's tool)", pf.recordSize)
}

// givenProps are the producer settings given by flags or file, secrets
// left out.
func (pf *perfFlags) givenProps() map[string]string {
	props, _, err := pf.conn.properties(&env{stderr: discard{}}, "samsa perf")
	if err != nil {
		return nil
	}
	delete(props, "bootstrap.servers")
	for k := range props {
		if strings.Contains(k, "password") || strings.Contains(k, "jaas") || strings.Contains(k, "secret") ||
			strings.HasSuffix(k, ".key") || strings.Contains(k, "token") {
			props[k] = "(hidden)"
		}
	}
	if len(props) == 0 {
		return nil
	}
	return props
}

// brokerText names the broker: the embedded one, or the Kafka release
// its ApiVersions answer matches.
func brokerText(ctx context.Context, s *setup) string {
	if s.embedded != nil {
		return "embedded in-process kfake " + moduleVersion("github.com/twmb/franz-go/pkg/kfake") + " (records kept in memory; not a Kafka measurement)"
	}
	addr, versions, err := s.producer.BrokerAPIVersions(ctx)
	if err != nil {
		return "Kafka (version unknown: " + err.Error() + ")"
	}
	kv := kversion.FromApiVersionsResponse(&kmsg.ApiVersionsResponse{})
	keys := make([]int16, 0, len(versions))
	for k := range versions {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		kv.SetMaxKeyVersion(k, versions[k])
	}
	guess := kv.VersionGuess()
	if strings.HasPrefix(guess, "v") || strings.HasPrefix(guess, "at least v") {
		return fmt.Sprintf("Apache Kafka %s (guessed from the API versions of %s)", guess, addr)
	}
	return fmt.Sprintf("a Kafka-compatible broker at %s (its API versions match no Apache Kafka release: %s)", addr, guess)
}

// moduleVersion returns the version of module path built into the
// binary, or "(devel)".
func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "(devel)"
}
