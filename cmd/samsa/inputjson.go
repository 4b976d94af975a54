package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/samsa-go/samsa"
)

// jsonRecord is one line of --json input.
type jsonRecord struct {
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value"`
	Headers   json.RawMessage `json:"headers"`
	Partition *int32          `json:"partition"`
	Timestamp json.RawMessage `json:"timestamp"`
	Topic     string          `json:"topic"`
}

// parseJSON parses {"key":..,"value":..,"headers":{..},"partition":..,
// "timestamp":..}. A string key or value is its text (or its base64
// decoding); null is null; any other JSON value is its JSON text.
func (f *inputFormat) parseJSON(b []byte) (samsa.Record, error) {
	rec := samsa.Record{Topic: f.topic, Partition: f.partition, Headers: f.headers}
	var jr jsonRecord
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jr); err != nil {
		return rec, fmt.Errorf("not a JSON record: %v", err)
	}
	if dec.More() {
		return rec, errors.New("not a JSON record: more than one JSON value")
	}
	var err error
	if jr.Topic != "" {
		rec.Topic = jr.Topic
	}
	if rec.Key, err = f.jsonBytes("key", jr.Key); err != nil {
		return rec, err
	}
	if rec.Value, err = f.jsonBytes("value", jr.Value); err != nil {
		return rec, err
	}
	if jr.Partition != nil {
		if *jr.Partition < 0 {
			return rec, fmt.Errorf("partition %d is negative", *jr.Partition)
		}
		rec.Partition = samsa.PartitionOf(*jr.Partition)
	}
	if rec.Timestamp, err = jsonTime(jr.Timestamp); err != nil {
		return rec, err
	}
	hs, err := jsonHeaders(jr.Headers)
	if err != nil {
		return rec, err
	}
	rec.Headers = append(append([]samsa.Header(nil), f.headers...), hs...)
	return rec, nil
}

// jsonHasKey reports whether the JSON record b has a "key" field.
func jsonHasKey(b []byte) bool {
	var probe struct {
		Key json.RawMessage `json:"key"`
	}
	return json.Unmarshal(b, &probe) == nil && len(probe.Key) > 0
}

// jsonBytes converts a JSON key or value to bytes.
func (f *inputFormat) jsonBytes(what string, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '"' {
		return bytes.Clone(raw), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	return f.decode(what, []byte(s))
}

// jsonTime reads a timestamp: milliseconds since the epoch, or RFC 3339.
func jsonTime(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, fmt.Errorf("timestamp: %v", err)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339 (2006-01-02T15:04:05Z) or milliseconds since 1970", s)
		}
		return t, nil
	}
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || ms < 0 {
		return time.Time{}, fmt.Errorf("timestamp %s is not milliseconds since 1970", raw)
	}
	return time.UnixMilli(ms), nil
}

// jsonHeaders reads headers as an object {"k":"v"} (null values allowed;
// keys in the order written) or a list [{"key":"k","value":"v"}] (keys may
// repeat).
func jsonHeaders(raw json.RawMessage) ([]samsa.Header, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '[' {
		var list []struct {
			Key   string  `json:"key"`
			Value *string `json:"value"`
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("headers: %v", err)
		}
		out := make([]samsa.Header, len(list))
		for i, h := range list {
			out[i] = samsa.Header{Key: h.Key, Value: strBytes(h.Value)}
		}
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New(`headers: want an object {"key": "value"} or a list [{"key": .., "value": ..}]`)
	}
	var out []samsa.Header
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("headers: %v", err)
		}
		var v *string
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("headers: value of %q: want a string or null", k)
		}
		out = append(out, samsa.Header{Key: k.(string), Value: strBytes(v)})
	}
	return out, nil
}

func strBytes(s *string) []byte {
	if s == nil {
		return nil
	}
	return []byte(*s)
}
