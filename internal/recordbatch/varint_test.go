package recordbatch

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestVarintSizesAndRoundTrip(t *testing.T) {
	var vals []int64
	for s := 0; s < 64; s++ {
		v := int64(1) << s
		vals = append(vals, v, v-1, v+1, -v, -v-1, -v+1)
	}
	vals = append(vals, 0, math.MaxInt64, math.MinInt64, math.MaxInt32, math.MinInt32)
	buf := make([]byte, 16)
	for _, v := range vals {
		want := binary.PutVarint(buf, v) // Go's varint is the same zigzag encoding
		ref := append([]byte(nil), buf[:want]...)
		if got := varintLen(v); got != want {
			t.Errorf("varintLen(%d) = %d, want %d", v, got, want)
		}
		if n := putVarint(buf, v); n != want || string(buf[:n]) != string(ref) {
			t.Errorf("putVarint(%d) = % x, want % x", v, buf[:n], ref)
		}
		got, n := readVarint64(ref)
		if n != want || got != v {
			t.Errorf("readVarint64(% x) = %d, %d; want %d, %d", ref, got, n, v, want)
		}
		if v == int64(int32(v)) {
			got32, n := readVarint32(ref)
			if n != want || int64(got32) != v {
				t.Errorf("readVarint32(% x) = %d, %d; want %d", ref, got32, n, v)
			}
		} else if _, n := readVarint32(ref); n > 0 {
			t.Errorf("readVarint32 accepted the out-of-range %d", v)
		}
	}
}

func TestVarintMalformed(t *testing.T) {
	cases := []struct {
		in    []byte
		n32   int
		n64   int
		label string
	}{
		{nil, 0, 0, "empty"},
		{[]byte{0x80}, 0, 0, "truncated"},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, -1, 6, "six bytes"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, -1, 5, "33 bits"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, -1, -1, "65 bits"},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, -1, -1, "eleven bytes"},
	}
	for _, tc := range cases {
		if _, n := readVarint32(tc.in); n != tc.n32 {
			t.Errorf("%s: readVarint32 n = %d, want %d", tc.label, n, tc.n32)
		}
		if _, n := readVarint64(tc.in); n != tc.n64 {
			t.Errorf("%s: readVarint64 n = %d, want %d", tc.label, n, tc.n64)
		}
	}
}
