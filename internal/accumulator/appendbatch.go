package accumulator

import (
	"context"
	"errors"
)

// AppendBatch adds recs to partition p as one batch of their own, in
// order, behind everything appended to p before (the open batch is sealed
// first): the caller-built batches of direct batch control. It blocks for
// memory as Append does; on error nothing is appended.
func (a *Accumulator) AppendBatch(ctx context.Context, p *Partition, recs []Record, try bool) error {
	if len(recs) == 0 {
		return nil
	}
	need := int64(batchOverhead)
	for i := range recs {
		need += int64(recs[i].size())
	}
	if err := a.reserve(ctx, need, try); err != nil {
		return err
	}
	buf := a.bufs.get(int(need))
	p.mu.Lock()
	if err := a.gateError(); err != nil {
		p.mu.Unlock()
		a.unreserve(need)
		a.bufs.put(buf)
		return err
	}
	before := p.sealOpenLocked()
	b := p.newBatchLocked(buf, need, need)
	for i := range recs {
		if b.tryAppend(&recs[i]) < 0 {
			// Sizes are upper bounds, so this cannot happen; fail loudly
			// rather than send a partial batch.
			p.mu.Unlock()
			a.unreserve(need)
			a.bufs.put(buf)
			return errBatchSizing
		}
	}
	p.open = b
	p.addUndeliveredLocked(b)
	p.bufRecords += int64(len(b.entries))
	p.bufBytes += b.bytes
	own := p.sealOpenLocked()
	p.mu.Unlock()
	a.batchesCreated.Add(1)
	if before != nil {
		p.finishSeal(before)
	}
	if own != nil {
		p.finishSeal(own)
	}
	a.cfg.Wake(p)
	return nil
}

var errBatchSizing = errors.New("accumulator: a record outgrew its size bound")
