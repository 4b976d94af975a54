package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"

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

	// lineHeaders, when set, reads headers before the key and value, as
	// kafka-console-producer's parse.headers does.
	lineHeaders *headerFormat
	// nullMarker, when set, turns a key, value or header value equal to
	// it into null (null.marker).
	nullMarker *string
	// ignoreError takes a record without its key separator (or headers
	// delimiter) as having no key (or headers) instead of failing it.
	ignoreError bool
	fixedKey    []byte // the key of records without one of their own (-k)
	emptyAsNull bool   // an empty key or value is null (-Z)
	keepRaw     bool   // keep each record's input bytes (for -T)
}

// maxRecordBytes bounds one record of input.
const maxRecordBytes = 64 << 20

// inputRecord is a parsed record and where it came from ("stdin:3",
// "orders.txt:12", or a file name for whole-file records).
type inputRecord struct {
	rec samsa.Record
	pos string
	err error  // why the input at pos is not a record
	raw []byte // the input it was read from, when keepRaw
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
		emit(inputRecord{rec: rec, pos: name, err: err, raw: f.rawOf(data)})
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
		if !emit(inputRecord{rec: rec, pos: name + ":" + strconv.Itoa(n), err: err, raw: f.rawOf(tok)}) {
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

// rawOf returns a copy of b when the input bytes are kept.
func (f *inputFormat) rawOf(b []byte) []byte {
	if !f.keepRaw {
		return nil
	}
	return bytes.Clone(b)
}

// parse makes a record of one piece of input: [headers DELIM] [key SEP]
// value. The bytes are copied.
func (f *inputFormat) parse(b []byte) (samsa.Record, error) {
	if f.json {
		rec, err := f.parseJSON(b)
		f.finishKeyValue(&rec, err == nil && f.fixedKey != nil && !jsonHasKey(b))
		return rec, err
	}
	rec := samsa.Record{Topic: f.topic, Partition: f.partition, Headers: f.headers}
	rest, err := f.parseLineHeaders(&rec, b)
	if err != nil {
		return rec, err
	}
	keyless := true
	if f.keySep != nil {
		key, value, ok := bytes.Cut(rest, f.keySep)
		switch {
		case ok:
			if rec.Key, err = f.decode("key", key); err != nil {
				return rec, err
			}
			rest, keyless = value, false
			f.markNull(&rec.Key)
		case !f.ignoreError:
			return rec, fmt.Errorf("no key separator %q", f.keySep)
		}
	}
	if rec.Value, err = f.decode("value", rest); err != nil {
		return rec, err
	}
	f.markNull(&rec.Value)
	f.finishKeyValue(&rec, keyless)
	return rec, nil
}

// markNull turns *b into null when it equals the null marker.
func (f *inputFormat) markNull(b *[]byte) {
	if f.nullMarker != nil && string(*b) == *f.nullMarker {
		*b = nil
	}
}

// finishKeyValue applies -Z (empty as null) and -k (the key of records
// without one of their own).
func (f *inputFormat) finishKeyValue(rec *samsa.Record, keyless bool) {
	if f.emptyAsNull {
		if rec.Key != nil && len(rec.Key) == 0 {
			rec.Key = nil
		}
		if rec.Value != nil && len(rec.Value) == 0 {
			rec.Value = nil
		}
	}
	if keyless && f.fixedKey != nil {
		rec.Key = bytes.Clone(f.fixedKey)
	}
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
