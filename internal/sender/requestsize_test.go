package sender

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
)

// TestRequestsKeepMaxRequestSize: a request whose batches have used up
// max.request.size exactly takes no further batch. The first batch of a
// request always goes; the room it leaves is then zero, and a zero limit
// used to mean "no limit" to Partition.Drain, so the second partition's
// batch went into the same request, past max.request.size (a broker such
// as Event Hubs closes the connection on that).
func TestRequestsKeepMaxRequestSize(t *testing.T) {
	value := func(tag string) string { return strings.Repeat("v", 900) + tag }
	checkOneBatchEach(t, compress.None, value, 0)
}

// TestCompressedRequestsKeepMaxRequestSize: an open batch compressed as it
// is drained goes into a request only if the most its compressed bytes can
// take fits the room left. Its compressed size is not known beforehand,
// and it used to go whatever the room: incompressible records took the
// request past max.request.size.
func TestCompressedRequestsKeepMaxRequestSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	value := func(tag string) string {
		b := make([]byte, 900)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return string(b) + tag
	}
	checkOneBatchEach(t, compress.LZ4, value, 40)
}

// checkOneBatchEach flushes two partitions' batches of one record each,
// value(tag), with max.request.size room for one such batch and spare
// bytes, and checks that they went in two requests within the limit. The
// batch's wire size comes from a first broker.
func checkOneBatchEach(t *testing.T, codec compress.Codec, value func(tag string) string, spare int) {
	t.Helper()
	probe := newHarness(t, harnessOpts{acks: -1, codec: codec})
	probeReqs := probe.recordRequests()
	probe.produce(0, value("-p"))
	probe.wait()
	if r := probeReqs(); len(r) != 1 || len(r[0]) != 1 {
		t.Fatalf("probe requests %v, want one batch", r)
	}
	size := probeReqs()[0][0].size

	h := newHarness(t, harnessOpts{acks: -1, codec: codec, linger: 10 * time.Second,
		maxRequest: size + partitionOverhead + requestOverhead + spare})
	reqs := h.recordRequests()
	h.appendTo(0, value("-0"))
	h.appendTo(1, value("-1"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.acc.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for v, err := range h.wait() {
		if err != nil {
			t.Fatalf("%s: %v", v[len(v)-2:], err)
		}
	}
	got := reqs()
	for _, batches := range got {
		total := requestOverhead
		for _, b := range batches {
			total += b.size + partitionOverhead
		}
		if total > h.s.cfg.MaxRequestSize {
			t.Errorf("a request carried batches %+v: %d bytes with framing, over max.request.size %d", batches, total, h.s.cfg.MaxRequestSize)
		}
	}
	if len(got) != 2 {
		t.Errorf("requests %v, want two of one batch each", got)
	}
}
