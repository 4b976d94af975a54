// Package samsaprom exports a samsa producer's metrics to Prometheus,
// with Prometheus naming: counters end in _total, latencies are
// histograms in seconds, sizes histograms in bytes, and every series is
// labelled client_id (the producer's client.id), plus topic, partition,
// broker (the broker id, or "bootstrap") and api (the Kafka API name,
// such as "Produce") where they apply.
//
// A Metrics is a samsa hook: install it in the producer's Config.Hooks,
// and it registers with a Prometheus registry when the producer starts
// and unregisters when it has closed:
//
//	m := samsaprom.New(samsaprom.Registerer(reg))
//	cfg.Hooks = append(cfg.Hooks, m)
//	p, err := samsa.NewProducer(cfg)
//	...
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// Events (batches, requests, connections) feed histograms and counters
// as they happen; the producer's own per-topic record counters and its
// gauges (memory, buffered records) are read from Producer.Metrics and
// Producer.BufferedPartitions when Prometheus scrapes.
//
// # Series
//
// The samsa_producer_ prefix (the namespace is configurable) is left out.
//
//	record_send_total{topic}                 counter    records sent in produce requests, retries included
//	record_error_total{topic}                counter    records that failed
//	record_retry_total{topic}                counter    records sent again after a retriable error
//	bytes_total{topic}                       counter    bytes of batches acknowledged, as sent
//	batch_split_total                        counter    batches split because a broker found them too large
//	buffered_records{topic}                  gauge      records without an outcome yet
//	buffered_bytes{topic}                    gauge      their encoded bytes, before compression
//	partition_buffered_records{topic,partition}  gauge  the same per partition
//	partition_buffered_bytes{topic,partition}    gauge
//	batch_size_bytes{topic}                  histogram  batch size as sent
//	batch_records{topic}                     histogram  records per batch
//	compression_ratio{topic}                 histogram  compressed over uncompressed batch size
//	record_queue_time_seconds{topic}         histogram  first record of a batch to its first send
//	requests_total{broker,api}               counter    requests that ended
//	request_errors_total{broker,api}         counter    requests that ended without a response
//	request_latency_seconds{broker,api}      histogram  request written to response read
//	request_bytes_total{broker}              counter    request bytes written
//	response_bytes_total{broker}             counter    response bytes read
//	throttle_time_seconds{broker}            histogram  throttle time brokers asked for
//	connection_creations_total{broker}       counter    connections established
//	connection_closes_total{broker}          counter    established connections that ended
//	connection_errors_total{broker}          counter    failed dials, and connections that ended with an error
//	connect_duration_seconds{broker}         histogram  time to establish a connection
//	connections                              gauge      open connections
//	requests_in_flight                       gauge      produce requests awaiting responses
//	buffer_total_bytes                       gauge      buffer.memory
//	buffer_available_bytes                   gauge      buffer.memory not in use
//	bufferpool_wait_seconds_total            counter    time spent waiting for buffer memory
//	waiting_goroutines                       gauge      Produce calls waiting for buffer memory
//
// # The producer's metrics, in Prometheus
//
// Every metric of Producer.Metrics (named as the Java client names them)
// has its Prometheus counterpart: a series above, or a query over them.
// Rates, averages, maxima and percentiles are not exported as values,
// since Prometheus computes them from counters and histograms over the
// range a query chooses:
//
//	record-send-total, -rate             record_send_total, rate(record_send_total[1m])
//	record-error-total, -rate            record_error_total, rate(...)
//	record-retry-total, -rate            record_retry_total, rate(...)
//	byte-total, -rate                    bytes_total, rate(...)
//	compression-rate                     compression_ratio (histogram_quantile, or _sum / _count)
//	batch-size-avg, -max                 batch_size_bytes (_sum / _count; histogram_quantile(1, ...))
//	batch-split-total, -rate             batch_split_total, rate(...)
//	records-per-request-avg              rate(record_send_total) / rate(requests_total{api="Produce"})
//	record-queue-time-avg, -max, -pNN    record_queue_time_seconds
//	produce-throttle-time-avg, -max      throttle_time_seconds
//	request-total, -rate                 requests_total
//	outgoing-byte-total, -rate           request_bytes_total
//	request-latency-avg, -max, -pNN      request_latency_seconds
//	buffered-records, buffered-bytes     buffered_records, buffered_bytes
//	buffer-total-bytes                   buffer_total_bytes
//	buffer-available-bytes               buffer_available_bytes
//	bufferpool-wait-time-ns-total        bufferpool_wait_seconds_total
//	waiting-threads                      waiting_goroutines
//	requests-in-flight                   requests_in_flight
//	connection-count                     connections
//	spool-used-bytes                     spool_used_bytes
//	spool-max-bytes                      spool_max_bytes
//
// The per-broker metrics (producer-node-metrics) are requests_total,
// request_bytes_total and request_latency_seconds by broker; Metrics
// counts produce requests there, the Prometheus series every request
// (select api="Produce" for the same).
package samsaprom
