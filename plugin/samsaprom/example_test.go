package samsaprom_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/plugin/samsaprom"
	"github.com/twmb/franz-go/pkg/kfake"
)

// A producer's metrics, served for Prometheus to scrape with promhttp.
func Example() {
	// An in-process Kafka-protocol broker, so that the example runs
	// anywhere; point BootstrapServers at your cluster instead.
	fake, err := kfake.NewCluster(kfake.SeedTopics(1, "orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	reg := prometheus.NewRegistry()
	metrics := samsaprom.New(samsaprom.Registerer(reg))
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = fake.ListenAddrs()
	cfg.ClientID = "checkout"
	cfg.Hooks = []samsa.Hook{metrics}
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(context.Background())

	// In a service: http.Handle("/metrics", promhttp.HandlerFor(reg, ...)).
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

	ctx := context.Background()
	for _, v := range []string{"apple", "banana", "cherry"} {
		if _, err := p.SendSync(ctx, samsa.Record{Topic: "orders", Value: []byte(v)}); err != nil {
			log.Fatal(err)
		}
	}
	resp, err := http.Get(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if l := lines.Text(); strings.HasPrefix(l, "samsa_producer_record_send_total") ||
			strings.HasPrefix(l, "samsa_producer_batch_records_sum") {
			fmt.Println(l)
		}
	}
	// Output:
	// samsa_producer_batch_records_sum{client_id="checkout",topic="orders"} 3
	// samsa_producer_record_send_total{client_id="checkout",topic="orders"} 3
}
