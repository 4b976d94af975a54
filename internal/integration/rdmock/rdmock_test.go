package rdmock

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/prereq"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"
)

// launcher builds the mock cluster launcher of ./mockcluster (a module
// of its own, with confluent-kafka-go and librdkafka) and returns its
// binary's path. Without a C compiler the test is skipped, or fails
// under SAMSA_REQUIRE_KAFKA=1; so does a failed build.
func launcher(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"go", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			prereq.Skip(t, fmt.Sprintf("rdmock: building librdkafka's mock cluster needs %s and cgo (apt-get install gcc libc6-dev): %v", tool, err))
		}
	}
	bin := filepath.Join(t.TempDir(), "mockcluster")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = "mockcluster"
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		prereq.Skip(t, fmt.Sprintf("rdmock: building librdkafka's mock cluster (%s): %v: %s", cmd.Dir, err, bytes.TrimSpace(out)))
	}
	return bin
}

// startMock starts a mock cluster of n brokers with topic seeded, stopped
// at the end of the test; it returns the bootstrap servers.
func startMock(t *testing.T, bin string, n, partitions int, topic string) []string {
	t.Helper()
	cmd := exec.Command(bin, "-brokers", fmt.Sprint(n), "-topic", fmt.Sprintf("%s:%d", topic, partitions), "-max-seconds", "900")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the librdkafka mock cluster: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close() // the launcher exits when its stdin closes
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(l)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-line:
		if l == "" {
			t.Fatalf("the librdkafka mock cluster printed no bootstrap servers: %s", stderr.String())
		}
		return strings.Split(l, ",")
	case <-time.After(60 * time.Second):
		t.Fatalf("the librdkafka mock cluster printed no bootstrap servers within 60 s: %s", stderr.String())
	}
	return nil
}

// TestProduceEveryShape produces records of every shape to a librdkafka
// mock cluster of three brokers, with each acks setting, checks that
// every record is acknowledged at a distinct offset, and reads them back.
func TestProduceEveryShape(t *testing.T) {
	bin := launcher(t)
	const partitions = 4
	for _, acks := range []string{"all", "1"} {
		t.Run("acks="+acks, func(t *testing.T) {
			topic := "rdmock-acks-" + acks
			bootstrap := startMock(t, bin, 3, partitions, topic)
			props := map[string]string{"bootstrap.servers": strings.Join(bootstrap, ","), "acks": acks, "linger.ms": "5", "max.block.ms": "20000"}
			if acks == "1" {
				props["enable.idempotence"] = "false"
			}
			cfg, err := samsa.ConfigFromProperties(props)
			if err != nil {
				t.Fatal(err)
			}
			p, err := samsa.NewProducer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := p.Close(ctx); err != nil {
					t.Errorf("close: %v", err)
				}
			}()
			recs := itest.Shapes(topic, partitions, 400)
			start := time.Now()
			mds := produceAll(t, p, recs)
			readBack(t, bootstrap, topic, recs, mds, start, time.Now())
		})
	}
}

// produceAll produces recs and returns their metadata, failing on any
// error or on two records acknowledged at the same offset.
func produceAll(t *testing.T, p *samsa.Producer, recs []samsa.Record) []samsa.RecordMetadata {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mds, errs := itest.ProduceAll(ctx, t, p, recs)
	taken := map[[2]int64]int{}
	for i, md := range mds {
		if err := errors.Join(errs[i]); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if want, ok := recs[i].Partition.Number(); ok && md.Partition != want {
			t.Errorf("record %d acknowledged in partition %d, sent to %d", i, md.Partition, want)
		}
		if md.Offset < 0 || md.Topic != recs[i].Topic {
			t.Errorf("record %d acknowledged as %s[%d]@%d", i, md.Topic, md.Partition, md.Offset)
		}
		at := [2]int64{int64(md.Partition), md.Offset}
		if j, dup := taken[at]; dup {
			t.Errorf("records %d and %d both acknowledged at %d/%d", j, i, md.Partition, md.Offset)
		}
		taken[at] = i
	}
	return mds
}

// readBack reads the topic with kgo (ApiVersions capped at v2, which the
// mock answers correctly) and compares every record; records without a
// timestamp of their own were produced between start and end.
func readBack(t *testing.T, bootstrap []string, topic string, recs []samsa.Record, mds []samsa.RecordMetadata, start, end time.Time) {
	t.Helper()
	logAppend := 0
	v := kversion.Stable()
	v.SetMaxKeyVersion(18, 2)
	got := itest.ConsumeAll(t, bootstrap, topic, len(recs), itest.ConsumeOpts{Extra: []kgo.Opt{kgo.MaxVersions(v)}})
	if len(got) != len(recs) {
		t.Fatalf("read %d records, produced %d", len(got), len(recs))
	}
	at := itest.Positions(mds)
	for _, g := range got {
		i, ok := at[[2]int64{int64(g.Partition), g.Offset}]
		if !ok {
			t.Errorf("record at %d/%d was not acknowledged there", g.Partition, g.Offset)
			continue
		}
		md := mds[i]
		if md.TimestampType == samsa.LogAppendTime {
			// librdkafka's mock cluster answers every produce with
			// log_append_time 1234 ms though its topics keep the
			// records' CreateTime (the Java client would report the
			// same): check the timestamp read against the one sent,
			// or the time of the produce.
			logAppend++
			md.Timestamp = g.Timestamp
			if recs[i].Timestamp.IsZero() && (g.Timestamp.Before(start.Truncate(time.Millisecond)) || g.Timestamp.After(end)) {
				t.Errorf("record %d: timestamp %v, produced between %v and %v", i, g.Timestamp, start, end)
			}
		}
		if diff := itest.Equal(g, recs[i], md); diff != "" {
			t.Errorf("record %d: %s", i, diff)
		}
	}
	if logAppend > 0 {
		t.Logf("%d of %d acknowledgements carried the mock's log_append_time", logAppend, len(mds))
	}
}
