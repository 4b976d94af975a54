package main

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/internal/typo"
)

// headerFormat is how kafka-console-producer's parse.headers reads the
// headers at the start of a line: "h1:v1,h2:v2<TAB>key<TAB>value".
type headerFormat struct {
	delim  []byte         // headers.delimiter: between the headers and the rest (\t)
	sep    *regexp.Regexp // headers.separator: between headers (a regular expression, as in Java; ",")
	keySep []byte         // headers.key.separator: between a header's key and value (":")
}

// readerProps are kafka-console-producer's --property settings for its
// line reader, with its defaults.
type readerProps struct {
	parseKey, parseHeaders, ignoreError bool
	keySep, headersDelim, headersSep    string
	headersKeySep                       string
	nullMarker                          *string
	seen                                map[string]bool
}

// readerPropNames are the --property keys samsa's reader knows.
var readerPropNames = []string{"parse.key", "key.separator", "parse.headers", "headers.delimiter",
	"headers.separator", "headers.key.separator", "null.marker", "ignore.error"}

func defaultReaderProps() *readerProps {
	return &readerProps{keySep: "\t", headersDelim: "\t", headersSep: ",", headersKeySep: ":", seen: map[string]bool{}}
}

// set applies one --property KEY=VALUE (or a --reader-config line); its
// errors say what is wrong, for the caller to say where. Separators take
// the escapes -D takes (\t, \n, \xHH, ...).
func (rp *readerProps) set(key, value string) error {
	sep := func(p *string) error {
		b, err := unescape(value)
		if err != nil {
			return fmt.Errorf("%s: %v", key, err)
		}
		*p = string(b)
		return nil
	}
	flag := func(p *bool) error {
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "true":
			*p = true
		case "false":
			*p = false
		default:
			return fmt.Errorf("%s must be true or false", key)
		}
		return nil
	}
	rp.seen[key] = true
	switch key {
	case "parse.key":
		return flag(&rp.parseKey)
	case "parse.headers":
		return flag(&rp.parseHeaders)
	case "ignore.error":
		return flag(&rp.ignoreError)
	case "key.separator":
		return sep(&rp.keySep)
	case "headers.delimiter":
		return sep(&rp.headersDelim)
	case "headers.separator":
		return sep(&rp.headersSep)
	case "headers.key.separator":
		return sep(&rp.headersKeySep)
	case "null.marker":
		v := value
		rp.nullMarker = &v
		return nil
	}
	return unknownReaderProp(key)
}

// unknownReaderProp explains an unknown --property key, suggesting the
// nearest known one.
func unknownReaderProp(key string) error {
	best, bestD := "", 4
	for _, k := range readerPropNames {
		if d := typo.Distance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	msg := fmt.Sprintf("%s: unknown reader property", key)
	if best != "" && bestD*3 <= len(key) {
		return fmt.Errorf("%s; did you mean %q?", msg, best)
	}
	names := append([]string(nil), readerPropNames...)
	sort.Strings(names)
	return fmt.Errorf("%s (known: %s; producer settings go in -X or --producer-property)", msg, strings.Join(names, ", "))
}

// check applies Java's rules: the separators must differ from each other
// and from the null marker.
func (rp *readerProps) check() error {
	pairs := []struct{ a, b, an, bn string }{
		{rp.headersDelim, rp.headersSep, "headers.delimiter", "headers.separator"},
		{rp.headersDelim, rp.headersKeySep, "headers.delimiter", "headers.key.separator"},
		{rp.headersSep, rp.headersKeySep, "headers.separator", "headers.key.separator"},
	}
	if m := rp.nullMarker; m != nil {
		pairs = append(pairs, []struct{ a, b, an, bn string }{
			{*m, rp.keySep, "null.marker", "key.separator"}, {*m, rp.headersSep, "null.marker", "headers.separator"},
			{*m, rp.headersDelim, "null.marker", "headers.delimiter"}, {*m, rp.headersKeySep, "null.marker", "headers.key.separator"},
		}...)
	}
	for _, p := range pairs {
		if p.a == p.b {
			return fmt.Errorf("--property %s and %s may not be equal (both %q)", p.an, p.bn, p.a)
		}
	}
	return nil
}

// apply sets f from the reader properties. It returns notes about
// settings that have no effect, as in Kafka's tool.
func (rp *readerProps) apply(f *inputFormat) ([]string, error) {
	if err := rp.check(); err != nil {
		return nil, err
	}
	var notes []string
	if rp.parseKey {
		f.keySep = []byte(rp.keySep)
	} else if rp.seen["key.separator"] {
		notes = append(notes, "--property key.separator has no effect without parse.key=true (as in kafka-console-producer)")
	}
	if rp.parseHeaders {
		re, err := regexp.Compile(rp.headersSep)
		if err != nil {
			return nil, fmt.Errorf("--property headers.separator=%s: not a regular expression: %v", rp.headersSep, err)
		}
		f.lineHeaders = &headerFormat{delim: []byte(rp.headersDelim), sep: re, keySep: []byte(rp.headersKeySep)}
	} else {
		for _, k := range []string{"headers.delimiter", "headers.separator", "headers.key.separator"} {
			if rp.seen[k] {
				notes = append(notes, "--property "+k+" has no effect without parse.headers=true (as in kafka-console-producer)")
			}
		}
	}
	f.nullMarker, f.ignoreError = rp.nullMarker, rp.ignoreError
	return notes, nil
}

// parseLineHeaders reads the headers at the start of b when the format
// has them, appends them to rec and returns the rest of b.
func (f *inputFormat) parseLineHeaders(rec *samsa.Record, b []byte) ([]byte, error) {
	hf := f.lineHeaders
	if hf == nil {
		return b, nil
	}
	head, rest, ok := bytes.Cut(b, hf.delim)
	if !ok {
		if f.ignoreError {
			return b, nil
		}
		return nil, fmt.Errorf("no headers delimiter %q", hf.delim)
	}
	if len(head) == 0 || (f.nullMarker != nil && string(head) == *f.nullMarker) {
		return rest, nil
	}
	pairs := hf.sep.Split(string(head), -1)
	for len(pairs) > 0 && pairs[len(pairs)-1] == "" { // as Java's split
		pairs = pairs[:len(pairs)-1]
	}
	hs := append([]samsa.Header(nil), rec.Headers...)
	for _, pair := range pairs {
		k, v, ok := strings.Cut(pair, string(hf.keySep))
		switch {
		case !ok && !f.ignoreError:
			return nil, fmt.Errorf("no header key separator %q in %q", hf.keySep, pair)
		case f.nullMarker != nil && k == *f.nullMarker:
			return nil, fmt.Errorf("header key %q is the null marker: header keys cannot be null", k)
		case !ok:
			hs = append(hs, samsa.Header{Key: pair})
		case f.nullMarker != nil && v == *f.nullMarker:
			hs = append(hs, samsa.Header{Key: k})
		default:
			hs = append(hs, samsa.Header{Key: k, Value: []byte(v)})
		}
	}
	rec.Headers = hs
	return rest, nil
}
