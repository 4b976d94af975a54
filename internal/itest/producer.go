package itest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
)

// ProducerConfig returns what samsa.ConfigFromProperties makes of props
// with bootstrap.servers set to bootstrap (props may override it), failing
// the test on an error.
func ProducerConfig(t testing.TB, bootstrap []string, props map[string]string) samsa.Config {
	t.Helper()
	all := map[string]string{"bootstrap.servers": strings.Join(bootstrap, ",")}
	for k, v := range props {
		all[k] = v
	}
	cfg, err := samsa.ConfigFromProperties(all)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// CloseAtCleanup closes p when the test ends, giving Close timeout; with
// report, an error from Close fails the test.
func CloseAtCleanup(t testing.TB, p *samsa.Producer, timeout time.Duration, report bool) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := p.Close(ctx); err != nil && report {
			t.Errorf("close: %v", err)
		}
	})
}

// ProduceAll produces recs with Produce, flushes, waits for every outcome
// and returns them in recs' order.
func ProduceAll(ctx context.Context, t testing.TB, p *samsa.Producer, recs []samsa.Record) ([]samsa.RecordMetadata, []error) {
	t.Helper()
	mds := make([]samsa.RecordMetadata, len(recs))
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	wg.Add(len(recs))
	for i, r := range recs {
		p.Produce(ctx, r, func(md samsa.RecordMetadata, err error) { mds[i], errs[i] = md, err; wg.Done() })
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return mds, errs
}
