package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestProduceSpool: records an earlier producer left in a spool (the
// cluster went away before it could deliver them) are sent by
// samsa produce --spool before the records it reads, and reported.
func TestProduceSpool(t *testing.T) {
	fake, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "spooled"))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	dir := t.TempDir()
	ctx := context.Background()

	// A producer that learns the topic, then loses the cluster and keeps
	// three records in its spool when it closes.
	d := faultnet.New(1)
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = fake.ListenAddrs()
	cfg.Dial = d.Dial
	cfg.Spool.Dir = dir
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PartitionsFor(ctx, "spooled"); err != nil {
		t.Fatal(err)
	}
	d.SetDown(true)
	d.CutAll()
	var futures []*samsa.Future
	for i := range 3 {
		futures = append(futures, p.Send(ctx, samsa.Record{Topic: "spooled", Value: []byte(fmt.Sprint("early-", i))}))
	}
	for _, f := range futures {
		if err := f.WaitSpooled(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	p.Close(cctx)
	if _, err := futures[0].Wait(ctx); !errors.Is(err, samsa.ErrLeftInSpool) {
		t.Fatalf("record left by Close: %v", err)
	}

	r := runSamsa(t, "late-0\nlate-1\n", "produce", "-b", strings.Join(fake.ListenAddrs(), ","), "-t", "spooled", "--spool", dir)
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	if !strings.Contains(r.stderr, "the spool held 3 records of an earlier run: 3 delivered, 0 failed, 0 still spooled, 0 possibly duplicated") {
		t.Errorf("no recovery line in:\n%s", r.stderr)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(fake.ListenAddrs()...), kgo.ConsumeTopics("spooled"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []string
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
	defer rcancel()
	for len(got) < 5 && rctx.Err() == nil {
		cl.PollFetches(rctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if want := "early-0 early-1 early-2 late-0 late-1"; strings.Join(got, " ") != want {
		t.Fatalf("read %q, want %q", strings.Join(got, " "), want)
	}
}
