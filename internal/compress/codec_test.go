package compress

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCodecAndString(t *testing.T) {
	for _, c := range allCodecs {
		got, err := ParseCodec(c.String())
		if err != nil || got != c {
			t.Errorf("ParseCodec(%q) = %v, %v; want %v", c.String(), got, err, c)
		}
	}
	if got, err := ParseCodec("ZSTD"); err != nil || got != Zstd {
		t.Errorf("ParseCodec(ZSTD) = %v, %v", got, err)
	}
	_, err := ParseCodec("brotli")
	if !errors.Is(err, ErrUnknownCodec) || !strings.Contains(err.Error(), `"brotli"`) {
		t.Errorf("ParseCodec(brotli) error = %v; want ErrUnknownCodec naming the value", err)
	}
	if s := Codec(7).String(); s != "codec(7)" {
		t.Errorf("Codec(7).String() = %q", s)
	}
	want := map[Codec]int8{None: 0, Gzip: 1, Snappy: 2, LZ4: 3, Zstd: 4}
	for c, v := range want {
		if int8(c) != v {
			t.Errorf("%v = %d, want attribute value %d", c, c, v)
		}
	}
}

func TestLevelRange(t *testing.T) {
	cases := []struct {
		c             Codec
		min, max, def int
	}{
		{None, 0, 0, 0}, {Gzip, 1, 9, -1}, {Snappy, 0, 0, 0}, {LZ4, 1, 17, 9}, {Zstd, -131072, 22, 3},
	}
	for _, tc := range cases {
		min, max, def := LevelRange(tc.c)
		if min != tc.min || max != tc.max || def != tc.def {
			t.Errorf("LevelRange(%v) = %d, %d, %d; want %d, %d, %d", tc.c, min, max, def, tc.min, tc.max, tc.def)
		}
	}
}

func TestNewCompressorLevels(t *testing.T) {
	ok := []struct {
		c         Codec
		level     int
		effective int
	}{
		{None, 0, 0}, {Snappy, 0, 0}, {Gzip, 0, -1}, {Gzip, -1, -1}, {Gzip, 1, 1}, {Gzip, 9, 9},
		{LZ4, 0, 9}, {LZ4, 1, 1}, {LZ4, 17, 17}, {Zstd, 0, 3}, {Zstd, -131072, -131072}, {Zstd, 22, 22}, {Zstd, -5, -5},
	}
	for _, tc := range ok {
		cp, err := NewCompressor(tc.c, tc.level)
		if err != nil {
			t.Errorf("NewCompressor(%v, %d): %v", tc.c, tc.level, err)
			continue
		}
		if cp.Level() != tc.effective || cp.Codec() != tc.c {
			t.Errorf("NewCompressor(%v, %d): codec %v level %d; want level %d", tc.c, tc.level, cp.Codec(), cp.Level(), tc.effective)
		}
	}
	bad := []struct {
		c     Codec
		level int
		want  []string
	}{
		{Gzip, 10, []string{"gzip", "10", "[1, 9]"}},
		{Gzip, -2, []string{"gzip", "-2"}},
		{LZ4, 18, []string{"lz4", "18", "[1, 17]"}},
		{Zstd, 23, []string{"zstd", "23", "[-131072, 22]"}},
		{Zstd, -131073, []string{"zstd", "-131073"}},
		{Snappy, 1, []string{"snappy", "1"}},
		{None, 3, []string{"none", "3"}},
		{Codec(5), 0, []string{"5"}},
	}
	for _, tc := range bad {
		_, err := NewCompressor(tc.c, tc.level)
		if err == nil {
			t.Errorf("NewCompressor(%v, %d) succeeded; want an error", tc.c, tc.level)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("NewCompressor(%v, %d) error %q does not mention %q", tc.c, tc.level, err, w)
			}
		}
	}
}

func TestXXH32(t *testing.T) {
	cases := map[string]uint32{
		"":    0x02CC5D05,
		"a":   0x550D7456,
		"abc": 0x32D153FF,
	}
	for in, want := range cases {
		if got := xxh32([]byte(in)); got != want {
			t.Errorf("xxh32(%q) = %#08x, want %#08x", in, got, want)
		}
	}
}
