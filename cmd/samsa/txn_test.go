package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestKafkaProduceTransaction(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	r := runSamsa(t, "a\nb\nc\n", "produce", "-b", bs, "-t", topic, "--transactional-id", topic+"-txn")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	got := itest.ConsumeAll(t, strings.Split(bs, ","), topic, 3, itest.ConsumeOpts{ReadCommitted: true, Timeout: 90 * time.Second})
	want := []string{"a", "b", "c"}
	if len(got) != 3 {
		t.Fatalf("read_committed read %d records, want 3", len(got))
	}
	for i, g := range got {
		if string(g.Value) != want[i] {
			t.Errorf("record %d: %q, want %q", i, g.Value, want[i])
		}
	}
}

// A bad line aborts the transaction: the other records of it are reported
// as aborted and never become visible to read_committed consumers, which
// see only the next, committed transaction.
func TestKafkaProduceTransactionAbortsOnBadLine(t *testing.T) {
	bs, topic := kafkaTopic(t, 1)
	r := runSamsa(t, "one:1\nno separator\ntwo:2\n", "produce", "-b", bs, "-t", topic, "-K", ":", "--transactional-id", topic+"-txn")
	if r.code != 1 || !strings.Contains(r.stderr, "stdin:2: no key separator") || !strings.Contains(r.stderr, "transaction aborted") {
		t.Errorf("exit %d; want 1 with stdin:2's error and the abort reported", r.code)
	}
	for _, pos := range []string{"stdin:1: ", "stdin:3: "} {
		if !strings.Contains(r.stderr, pos) {
			t.Errorf("stderr does not report %s as not delivered", pos)
		}
	}
	if !strings.Contains(r.stderr, "0 records (0 bytes) delivered, 3 failed") {
		t.Errorf("summary does not say 0 delivered, 3 failed")
	}
	r = runSamsa(t, "after:3\n", "produce", "-b", bs, "-t", topic, "-K", ":", "--transactional-id", topic+"-txn")
	if r.code != 0 {
		t.Fatalf("second run: exit %d, want 0", r.code)
	}
	got := itest.ConsumeAll(t, strings.Split(bs, ","), topic, 1, itest.ConsumeOpts{ReadCommitted: true, Timeout: 90 * time.Second})
	if len(got) != 1 || string(got[0].Key) != "after" {
		t.Fatalf("read_committed read %d records (first key %q), want only \"after\"", len(got), firstKey(got))
	}
	md := samsa.RecordMetadata{Partition: 0, Offset: got[0].Offset, Timestamp: got[0].Timestamp}
	if diff := itest.Equal(got[0], samsa.Record{Key: []byte("after"), Value: []byte("3")}, md); diff != "" {
		t.Error(diff)
	}
}

func TestKafkaPerfTransactions(t *testing.T) {
	bs, topic := kafkaTopic(t, 3)
	const n = 3000
	r := runSamsa(t, "", "perf", "-b", bs, "--topic", topic, "--num-records", strconv.Itoa(n), "--record-size", "20",
		"--throughput", "3000", "--transactional-id", topic+"-txn", "--transaction-duration-ms", "200")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	checkPerfOutput(t, r.stdout, n)
	got := itest.ConsumeAll(t, strings.Split(bs, ","), topic, n, itest.ConsumeOpts{ReadCommitted: true, Timeout: 2 * time.Minute})
	if len(got) != n {
		t.Errorf("read_committed read %d records, want %d", len(got), n)
	}
}

func firstKey(rs []*kgo.Record) string {
	if len(rs) == 0 {
		return ""
	}
	return string(rs[0].Key)
}
