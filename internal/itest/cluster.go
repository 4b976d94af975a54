package itest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/kafkatest"
)

// KillAll kills every broker of c with kill -9.
func KillAll(t testing.TB, c *kafkatest.Cluster) {
	t.Helper()
	for _, id := range c.NodeIDs() {
		if err := c.Kill(id); err != nil {
			t.Fatalf("kill node %d: %v", id, err)
		}
	}
}

// RestartAll starts every broker of c again, all at once: a KRaft quorum
// of three needs two of them before any is ready.
func RestartAll(t testing.TB, c *kafkatest.Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for _, id := range c.NodeIDs() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Restart(ctx, id); err != nil {
				t.Errorf("restart node %d: %v\n%s", id, err, c.LogTail(id, 30))
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// Positions maps each acknowledged record's partition and offset to its
// index in mds, to find which produced record a record read back is.
func Positions(mds []samsa.RecordMetadata) map[[2]int64]int {
	at := make(map[[2]int64]int, len(mds))
	for i, md := range mds {
		at[[2]int64{int64(md.Partition), md.Offset}] = i
	}
	return at
}
