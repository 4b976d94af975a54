package sr_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/samsa-go/samsa/plugin/sr"
	franzsr "github.com/twmb/franz-go/pkg/sr"
)

func TestWireHeader(t *testing.T) {
	got := sr.AppendHeader([]byte{0xff}, 0x01020304)
	if want := []byte{0xff, 0, 1, 2, 3, 4}; !bytes.Equal(got, want) {
		t.Fatalf("AppendHeader = % x, want % x", got, want)
	}
	id, rest, err := sr.ParseHeader([]byte{0, 0, 0, 1, 0, 9})
	if err != nil || id != 256 || !bytes.Equal(rest, []byte{9}) {
		t.Fatalf("ParseHeader = %d % x %v", id, rest, err)
	}
	for _, bad := range [][]byte{nil, {0, 0, 0, 1}, {1, 0, 0, 0, 1}} {
		if _, _, err := sr.ParseHeader(bad); !errors.Is(err, sr.ErrNotWireFormat) {
			t.Errorf("ParseHeader(% x) = %v, want ErrNotWireFormat", bad, err)
		}
	}
}

// The message indexes are zig-zag varints, with [0] as the single byte 0,
// exactly as franz-go's ConfluentHeader (written from Confluent's
// serializers) encodes them.
func TestMessageIndexesMatchFranzGo(t *testing.T) {
	var h franzsr.ConfluentHeader
	for _, idx := range [][]int{{0}, {1}, {1, 0}, {1, 0, 0}, {0, 2}, {63, 64, 1000}, {5, 4, 3, 2, 1, 0}} {
		got := sr.AppendMessageIndexes(sr.AppendHeader(nil, 7), idx)
		want, err := h.AppendEncode(nil, 7, idx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("indexes %v: % x, franz-go writes % x", idx, got, want)
		}
		_, rest, _ := sr.ParseHeader(got)
		back, tail, err := sr.ParseMessageIndexes(append(rest, 0xaa))
		if err != nil || !slices.Equal(back, idx) || !bytes.Equal(tail, []byte{0xaa}) {
			t.Errorf("ParseMessageIndexes of %v = %v % x %v", idx, back, tail, err)
		}
	}
	if got := sr.AppendMessageIndexes(nil, []int{0}); !bytes.Equal(got, []byte{0}) {
		t.Fatalf("[0] = % x, want the single byte 0", got)
	}
	if got := sr.AppendMessageIndexes(nil, []int{1, 0, 0}); !bytes.Equal(got, []byte{6, 2, 0, 0}) {
		t.Fatalf("[1 0 0] = % x, want 06 02 00 00", got)
	}
}

func TestParseMessageIndexesRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {0x80}, {1}, {3}, {0xfe, 0xff, 0xff, 0xff, 0x0f}, {2, 1}} {
		if _, _, err := sr.ParseMessageIndexes(b); !errors.Is(err, sr.ErrNotWireFormat) {
			t.Errorf("ParseMessageIndexes(% x) = %v, want ErrNotWireFormat", b, err)
		}
	}
}

func FuzzParseMessageIndexes(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{6, 2, 0, 0})
	f.Add([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, rest, err := sr.ParseMessageIndexes(b)
		if err != nil {
			return
		}
		if len(rest) > len(b) || len(idx) == 0 {
			t.Fatalf("indexes %v rest %d of %d", idx, len(rest), len(b))
		}
		// What parses re-encodes to a prefix of the input, up to the
		// [0] shortcut (a count of 1 with index 0 is also [0]).
		enc := sr.AppendMessageIndexes(nil, idx)
		consumed := b[:len(b)-len(rest)]
		if !bytes.Equal(enc, consumed) && !(len(idx) == 1 && idx[0] == 0) {
			t.Fatalf("% x parsed to %v, which encodes to % x", consumed, idx, enc)
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, rest, err := sr.ParseHeader(b)
		if err != nil {
			return
		}
		if got := sr.AppendHeader(nil, id); !bytes.Equal(append(got, rest...), b) {
			t.Fatalf("% x parsed to id %d, rest % x", b, id, rest)
		}
	})
}

func TestSubjectNameStrategies(t *testing.T) {
	for _, tc := range []struct {
		s       sr.SubjectNameStrategy
		key     bool
		record  string
		want    string
		wantErr bool
	}{
		{sr.TopicNameStrategy, false, "a.B", "orders-value", false},
		{sr.TopicNameStrategy, true, "", "orders-key", false},
		{sr.RecordNameStrategy, false, "a.B", "a.B", false},
		{sr.RecordNameStrategy, true, "", "", true},
		{sr.TopicRecordNameStrategy, true, "a.B", "orders-a.B", false},
		{sr.TopicRecordNameStrategy, false, "", "", true},
	} {
		got, err := tc.s("orders", tc.key, tc.record)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("strategy(orders, %v, %q) = %q, %v; want %q (error: %v)", tc.key, tc.record, got, err, tc.want, tc.wantErr)
		}
	}
}
