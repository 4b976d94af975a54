package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/samsa-go/samsa"
)

// statsPrinter writes a JSON statistics line on stderr every interval, as
// librdkafka's statistics.interval.ms asks for.
type statsPrinter struct {
	done chan struct{}
	wg   sync.WaitGroup
}

// startStats starts printing p's statistics every interval; it returns nil
// when interval is 0.
func startStats(cmd string, term *termWriter, p *samsa.Producer, interval time.Duration) *statsPrinter {
	if interval <= 0 {
		return nil
	}
	sp := &statsPrinter{done: make(chan struct{})}
	start := time.Now()
	sp.wg.Add(1)
	go func() {
		defer sp.wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-sp.done:
				return
			case now := <-tick.C:
				line, err := json.Marshal(newStatsLine(cmd, p.Metrics(), start, now))
				if err == nil {
					term.print(string(line) + "\n")
				}
			}
		}
	}()
	return sp
}

// stop ends the printing; it may be called on nil.
func (sp *statsPrinter) stop() {
	if sp == nil {
		return
	}
	select {
	case <-sp.done:
	default:
		close(sp.done)
	}
	sp.wg.Wait()
}

// statsLine is one statistics line: librdkafka's top-level names where a
// figure means the same, and every metric of the producer under the Java
// client's group and name.
type statsLine struct {
	Name       string  `json:"name"`
	ClientID   string  `json:"client_id"`
	Type       string  `json:"type"`
	TS         int64   `json:"ts"`   // microseconds since 1970
	Time       int64   `json:"time"` // seconds since 1970
	Age        int64   `json:"age"`  // microseconds since the producer started
	TxMsgs     float64 `json:"txmsgs"`
	TxMsgBytes float64 `json:"txmsg_bytes"`
	Tx         float64 `json:"tx"`
	TxBytes    float64 `json:"tx_bytes"`
	// Metrics maps producer-metrics to {name: value}, and
	// producer-topic-metrics and producer-node-metrics to {topic or node:
	// {name: value}}.
	Metrics map[string]any `json:"metrics"`
}

func newStatsLine(cmd string, ms samsa.Metrics, start, now time.Time) statsLine {
	l := statsLine{Name: cmd, Type: "producer", TS: now.UnixMicro(), Time: now.Unix(),
		Age: now.Sub(start).Microseconds(), Metrics: map[string]any{}}
	l.TxMsgs, _ = ms.Value("producer-metrics", "record-send-total")
	l.TxMsgBytes, _ = ms.Value("producer-metrics", "byte-total")
	l.Tx, _ = ms.Value("producer-metrics", "request-total")
	l.TxBytes, _ = ms.Value("producer-metrics", "outgoing-byte-total")
	for _, m := range ms {
		l.ClientID = m.Tags["client-id"]
		sub := m.Tags["topic"]
		if sub == "" {
			sub = m.Tags["node-id"]
		}
		group, _ := l.Metrics[m.Group].(map[string]any)
		if group == nil {
			group = map[string]any{}
			l.Metrics[m.Group] = group
		}
		if sub == "" {
			group[m.Name] = m.Value
			continue
		}
		inner, _ := group[sub].(map[string]float64)
		if inner == nil {
			inner = map[string]float64{}
			group[sub] = inner
		}
		inner[m.Name] = m.Value
	}
	return l
}

// printKafkaMetrics prints ms as kafka-producer-perf-test's
// --print-metrics does: a header, then "group:name:{tags} : value" lines
// in name order, values with three decimals.
func printKafkaMetrics(w io.Writer, ms samsa.Metrics) {
	lines := make(map[string]float64, len(ms))
	width := len("Metric Name")
	for _, m := range ms {
		name := m.Group + ":" + m.Name + ":" + javaTags(m.Tags)
		lines[name] = m.Value
		width = max(width, len(name))
	}
	names := make([]string, 0, len(lines))
	for n := range lines {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\n%-*s   %s\n", width, "Metric Name", "Value")
	for _, n := range names {
		fmt.Fprintf(w, "%-*s : %.3f\n", width, n, lines[n])
	}
}

// javaTags writes tags as a Java map prints: {client-id=x, topic=t}.
func javaTags(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + tags[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
