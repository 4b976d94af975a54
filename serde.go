package samsa

// Serializer turns a value of type T into the bytes of a record key or
// value, as the Java client's Serializer.serialize(topic, headers, data).
// It may append to *headers (for example a schema id). A Serializer must be
// safe for concurrent use.
type Serializer[T any] interface {
	Serialize(topic string, headers *[]Header, v T) ([]byte, error)
}

// SerializerFunc adapts a function to the Serializer interface.
type SerializerFunc[T any] func(topic string, headers *[]Header, v T) ([]byte, error)

// Serialize calls f.
func (f SerializerFunc[T]) Serialize(topic string, headers *[]Header, v T) ([]byte, error) {
	return f(topic, headers, v)
}
