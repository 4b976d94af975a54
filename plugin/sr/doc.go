// Package sr connects samsa's typed producer to a schema registry: a
// registry Client speaking the Confluent Schema Registry REST API, and
// serializers (samsa.Serializer) that write Avro, Protobuf and JSON
// Schema records in the Confluent wire format, with deserializers for
// reading them back.
//
// It is a Go module of its own (github.com/samsa-go/samsa/plugin/sr), so
// that samsa's core module depends on no schema library.
//
//	c, err := sr.NewClient(sr.ClientConfig{URLs: []string{"http://registry:8081"}})
//	values, err := sr.NewAvroSerializer[Order](c, orderSchema)
//	tp := samsa.NewTypedProducer(p, samsa.StringSerializer(), samsa.Serializer[Order](values))
//	tp.Produce(ctx, samsa.TypedRecord[string, Order]{Topic: "orders", Key: id, Value: order}, nil)
//
// # The wire format
//
// Each record is a magic byte 0, the schema's 4-byte big-endian global
// id, then the encoded value; Protobuf records carry the message indexes
// (zig-zag varints, [0] as a single 0 byte) between the id and the
// message. Java's, confluent-kafka-go's and franz-go's serdes read it.
//
// # Subjects and ids
//
// A serializer finds the subject of a topic with its
// SubjectNameStrategy (TopicNameStrategy, the default, RecordNameStrategy
// or TopicRecordNameStrategy; ForKeys for key serializers) and, on the
// first record for that topic, registers its schema there
// (auto.register.schemas, the default), looks it up (AutoRegister(false))
// or takes the subject's latest schema (UseLatestVersion). The id is then
// kept per topic in a copy-on-write map read without locks: later
// records make no request and allocate nothing beyond the encoder's own
// allocations. Prepare makes the first requests ahead of time, as they
// otherwise run in the goroutine that produces the first record.
//
// # The Client
//
// Client retries network errors, 5xx and 429 answers with exponential
// backoff and jitter, across the configured URLs; authenticates with
// basic auth or a bearer token; speaks TLS; and caches what cannot
// change (the schema of an id, the id of a registered schema). Registry
// errors are *Error values with the HTTP status, the registry's error
// code and message, matched with errors.Is against ErrSubjectNotFound and
// the other sentinels.
//
// # Testing
//
// Package srtest runs an in-process registry serving the same API, for
// tests and examples.
package sr
