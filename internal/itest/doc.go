// Package itest holds helpers shared by samsa's integration tests: reading
// records back with an independent client (franz-go's kgo) and comparing
// them with what was produced.
package itest
