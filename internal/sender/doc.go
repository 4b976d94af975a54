// Package sender moves batches from the accumulator to the brokers: one
// sink per broker drains the ready batches of every partition that broker
// leads into produce requests (up to max.request.size, up to
// max.in.flight requests on the connection), writes them with one writev
// each, and turns each response into batch outcomes: success, a retry with
// exponential backoff, a split (MESSAGE_TOO_LARGE), or a failure.
//
// Goroutines: one per sink (drain and write), the connection reader of
// each broker connection (responses and outcomes), and one housekeeping
// goroutine (delivery timeouts of partitions without a leader). Sinks find
// their partitions through the accumulator's Wake hook and through
// metadata updates, which move partitions between sinks when leaders
// change.
package sender
