// Package cli parses the command lines of the samsa command: GNU-style long
// flags (--name value, --name=value), short flags (-X value, -Xvalue),
// repeatable flags, flags taking several values (--producer-props a=1 b=2,
// as Kafka's tools take them), and positional arguments anywhere. Errors
// name the flag and, for an unknown flag, suggest the nearest known one.
package cli
