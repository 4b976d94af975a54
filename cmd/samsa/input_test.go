package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/samsa-go/samsa"
)

// scanAll parses in with f and returns the records and positions.
func scanAll(t *testing.T, f *inputFormat, in string) []inputRecord {
	t.Helper()
	var out []inputRecord
	if err := f.scan(strings.NewReader(in), "stdin", func(r inputRecord) bool { out = append(out, r); return true }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestScanDelimiters(t *testing.T) {
	for _, tc := range []struct {
		delim, in string
		values    []string
		pos       []string
	}{
		{"\n", "a\nbb\n\nccc", []string{"a", "bb", "ccc"}, []string{"stdin:1", "stdin:2", "stdin:4"}},
		{"\n", "a\r\nb\n", []string{"a\r", "b"}, []string{"stdin:1", "stdin:2"}},
		{"|", "x|y||z|", []string{"x", "y", "z"}, []string{"stdin:1", "stdin:2", "stdin:4"}},
		{"--", "one--two-three--", []string{"one", "two-three"}, []string{"stdin:1", "stdin:2"}},
		{"\x00", "p\x00q", []string{"p", "q"}, []string{"stdin:1", "stdin:2"}},
	} {
		f := &inputFormat{delimiter: []byte(tc.delim), topic: "t"}
		recs := scanAll(t, f, tc.in)
		if len(recs) != len(tc.values) {
			t.Errorf("delimiter %q, input %q: %d records, want %d", tc.delim, tc.in, len(recs), len(tc.values))
			continue
		}
		for i, r := range recs {
			if r.err != nil || string(r.rec.Value) != tc.values[i] || r.pos != tc.pos[i] || r.rec.Key != nil || r.rec.Topic != "t" {
				t.Errorf("delimiter %q record %d: value %q at %s (key %q, err %v), want %q at %s",
					tc.delim, i, r.rec.Value, r.pos, r.rec.Key, r.err, tc.values[i], tc.pos[i])
			}
		}
	}
}

func TestScanKeySeparator(t *testing.T) {
	hs := []samsa.Header{{Key: "a", Value: []byte("b")}}
	f := &inputFormat{delimiter: []byte("\n"), keySep: []byte("::"), headers: hs, partition: samsa.PartitionOf(2)}
	recs := scanAll(t, f, "k::v\n::empty key\nk2::v::more\nno separator\nk3::\n")
	want := []struct{ key, value, err string }{
		{"k", "v", ""}, {"", "empty key", ""}, {"k2", "v::more", ""}, {"", "", `no key separator "::"`}, {"k3", "", ""},
	}
	for i, w := range want {
		r := recs[i]
		if w.err != "" {
			if r.err == nil || r.err.Error() != w.err || r.pos != "stdin:4" {
				t.Errorf("record %d: err %v at %s, want %q at stdin:4", i, r.err, r.pos, w.err)
			}
			continue
		}
		if r.err != nil || string(r.rec.Key) != w.key || r.rec.Key == nil || string(r.rec.Value) != w.value || r.rec.Value == nil {
			t.Errorf("record %d: key %q value %q err %v, want %q %q", i, r.rec.Key, r.rec.Value, r.err, w.key, w.value)
		}
		if p, ok := r.rec.Partition.Number(); !ok || p != 2 || len(r.rec.Headers) != 1 {
			t.Errorf("record %d: partition %v, %d headers; want 2 and 1", i, r.rec.Partition, len(r.rec.Headers))
		}
	}
}

func TestScanBase64(t *testing.T) {
	f := &inputFormat{delimiter: []byte("\n"), keySep: []byte(" "), base64: true}
	recs := scanAll(t, f, "a2V5 AAH/\na2V5 not*base64\n!! AAH/\n")
	if r := recs[0]; r.err != nil || string(r.rec.Key) != "key" || !bytes.Equal(r.rec.Value, []byte{0, 1, 0xff}) {
		t.Errorf("record 1: key %q value %x err %v", r.rec.Key, r.rec.Value, r.err)
	}
	if r := recs[1]; r.err == nil || r.err.Error() != "value is not valid base64 (bad byte at offset 3)" {
		t.Errorf("record 2: err %v, want the value's bad byte at offset 3", r.err)
	}
	if r := recs[2]; r.err == nil || !strings.HasPrefix(r.err.Error(), "key is not valid base64") {
		t.Errorf("record 3: err %v, want the key's base64 error", r.err)
	}
}

func TestScanJSON(t *testing.T) {
	f := &inputFormat{delimiter: []byte("\n"), json: true, topic: "def", headers: []samsa.Header{{Key: "flag", Value: []byte("1")}}}
	in := `{"key":"k","value":"v","headers":{"b":"2","a":null},"partition":3,"timestamp":1700000000001}
   
{"value":[1, 2],"topic":"other","timestamp":"2024-05-06T07:08:09Z"}
{"value":"v","partition":-1}
{"value":"v","timestamp":"yesterday"}
{"value":"v","extra":1}
{"value":"v"} {"value":"w"}
not json
`
	recs := scanAll(t, f, in)
	if len(recs) != 7 {
		t.Fatalf("%d records, want 7 (the blank line skipped)", len(recs))
	}
	r := recs[0]
	p, _ := r.rec.Partition.Number()
	if r.err != nil || string(r.rec.Key) != "k" || string(r.rec.Value) != "v" || p != 3 || r.rec.Topic != "def" ||
		!r.rec.Timestamp.Equal(time.UnixMilli(1700000000001)) || len(r.rec.Headers) != 3 ||
		r.rec.Headers[0].Key != "flag" || r.rec.Headers[1].Key != "b" || r.rec.Headers[2].Key != "a" || r.rec.Headers[2].Value != nil {
		t.Errorf("record 1: %+v, err %v", r.rec, r.err)
	}
	r = recs[1]
	if r.err != nil || r.pos != "stdin:3" || r.rec.Key != nil || string(r.rec.Value) != "[1, 2]" || r.rec.Topic != "other" ||
		!r.rec.Timestamp.Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)) {
		t.Errorf("record 2 at %s: %+v, err %v", r.pos, r.rec, r.err)
	}
	for i, want := range []string{"partition -1 is negative", `timestamp "yesterday" is not RFC 3339`,
		`json: unknown field "extra"`, "more than one JSON value", "not a JSON record"} {
		r := recs[2+i]
		if r.err == nil || !strings.Contains(r.err.Error(), want) {
			t.Errorf("record at %s: err %v, want %q", r.pos, r.err, want)
		}
	}
}

func TestScanWholeFile(t *testing.T) {
	f := &inputFormat{wholeFile: true, delimiter: []byte("\n")}
	var got []inputRecord
	if err := f.scan(strings.NewReader("line1\nline2\n"), "f.txt", func(r inputRecord) bool { got = append(got, r); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got[0].rec.Value) != "line1\nline2\n" || got[0].pos != "f.txt" {
		t.Errorf("got %+v, want one record of the whole file at f.txt", got)
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{`\n`: "\n", `\t`: "\t", `a\\b`: `a\b`, `\x1f`: "\x1f", `\0`: "\x00", `::`: "::", `\r\n`: "\r\n"} {
		got, err := unescape(in)
		if err != nil || string(got) != want {
			t.Errorf("unescape(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{`\q`: `unknown escape \q`, `\x1`: `two hex digits`, `\xzz`: `two hex digits`, ``: "empty"} {
		if _, err := unescape(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("unescape(%q): err %v, want %q", in, err, want)
		}
	}
}
