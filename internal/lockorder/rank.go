package lockorder

// Rank is implemented by the rank types of this package only.
type Rank interface {
	// rank returns the rank's number and the mutex it names.
	rank() (int, string)
}

// The ranks, outer first. The numbers leave room for new ones.
type (
	// CLITxn is the samsa command's perfRun.txnMu: write-held to commit a
	// transaction, read-held around Produce.
	CLITxn struct{}
	// CLIOutput is the samsa command's produce state mu, which serializes
	// error lines (it prints through the terminal writer). Records'
	// callbacks take it, and AbortTransaction delivers the records it fails
	// with txn locks held (see DESIGN.md), so it ranks above those.
	CLIOutput struct{}
	// CLITerm is the samsa command's termWriter.mu: clearThen runs its
	// print function under it, which reads the perf statistics (a leaf).
	CLITerm struct{}
	// TxnOp is txn.transactional.opMu: one transactional call at a time.
	TxnOp struct{}
	// TxnAddRun is txn.transactional.addRun: held while
	// AddPartitionsToTxn is under way, and by the transaction's end.
	TxnAddRun struct{}
	// TxnAdd is txn.transactional.addMu: the current transaction's
	// partitions.
	TxnAdd struct{}
	// TxnManager is txn.Manager.mu: the producer id and epoch.
	TxnManager struct{}
	// TxnCoordinator is txn.coordinated.mu: the transaction coordinator broker.
	TxnCoordinator struct{}
	// Sender is sender.Sender.mu: the sinks and partitions waiting for a
	// leader.
	Sender struct{}
	// Sink is sender.sink.mu: the partitions a sink drains.
	Sink struct{}
	// Topics is accumulator.Accumulator.topicsMu: adding topics and
	// growing their partitions.
	Topics struct{}
	// Partition is accumulator.Partition.mu: a partition's batches.
	Partition struct{}
	// Pool is accumulator.Pool.mu: the buffer.memory budget.
	Pool struct{}
	// Cluster is cluster.Cluster.mu: the broker and topic maps.
	Cluster struct{}
	// Broker is cluster.Broker.mu: a broker's address and connections.
	Broker struct{}
	// ConnWrite is wire.Conn.writeMu: writes and re-authentication.
	ConnWrite struct{}
	// ConnPending is wire.Conn.pendMu: requests awaiting responses.
	ConnPending struct{}
	// OAuth is oauth.Source.mu: the current OAUTHBEARER token.
	OAuth struct{}
	// Leaf is every mutex under which no other is taken: spool.Log.mu,
	// spooler.Spooler.mu, the producer's recoveryState.mu and metrics
	// state, sender.stats.mu, telemetry.Client.closeMu, the round-robin
	// partitioner's mu, accumulator.pacer.mu, BatchFuture.mu, compress's
	// zstdEncMu, and in the samsa command the reachability watcher and the
	// perf statistics.
	Leaf struct{}
)

func (CLITxn) rank() (int, string)         { return 1, "samsa command perfRun.txnMu" }
func (CLIOutput) rank() (int, string)      { return 55, "samsa command produce state mu" }
func (CLITerm) rank() (int, string)        { return 57, "samsa command termWriter.mu" }
func (TxnOp) rank() (int, string)          { return 10, "txn.transactional.opMu" }
func (TxnAddRun) rank() (int, string)      { return 20, "txn.transactional.addRun" }
func (TxnAdd) rank() (int, string)         { return 30, "txn.transactional.addMu" }
func (TxnManager) rank() (int, string)     { return 40, "txn.Manager.mu" }
func (TxnCoordinator) rank() (int, string) { return 50, "txn.coordinated.mu" }
func (Sender) rank() (int, string)         { return 60, "sender.Sender.mu" }
func (Sink) rank() (int, string)           { return 70, "sender.sink.mu" }
func (Topics) rank() (int, string)         { return 80, "accumulator.Accumulator.topicsMu" }
func (Partition) rank() (int, string)      { return 90, "accumulator.Partition.mu" }
func (Pool) rank() (int, string)           { return 100, "accumulator.Pool.mu" }
func (Cluster) rank() (int, string)        { return 110, "cluster.Cluster.mu" }
func (Broker) rank() (int, string)         { return 120, "cluster.Broker.mu" }
func (ConnWrite) rank() (int, string)      { return 130, "wire.Conn.writeMu" }
func (ConnPending) rank() (int, string)    { return 140, "wire.Conn.pendMu" }
func (OAuth) rank() (int, string)          { return 150, "oauth.Source.mu" }
func (Leaf) rank() (int, string)           { return 1000, "a leaf mutex" }
