package cluster

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/wire"
)

// TestNewTopicSurvivesIdleSweep races Use of new topics with the idle
// sweep of metadataRequest: a topic just marked in use must never be
// swept as idle. (Use once published the topic with a zero last-use time
// for a moment; a refresh building its request then dropped the topic,
// and WaitTopic waited out max.block.ms for metadata nobody asked for.)
func TestNewTopicSurvivesIdleSweep(t *testing.T) {
	c, err := New(Config{Bootstrap: []string{"127.0.0.1:1"}, Wire: &wire.Options{}, MaxIdle: time.Minute,
		Reconnect: Backoff{Base: time.Second, Max: time.Second}, RefreshBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const topics = 3000
	stop := make(chan struct{})
	var sweeps sync.WaitGroup
	for range 2 {
		sweeps.Add(1)
		go func() {
			defer sweeps.Done()
			for {
				select {
				case <-stop:
					return
				default:
					c.metadataRequest()
				}
			}
		}()
	}
	var users sync.WaitGroup
	for w := range 4 {
		users.Add(1)
		go func() {
			defer users.Done()
			for i := w; i < topics; i += 4 {
				c.Use("t" + strconv.Itoa(i))
			}
		}()
	}
	users.Wait()
	close(stop)
	sweeps.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.topics) != topics {
		for i := range topics {
			if c.topics["t"+strconv.Itoa(i)] == nil {
				t.Fatalf("%d of %d topics in use were swept as idle, first t%d", topics-len(c.topics), topics, i)
			}
		}
	}
}
