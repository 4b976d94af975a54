package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-go/samsa"
)

// writeDump prints the settings in effect, as kcat's -X dump does, under
// the Java client's names (secrets left out), then the command's own.
func writeDump(w io.Writer, cfg samsa.Config, cs cliSettings) {
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	bootstrap := strings.Join(cfg.BootstrapServers, ",")
	if bootstrap == "" {
		bootstrap = "(none: the embedded broker)"
	}
	idem := map[samsa.Idempotence]string{samsa.IdempotenceAuto: "default (on unless acks, retries or max.in.flight rule it out)",
		samsa.IdempotenceOn: "true", samsa.IdempotenceOff: "false"}[cfg.Idempotence]
	partitioner := "default (murmur2 of the key, sticky without one)"
	if cfg.Partitioner != nil {
		partitioner = fmt.Sprintf("%T", cfg.Partitioner)
	}
	lines := [][2]string{
		{"bootstrap.servers", bootstrap}, {"client.id", cfg.ClientID}, {"acks", cfg.Acks.String()},
		{"linger.ms", ms(cfg.Linger)}, {"batch.size", strconv.Itoa(cfg.BatchSize)},
		{"buffer.memory", strconv.FormatInt(cfg.BufferMemory, 10)}, {"max.block.ms", ms(cfg.MaxBlock)},
		{"max.request.size", strconv.Itoa(cfg.MaxRequestSize)}, {"compression.type", cfg.Compression.String()},
		{"compression.level", strconv.Itoa(cfg.CompressionLevel)}, {"retries", strconv.Itoa(cfg.Retries)},
		{"retry.backoff.ms", ms(cfg.RetryBackoff)}, {"retry.backoff.max.ms", ms(cfg.RetryBackoffMax)},
		{"delivery.timeout.ms", ms(cfg.DeliveryTimeout)}, {"request.timeout.ms", ms(cfg.RequestTimeout)},
		{"max.in.flight.requests.per.connection", strconv.Itoa(cfg.MaxInFlight)},
		{"partitioner.class", partitioner}, {"partitioner.ignore.keys", strconv.FormatBool(cfg.PartitionerIgnoreKeys)},
		{"partitioner.adaptive.partitioning.enable", strconv.FormatBool(cfg.PartitionerAdaptive)},
		{"partitioner.availability.timeout.ms", ms(cfg.PartitionerAvailabilityTimeout)},
		{"metadata.max.age.ms", ms(cfg.MetadataMaxAge)}, {"metadata.max.idle.ms", ms(cfg.MetadataMaxIdle)},
		{"reconnect.backoff.ms", ms(cfg.ReconnectBackoff)}, {"reconnect.backoff.max.ms", ms(cfg.ReconnectBackoffMax)},
		{"socket.connection.setup.timeout.ms", ms(cfg.ConnectTimeout)},
		{"send.buffer.bytes", strconv.Itoa(cfg.SendBufferBytes)}, {"receive.buffer.bytes", strconv.Itoa(cfg.ReceiveBufferBytes)},
		{"security.protocol", cfg.SecurityProtocol.String()}, {"sasl.mechanism", cfg.SASL.Mechanism},
		{"enable.idempotence", idem}, {"transactional.id", cfg.TransactionalID},
		{"transaction.timeout.ms", ms(cfg.TransactionTimeout)},
	}
	fmt.Fprintln(w, "# producer configuration")
	for _, l := range lines {
		fmt.Fprintf(w, "%s = %s\n", l[0], l[1])
	}
	fmt.Fprintln(w, "\n# samsa's own")
	fmt.Fprintf(w, "debug = %v\nstatistics.interval.ms = %d\n", cs.debug, cs.statsInterval.Milliseconds())
}
