package txn

import (
	"errors"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/accumulator"
	"github.com/samsa-go/samsa/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestAbortableErrorStaysInItsTransaction: the add loop fails the unsent
// records of a transaction whose AddPartitionsToTxn was refused; while
// it is still delivering them (held here in the first batch's delivery),
// the transaction is aborted (which waits for that delivery) and the next
// one begins and appends. The late failure must touch neither the next transaction's records nor its
// state: before the fix the add loop failed the new record with the old
// transaction's error, and that batch's failure (and the held one's)
// made the new transaction abortable (TestTransactionErrorCodes/v1/
// AddPartitionsToTxn/29 saw it rarely as the second commit failing with
// TOPIC_AUTHORIZATION_FAILED).
func TestAbortableErrorStaysInItsTransaction(t *testing.T) {
	held, release := make(chan *accumulator.Batch, 1), make(chan struct{})
	failed := make(chan string, 8)
	h := newHarness(t, harnessOpts{txnID: "tx", v1: true, deliver: func(h *harness, b *accumulator.Batch) {
		if b.Err == nil {
			return
		}
		failed <- b.Entries()[0].CB.(string)
		if !errors.Is(b.Err, ErrAborted) && b.P.ID == 0 {
			select {
			case held <- b:
				<-release
			default:
			}
		}
		h.m.BatchFailed(b, b.Err)
	}})
	ctx := h.ctx()
	h.reach(InTransaction)
	h.inject(kmsg.AddPartitionsToTxn, int16(kerr.TopicAuthorizationFailed), 1)
	p0, p1 := h.partition(0), h.partition(1)
	for _, p := range []*accumulator.Partition{p0, p1} {
		if err := h.acc.Append(ctx, p, &accumulator.Record{Value: []byte("first"), CB: "first"}, false); err != nil {
			t.Fatal(err)
		}
	}
	h.m.AddPartition(p0)
	h.m.AddPartition(p1)
	<-held // the add loop is failing the first transaction's records
	// AbortTransaction waits for the callbacks of the delivery under way,
	// as Flush does: it returns only once the held delivery is released.
	aborted := make(chan error, 1)
	go func() { aborted <- h.m.AbortTransaction(ctx) }()
	select {
	case err := <-aborted:
		t.Fatalf("AbortTransaction returned (%v) while a delivery of its records was under way", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-aborted; err != nil {
		t.Fatalf("AbortTransaction: %v", err)
	}
	if err := h.m.BeginTransaction(); err != nil {
		t.Fatalf("BeginTransaction: %v", err)
	}
	if err := h.acc.Append(ctx, p1, &accumulator.Record{Value: []byte("second"), CB: "second"}, false); err != nil {
		t.Fatal(err)
	}
	h.m.AddPartition(p1)
	// The add loop adds p1 to the second transaction once it is done
	// with the first one's failure.
	waitFor(t, func() bool { return h.m.Sendable(p1) || h.state() != InTransaction })
	if st := h.state(); st != InTransaction {
		t.Fatalf("the second transaction is %v, want %v", st, InTransaction)
	}
	if n, _ := p1.Buffered(); n != 1 {
		t.Fatalf("p1 buffers %d records, want the second transaction's 1", n)
	}
	close(failed)
	var got []string
	for v := range failed {
		got = append(got, v)
	}
	if len(got) != 2 || got[0] == "second" || got[1] == "second" {
		t.Fatalf("failed records %q, want the first transaction's two", got)
	}
}
