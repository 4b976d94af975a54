package samsa

import (
	"context"
	"errors"
	"fmt"

	"github.com/samsa-go/samsa/internal/txn"
)

// Errors of transactional producers. Test for them with errors.Is.
var (
	// ErrTransactionState: the call is not allowed in the producer's
	// current transaction state, such as BeginTransaction before
	// InitTransactions, CommitTransaction without a transaction, a record
	// produced outside a transaction, or any transactional call on a
	// producer without a transactional id.
	ErrTransactionState = errors.New("samsa: not allowed in the current transaction state")
	// ErrTransactionNeedsAbort: the transaction cannot commit (one of its
	// records failed, or the coordinator refused it). Abort it; the
	// producer can then begin another one.
	ErrTransactionNeedsAbort = errors.New("samsa: the transaction must be aborted")
	// ErrProducerFatal: the producer can no longer be used, for example
	// because a newer producer with the same transactional id fenced it
	// (errors.Is(err, kerr.ProducerFenced) then holds too). Close it.
	ErrProducerFatal = errors.New("samsa: the producer cannot continue")
	// ErrTransactionAborted is the outcome of records of an aborted
	// transaction that had not been sent.
	ErrTransactionAborted = errors.New("samsa: transaction aborted")
)

// GroupMetadata identifies the consumer group member whose offsets
// SendOffsetsToTransaction commits (KIP-447): copy it from the consumer
// that read the records being transformed, so that the group coordinator
// can fence a zombie member. Every field but GroupID may be left unset,
// and unset fields go to the coordinator as Kafka's "unknown" values, as
// the Java client's ConsumerGroupMetadata(groupId) sends them: a
// GroupMetadata{GroupID: g} commits the offsets without member fencing.
type GroupMetadata struct {
	// GroupID is the consumer group (group.id). Required.
	GroupID string
	// GenerationID is the member's generation (the classic protocol) or
	// member epoch (KIP-848). 0, the zero value, and -1 mean unknown and
	// are sent as -1: Kafka never gives a member generation 0, the first
	// is 1.
	GenerationID int32
	// MemberID is the member's id; empty means unknown.
	MemberID string
	// GroupInstanceID is the static member's group.instance.id; empty
	// when the member is not static (Kafka does not allow an empty
	// group.instance.id, so empty cannot be a real one).
	GroupInstanceID string
}

// TopicPartition names one partition of a topic: where SendBatch sends a
// batch, and whose consumer offset SendOffsetsToTransaction commits.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// OffsetAndMetadata is a consumer offset to commit with
// SendOffsetsToTransaction. Unset fields go to the coordinator as Kafka's
// "unknown" values.
type OffsetAndMetadata struct {
	// Offset is the offset of the next record to consume: the last
	// consumed record's offset + 1. It must not be negative.
	Offset int64
	// LeaderEpoch is the leader epoch of the last consumed record
	// (KIP-320), which lets a consumer resuming from this offset detect a
	// truncated log; nil means unknown (sent as -1, as is any negative
	// epoch). Epoch 0 is a real epoch: a partition's first leader has it.
	// From a record: LeaderEpoch: new(rec.LeaderEpoch).
	LeaderEpoch *int32
	// Metadata is kept with the offset; empty sends none (null).
	Metadata string
}

// InitTransactions prepares a transactional producer (Config.TransactionalID):
// it finds the transaction coordinator and gets the producer's id and
// epoch, fencing any earlier producer with the same transactional id and
// completing that producer's open transaction. Call it once, before the
// first BeginTransaction; after a failure it may be called again.
//
// The transactional calls wait for the coordinator until ctx ends; one
// under way when Close runs, or made after Close began, returns an error
// matching ErrProducerClosed instead.
func (p *Producer) InitTransactions(ctx context.Context) error {
	if err := p.requireTxn("InitTransactions"); err != nil {
		return err
	}
	return p.txnError(p.ids.InitTransactions(ctx))
}

// BeginTransaction starts a transaction. Records produced until
// CommitTransaction or AbortTransaction belong to it.
func (p *Producer) BeginTransaction() error {
	if err := p.requireTxn("BeginTransaction"); err != nil {
		return err
	}
	return p.txnError(p.ids.BeginTransaction())
}

// CommitTransaction sends every record of the transaction, waits for
// them, and commits the transaction. If a record failed, it returns an
// error matching ErrTransactionNeedsAbort: call AbortTransaction. When ctx
// ends first it returns ctx's error and may be called again to resume.
// Inside a delivery callback it returns an error matching
// ErrInsideCallback, as Flush does.
func (p *Producer) CommitTransaction(ctx context.Context) error {
	if err := p.requireTxn("CommitTransaction"); err != nil {
		return err
	}
	if err := p.refuseInsideCallback("CommitTransaction"); err != nil {
		return err
	}
	if err := p.parked.wait(ctx); err != nil { // they belong to this transaction
		return err
	}
	p.snd.WakeAll()
	return p.txnError(p.ids.CommitTransaction(ctx))
}

// AbortTransaction aborts the transaction: its records not sent yet fail
// with ErrTransactionAborted and are never sent, the producer waits for
// those in flight, and the coordinator marks the transaction aborted so
// that read_committed consumers skip its records. When ctx ends first it
// returns ctx's error and may be called again to resume. Inside a
// delivery callback it returns an error matching ErrInsideCallback, as
// Flush does.
func (p *Producer) AbortTransaction(ctx context.Context) error {
	if err := p.requireTxn("AbortTransaction"); err != nil {
		return err
	}
	if err := p.refuseInsideCallback("AbortTransaction"); err != nil {
		return err
	}
	if err := p.parked.wait(ctx); err != nil { // they belong to this transaction
		return err
	}
	return p.txnError(p.ids.AbortTransaction(ctx))
}

// SendOffsetsToTransaction adds consumer group offsets to the
// transaction, so that they are committed if and only if the transaction
// is: the consume-transform-produce pattern. group identifies the group
// member (KIP-447), which lets the coordinator fence zombie members.
func (p *Producer) SendOffsetsToTransaction(ctx context.Context, offsets map[TopicPartition]OffsetAndMetadata, group GroupMetadata) error {
	if err := p.requireTxn("SendOffsetsToTransaction"); err != nil {
		return err
	}
	if group.GroupID == "" {
		return errors.New("samsa: SendOffsetsToTransaction needs GroupMetadata.GroupID, the consumer group whose offsets it commits")
	}
	list, err := txnOffsets(offsets)
	if err != nil {
		return err
	}
	gm := txn.GroupMetadata{GroupID: group.GroupID, Generation: group.GenerationID, MemberID: group.MemberID}
	if group.GroupInstanceID != "" {
		gm.GroupInstanceID = &group.GroupInstanceID
	}
	if gm.Generation == 0 {
		gm.Generation = -1
	}
	return p.txnError(p.ids.SendOffsets(ctx, list, gm))
}

// txnOffsets converts offsets for the transaction manager, with unset
// leader epochs as -1, and rejects negative offsets.
func txnOffsets(offsets map[TopicPartition]OffsetAndMetadata) ([]txn.Offset, error) {
	list := make([]txn.Offset, 0, len(offsets))
	for tp, o := range offsets {
		if o.Offset < 0 {
			return nil, fmt.Errorf("samsa: SendOffsetsToTransaction: offset %d for %s[%d] is negative", o.Offset, tp.Topic, tp.Partition)
		}
		epoch := int32(-1)
		if o.LeaderEpoch != nil && *o.LeaderEpoch >= 0 {
			epoch = *o.LeaderEpoch
		}
		var md *string
		if o.Metadata != "" {
			md = &o.Metadata
		}
		list = append(list, txn.Offset{Topic: tp.Topic, Partition: tp.Partition, Offset: o.Offset, LeaderEpoch: epoch, Metadata: md})
	}
	return list, nil
}

// Transact runs fn inside a transaction: it begins one, commits it when
// fn returns nil, and aborts it when fn returns an error or panics (the
// panic then continues). It returns fn's error, or the commit's. Inside a
// delivery callback it returns an error matching ErrInsideCallback
// without beginning a transaction.
func (p *Producer) Transact(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := p.refuseInsideCallback("Transact"); err != nil {
		return err // it could neither commit nor abort there
	}
	if err := p.BeginTransaction(); err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			_ = p.AbortTransaction(context.WithoutCancel(ctx))
			panic(v)
		}
	}()
	if err := fn(ctx); err != nil {
		if aerr := p.AbortTransaction(ctx); aerr != nil {
			return errors.Join(err, fmt.Errorf("aborting: %w", aerr))
		}
		return err
	}
	if err := p.CommitTransaction(ctx); err != nil {
		if errors.Is(err, ErrTransactionNeedsAbort) {
			if aerr := p.AbortTransaction(ctx); aerr != nil {
				return errors.Join(err, fmt.Errorf("aborting: %w", aerr))
			}
		}
		return err
	}
	return nil
}

func (p *Producer) requireTxn(op string) error {
	if p.ids == nil || !p.ids.Transactional() {
		return fmt.Errorf("%w: %s needs a transactional producer (Config.TransactionalID, transactional.id)", ErrTransactionState, op)
	}
	if p.closing.Load() {
		return fmt.Errorf("%w: %s after Close", ErrProducerClosed, op)
	}
	return nil
}

// txnError maps the transaction manager's errors to samsa's.
func (p *Producer) txnError(err error) error {
	if err == nil {
		return nil
	}
	var (
		se *txn.StateError
		ae *txn.AbortableError
		fe *txn.ProducerFatalError
	)
	switch {
	case errors.Is(err, txn.ErrClosed):
		return fmt.Errorf("%w: %w", ErrProducerClosed, err)
	case errors.As(err, &fe):
		return fmt.Errorf("%w: %w", ErrProducerFatal, p.codeError(fe.Err))
	case errors.As(err, &ae):
		return fmt.Errorf("%w: %w", ErrTransactionNeedsAbort, p.codeError(ae.Err))
	case errors.As(err, &se):
		return fmt.Errorf("%w: %v", ErrTransactionState, se)
	}
	return p.codeError(err)
}

// codeError turns a coordinator error code into a KafkaError, keeping
// the API it came from.
func (p *Producer) codeError(err error) error {
	var ce *txn.CodeError
	if errors.As(err, &ce) {
		return fmt.Errorf("%s: %w", ce.API, kafkaError(ce.Code, ce.Msg))
	}
	return err
}
