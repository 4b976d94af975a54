package samsaotel

import "github.com/samsa-go/samsa"

// headerCarrier lets a propagator read and write a record's headers. It
// never writes into the caller's header array, which records may share:
// a Set copies the headers first.
type headerCarrier struct{ r *samsa.Record }

// Get returns the value of the first header named key, or "".
func (c headerCarrier) Get(key string) string {
	for _, h := range c.r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// Set replaces the headers named key with one holding value, or appends
// it.
func (c headerCarrier) Set(key, value string) {
	hs := make([]samsa.Header, 0, len(c.r.Headers)+1)
	for _, h := range c.r.Headers {
		if h.Key != key {
			hs = append(hs, h)
		}
	}
	hs = append(hs, samsa.Header{Key: key, Value: []byte(value)})
	c.r.Headers = hs
}

// Keys returns the header names.
func (c headerCarrier) Keys() []string {
	keys := make([]string, len(c.r.Headers))
	for i, h := range c.r.Headers {
		keys[i] = h.Key
	}
	return keys
}
