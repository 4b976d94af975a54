package samsa

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// TestFallbackIdempotenceOldBroker: idempotence on brokers older than
// Kafka 2.5, whose InitProducerId (v0-v2) cannot bump an epoch (KIP-360):
// after UNKNOWN_PRODUCER_ID the producer starts over with a new producer
// id instead, and the record is still delivered. On 2.5 and newer it asks
// for the next epoch of its id. (The real brokers of the compatibility
// matrix are all 2.8 or newer; kfake plays the older ones.)
func TestFallbackIdempotenceOldBroker(t *testing.T) {
	for _, tc := range []struct {
		name     string
		versions *kversion.Versions
		bumps    bool // the second InitProducerId names the current id
	}{
		{"2.4", kversion.V2_4_0(), false},
		{"2.5", kversion.V2_5_0(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"), kfake.MaxVersions(tc.versions))
			var mu sync.Mutex
			var inits []*kmsg.InitProducerIDRequest
			c.ControlKey(kmsg.InitProducerID.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				mu.Lock()
				inits = append(inits, req.(*kmsg.InitProducerIDRequest))
				mu.Unlock()
				return nil, nil, false
			})
			injected := false
			c.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				if injected {
					return nil, nil, false
				}
				injected = true
				pr := req.(*kmsg.ProduceRequest)
				resp := pr.ResponseKind().(*kmsg.ProduceResponse)
				resp.SetVersion(pr.GetVersion())
				for _, rt := range pr.Topics {
					t := kmsg.NewProduceResponseTopic()
					t.Topic = rt.Topic
					for _, rp := range rt.Partitions {
						p := kmsg.NewProduceResponseTopicPartition()
						p.Partition, p.ErrorCode = rp.Partition, 59 // UNKNOWN_PRODUCER_ID
						t.Partitions = append(t.Partitions, p)
					}
					resp.Topics = append(resp.Topics, t)
				}
				return resp, nil, true
			})
			p := testProducer(t, c.ListenAddrs(), func(cfg *Config) { cfg.RetryBackoff = 10 * time.Millisecond })
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			md, err := p.SendSync(ctx, Record{Topic: "t", Value: []byte("once")})
			if err != nil {
				t.Fatalf("record not delivered after UNKNOWN_PRODUCER_ID: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(inits) < 2 {
				t.Fatalf("%d InitProducerId requests, want a second one after UNKNOWN_PRODUCER_ID", len(inits))
			}
			second := inits[1]
			if maxV, _ := tc.versions.LookupMaxKeyVersion(kmsg.InitProducerID.Int16()); second.GetVersion() > maxV {
				t.Fatalf("InitProducerId v%d sent to a broker that knows v%d at most", second.GetVersion(), maxV)
			}
			if named := second.ProducerID >= 0; named != tc.bumps {
				t.Fatalf("second InitProducerId v%d names producer id %d; want an epoch bump of the current id: %v",
					second.GetVersion(), second.ProducerID, tc.bumps)
			}
			if md.Offset != 0 {
				t.Fatalf("the record landed at offset %d, want 0 (written once)", md.Offset)
			}
		})
	}
}
