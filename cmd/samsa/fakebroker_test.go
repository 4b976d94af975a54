package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/itest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fakeBroker is an in-process kfake cluster the samsa binary under test
// talks to, which records every produce request it gets, so that a test
// can check the settings that reach the wire (acks, timeout, compression,
// batch sizes, transactional.id).
type fakeBroker struct {
	c        *kfake.Cluster
	addr     string
	mu       sync.Mutex
	requests []producedRequest
}

// producedRequest is what a produce request carried, for one topic.
type producedRequest struct {
	topic         string
	acks          int16
	timeoutMillis int32
	txnID         string
	batches       []producedBatch
}

type producedBatch struct {
	partition  int32
	records    int32
	codec      int8 // attributes & 7
	producerID int64
}

func newFakeBroker(t *testing.T) *fakeBroker {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	fb := &fakeBroker{c: c, addr: c.ListenAddrs()[0]}
	c.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		fb.note(req.(*kmsg.ProduceRequest))
		return nil, nil, false
	})
	return fb
}

func (fb *fakeBroker) note(req *kmsg.ProduceRequest) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	for _, tp := range req.Topics {
		pr := producedRequest{topic: tp.Topic, acks: req.Acks, timeoutMillis: req.TimeoutMillis}
		if req.TransactionID != nil {
			pr.txnID = *req.TransactionID
		}
		for _, p := range tp.Partitions {
			raw := p.Records
			for len(raw) > 0 {
				var b kmsg.RecordBatch
				if err := b.ReadFrom(raw); err != nil {
					break
				}
				pr.batches = append(pr.batches, producedBatch{partition: p.Partition, records: b.NumRecords,
					codec: int8(b.Attributes & 7), producerID: b.ProducerID})
				raw = raw[min(len(raw), 12+int(b.Length)):]
			}
		}
		fb.requests = append(fb.requests, pr)
	}
}

// produced returns the produce requests for topic.
func (fb *fakeBroker) produced(topic string) []producedRequest {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	var out []producedRequest
	for _, r := range fb.requests {
		if r.topic == topic {
			out = append(out, r)
		}
	}
	return out
}

// newTopic names a topic for one case; the cluster creates it (three
// partitions) on first use.
func (fb *fakeBroker) newTopic(t *testing.T) string {
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "-")
	return fmt.Sprintf("t-%s-%d", name, time.Now().UnixNano()%100000)
}

// rec is a record a test expects; nil key or value means null.
type rec struct {
	key, value *string
	headers    []hdrWant
	partition  int32 // -1: any
}

type hdrWant struct {
	key   string
	value *string
}

func s(v string) *string { return &v }

// v is a keyless record with value val in any partition.
func v(val string) rec { return rec{value: s(val), partition: -1} }

// kv is a record with key and value in any partition.
func kv(key, val string) rec { return rec{key: s(key), value: s(val), partition: -1} }

// readBack reads n records of topic and compares them, in produce order
// when ordered (all in one partition), otherwise as a set.
func readBack(t *testing.T, addr, topic string, want []rec, ordered bool, o itest.ConsumeOpts) []*kgo.Record {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	got := itest.ConsumeAll(t, []string{addr}, topic, len(want), o)
	if len(got) != len(want) {
		t.Fatalf("read %d records back, want %d", len(got), len(want))
	}
	gotS, wantS := make([]string, len(got)), make([]string, len(want))
	for i, g := range got {
		gotS[i] = describeGot(g, want[min(i, len(want)-1)].partition >= 0)
	}
	for i, w := range want {
		wantS[i] = describeWant(w)
	}
	if !ordered {
		sort.Strings(gotS)
		sort.Strings(wantS)
	}
	for i := range gotS {
		if gotS[i] != wantS[i] {
			t.Errorf("record %d:\n got %s\nwant %s", i, gotS[i], wantS[i])
		}
	}
	return got
}

func describeBytes(b []byte) string {
	if b == nil {
		return "null"
	}
	return fmt.Sprintf("%q", b)
}

func describeGot(g *kgo.Record, withPartition bool) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "key=%s value=%s", describeBytes(g.Key), describeBytes(g.Value))
	for _, h := range g.Headers {
		fmt.Fprintf(&b, " %s:%s", h.Key, describeBytes(h.Value))
	}
	if withPartition {
		fmt.Fprintf(&b, " @%d", g.Partition)
	}
	return b.String()
}

func describeWant(w rec) string {
	opt := func(p *string) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprintf("%q", *p)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "key=%s value=%s", opt(w.key), opt(w.value))
	for _, h := range w.headers {
		fmt.Fprintf(&b, " %s:%s", h.key, opt(h.value))
	}
	if w.partition >= 0 {
		fmt.Fprintf(&b, " @%d", w.partition)
	}
	return b.String()
}

// writeFiles writes files into a temporary directory and returns their
// paths by name.
func writeFiles(t *testing.T, files map[string]string) map[string]string {
	dir := t.TempDir()
	paths := map[string]string{}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

// expand replaces {B} (bootstrap), {T} (topic) and {F:name} (a file's
// path) in args.
func expand(args []string, addr, topic string, paths map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "{B}", addr)
		a = strings.ReplaceAll(a, "{T}", topic)
		for name, p := range paths {
			a = strings.ReplaceAll(a, "{F:"+name+"}", p)
		}
		out[i] = a
	}
	return out
}

// dumpValue returns the value of key in -X dump's output.
func dumpValue(out, key string) string {
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, " = "); ok && k == key {
			return v
		}
	}
	return "(absent)"
}
