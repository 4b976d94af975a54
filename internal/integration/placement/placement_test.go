package placement

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/itest"
	"github.com/samsa-go/samsa/internal/javacheck"
	"github.com/samsa-go/samsa/internal/kafkatest"
)

// placementKeys returns keys of many shapes: short and long text, the
// empty key, binary keys with high bytes, and lengths 0 to 3 mod 4 (the
// murmur2 tail cases).
func placementKeys() [][]byte {
	keys := [][]byte{{}, {0}, {0xff}, {0x80, 0x00}, {0xde, 0xad, 0xbe}, {0xff, 0xff, 0xff, 0xff}}
	for i := range 300 {
		keys = append(keys, []byte(fmt.Sprintf("key-%d", i)))
	}
	for i := range 50 {
		b := make([]byte, i+1)
		for j := range b {
			b[j] = byte(i*31 + j*17 + 0x80)
		}
		keys = append(keys, b)
	}
	keys = append(keys, []byte(strings.Repeat("long key ", 200)), []byte("ünïcødé"))
	return keys
}

// encodeKey is the Java program's key notation: hex, "=" for empty.
func encodeKey(k []byte) string {
	if len(k) == 0 {
		return "="
	}
	return hex.EncodeToString(k)
}

// javaPlacement has Kafka's Java producer send one record per key to
// topic and returns the partition of each.
func javaPlacement(t *testing.T, bootstrap []string, topic string, keys [][]byte) map[string]int32 {
	t.Helper()
	var in bytes.Buffer
	fmt.Fprintf(&in, "%s\n%s\n", strings.Join(bootstrap, ","), topic)
	for _, k := range keys {
		fmt.Fprintln(&in, encodeKey(k))
	}
	out := javacheck.Run(t, "testdata/placekeys", "PlaceKeys", in.Bytes())
	placed := map[string]int32{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, p, ok := strings.Cut(line, " ")
		n, err := strconv.Atoi(p)
		if !ok || err != nil {
			t.Fatalf("Java printed %q", line)
		}
		placed[k] = int32(n)
	}
	if len(placed) != len(keys) {
		t.Fatalf("Java placed %d keys of %d", len(placed), len(keys))
	}
	return placed
}

func TestKeyedPlacementMatchesJava(t *testing.T) {
	javacheck.Require(t)
	c := kafkatest.Shared(t)
	bootstrap := c.Bootstrap(kafkatest.PLAINTEXT)
	keys := placementKeys()
	for _, partitions := range []int32{7, 12} {
		t.Run(fmt.Sprintf("%d-partitions", partitions), func(t *testing.T) {
			topic := c.NewTopic(t, partitions, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := c.WaitTopic(ctx, topic, partitions); err != nil {
				t.Fatal(err)
			}
			cfg := samsa.DefaultConfig()
			cfg.BootstrapServers = bootstrap
			// Placement is the partitioner's alone; the idempotent send
			// path has tests of its own (singlenode, threenode).
			cfg.Idempotence = samsa.IdempotenceOff
			p, err := samsa.NewProducer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(context.Background())
			recs := make([]samsa.Record, len(keys))
			for i, k := range keys {
				recs[i] = samsa.Record{Topic: topic, Key: k, Value: []byte("samsa")}
			}
			ours := map[string]int32{}
			for i, r := range p.SendSyncAll(ctx, recs) {
				if r.Err != nil {
					t.Fatalf("key %q: %v", keys[i], r.Err)
				}
				ours[encodeKey(keys[i])] = r.Metadata.Partition
			}
			java := javaPlacement(t, bootstrap, topic, keys)
			used := map[int32]bool{}
			for _, k := range keys {
				ek := encodeKey(k)
				if ours[ek] != java[ek] {
					t.Errorf("key %q: samsa chose partition %d, Java %d", k, ours[ek], java[ek])
				}
				used[java[ek]] = true
			}
			if len(used) != int(partitions) {
				t.Errorf("the keys used %d of %d partitions", len(used), partitions)
			}
			// Read both producers' records back: every key's records share
			// one partition.
			got := itest.ConsumeAll(t, bootstrap, topic, 2*len(keys), itest.ConsumeOpts{})
			where := map[string]int32{}
			counts := map[string]int{}
			for _, r := range got {
				ek := encodeKey(r.Key)
				if p, ok := where[ek]; ok && p != r.Partition {
					t.Fatalf("key %q in partitions %d and %d", r.Key, p, r.Partition)
				}
				where[ek] = r.Partition
				counts[ek+"/"+string(r.Value)]++
			}
			for _, k := range keys {
				ek := encodeKey(k)
				if counts[ek+"/samsa"] != 1 || counts[ek+"/java"] != 1 {
					t.Fatalf("key %q: %d samsa and %d Java records read back", k, counts[ek+"/samsa"], counts[ek+"/java"])
				}
			}
		})
	}
}
