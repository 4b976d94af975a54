package cluster

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestUseNeverDroppedAsIdle races Use with the building of metadata
// requests, which drops topics idle for longer than MaxIdle: a topic just
// added by Use must never look idle. If it did, the refresh that Use asks
// for would leave it out, and a producer would wait for its metadata
// until max.block.ms.
func TestUseNeverDroppedAsIdle(t *testing.T) {
	c := &Cluster{cfg: Config{MaxIdle: time.Minute}, topics: map[string]*topicUse{}}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				c.metadataRequest()
				runtime.Gosched()
			}
		}()
	}
	defer func() { stop.Store(true); wg.Wait() }()
	for i := range 50_000 {
		name := fmt.Sprint("t", i)
		c.Use(name)
		c.mu.Lock()
		_, ok := c.topics[name]
		delete(c.topics, name) // keep the map, and metadataRequest, small
		c.mu.Unlock()
		if !ok {
			t.Fatalf("topic %s, just used, was dropped as idle (after %d topics)", name, i)
		}
	}
}
