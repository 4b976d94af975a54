// Package txn manages the identity of an idempotent or transactional
// producer: its producer id and epoch (InitProducerId), and the
// transaction state machine built on them.
package txn
