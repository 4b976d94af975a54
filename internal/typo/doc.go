// Package typo measures how far a mistyped name is from the names that
// exist, for the "did you mean" of configuration keys, SASL mechanisms and
// command-line flags.
package typo
