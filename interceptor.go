package samsa

// Interceptor observes records on their way through the producer, as the
// Java client's ProducerInterceptor. OnSend runs in Produce before the
// record is serialized and partitioned and may modify it; OnAcknowledgement
// runs once per record with its outcome, before the record's own callback.
//
// Interceptors run on the producer's hot path and must be quick and safe
// for concurrent use. A panicking interceptor is recovered and logged; the
// record continues as if the interceptor were not there.
type Interceptor interface {
	OnSend(r *Record)
	OnAcknowledgement(md RecordMetadata, err error)
}
