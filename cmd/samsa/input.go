package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-go/samsa"
)

// inputFormat says how produce turns its input into records.
type inputFormat struct {
	delimiter []byte // between records; "\n" by default
	keySep    []byte // between key and value; nil for no keys
	json      bool   // one JSON object a record
	base64    bool   // keys and values are base64
	wholeFile bool   // each input file is one record
	headers   []samsa.Header
	partition samsa.Partition
	topic     string
}

// maxRecordBytes bounds one record of input.
const maxRecordBytes = 64 << 20

// inputRecord is a parsed record and where it came from ("stdin:3",
// "orders.txt:12", or a file name for whole-file records).
type inputRecord struct {
	rec samsa.Record
	pos string
	err error // why the input at pos is not a record
}

// size is the record's key, value and header bytes.
func (r *inputRecord) size() int {
	n := len(r.rec.Key) + len(r.rec.Value)
	for _, h := range r.rec.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// scan reads records from r, named name in positions, and passes each to
// emit until emit returns false or the input ends. Empty records (blank
// lines) are skipped. It returns a read error.
func (f *inputFormat) scan(r io.Reader, name string, emit func(inputRecord) bool) error {
	if f.wholeFile {
		data, err := io.ReadAll(io.LimitReader(r, maxRecordBytes+1))
		if err != nil {
			return err
		}
		if len(data) > maxRecordBytes {
			emit(inputRecord{pos: name, err: fmt.Errorf("larger than %d bytes", maxRecordBytes)})
			return nil
		}
		rec, err := f.parse(data)
		emit(inputRecord{rec: rec, pos: name, err: err})
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxRecordBytes)
	sc.Split(splitOn(f.delimiter))
	for n := 1; sc.Scan(); n++ {
		tok := sc.Bytes()
		if len(tok) == 0 || (f.json && len(bytes.TrimSpace(tok)) == 0) {
			continue
		}
		rec, err := f.parse(tok)
		if !emit(inputRecord{rec: rec, pos: name + ":" + strconv.Itoa(n), err: err}) {
			return nil
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return fmt.Errorf("%s: a record is longer than %d bytes (wrong --delimiter?)", name, maxRecordBytes)
	}
	return sc.Err()
}

// splitOn is a bufio.SplitFunc for records separated by delim.
func splitOn(delim []byte) bufio.SplitFunc {
	return func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.Index(data, delim); i >= 0 {
			return i + len(delim), data[:i], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	}
}

// parse makes a record of one piece of input. The bytes are copied.
func (f *inputFormat) parse(b []byte) (samsa.Record, error) {
	if f.json {
		return f.parseJSON(b)
	}
	rec := samsa.Record{Topic: f.topic, Partition: f.partition, Headers: f.headers}
	value := b
	if f.keySep != nil {
		key, rest, ok := bytes.Cut(b, f.keySep)
		if !ok {
			return rec, fmt.Errorf("no key separator %q", f.keySep)
		}
		k, err := f.decode("key", key)
		if err != nil {
			return rec, err
		}
		rec.Key, value = k, rest
	}
	v, err := f.decode("value", value)
	rec.Value = v
	return rec, err
}

// decode copies b, decoding base64 when asked to.
func (f *inputFormat) decode(what string, b []byte) ([]byte, error) {
	if !f.base64 {
		return bytes.Clone(b), nil
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("%s is not valid base64 (bad byte at offset %d)", what, int64(ce))
		}
		return nil, fmt.Errorf("%s is not valid base64: %v", what, err)
	}
	return out[:n], nil
}

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

// parseHeaderFlag parses -H key=value.
func parseHeaderFlag(s string) (samsa.Header, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return samsa.Header{}, errors.New("want KEY=VALUE")
	}
	return samsa.Header{Key: k, Value: []byte(v)}, nil
}

// unescape turns \n, \t, \r, \0, \\ and \xHH in a flag value into bytes,
// so that delimiters can be given on a command line.
func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			out = append(out, c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case '0':
			out = append(out, 0)
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, errors.New(`\x needs two hex digits`)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, errors.New(`\x needs two hex digits`)
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, fmt.Errorf(`unknown escape \%c (use \n, \t, \r, \0, \\ or \xHH)`, s[i])
		}
	}
	if len(out) == 0 {
		return nil, errors.New("empty")
	}
	return out, nil
}
