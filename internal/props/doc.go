// Package props is the producer-properties layer behind
// samsa.ConfigFromProperties and samsa.LoadProperties: the Java
// .properties file reader (file.go), the table of every accepted key with
// its aliases from kafka-python and librdkafka, its range and whether it
// is secret (table.go, tls.go), the keys accepted and ignored or checked
// (ignored.go), the sasl.jaas.config parser (jaas.go), and the rules that
// combine several keys, such as building a tls.Config from inline PEM
// (finish.go).
//
// Properties set the fields of a config.Config, which the root package
// copies into the samsa.Config it returns. To add a property: define it
// in table.go (with its Config field, for errors), set the config.Config
// field of the same name, and list the key in docs/properties.md.
package props
