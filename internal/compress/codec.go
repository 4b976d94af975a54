package compress

import (
	"errors"
	"fmt"
	"strings"
)

// Codec is a Kafka compression codec. Its values are the compression bits
// of a record batch's attributes.
type Codec int8

// The codecs Kafka knows, by attribute value.
const (
	None   Codec = 0
	Gzip   Codec = 1
	Snappy Codec = 2
	LZ4    Codec = 3
	Zstd   Codec = 4
)

var codecNames = [...]string{None: "none", Gzip: "gzip", Snappy: "snappy", LZ4: "lz4", Zstd: "zstd"}

// ErrUnknownCodec is returned (wrapped) for a codec value or name that is
// not one of None, Gzip, Snappy, LZ4 or Zstd.
var ErrUnknownCodec = errors.New("unknown compression codec")

// ErrTooLarge is returned (wrapped) by Decompress when the decompressed
// data would exceed the limit.
var ErrTooLarge = errors.New("decompressed size exceeds limit")

// ErrCorrupt is returned (wrapped) by Decompress when the compressed data
// is malformed.
var ErrCorrupt = errors.New("corrupt compressed data")

// ParseCodec returns the codec named name: "none", "gzip", "snappy", "lz4"
// or "zstd", as the Java client's compression.type property spells them
// (case-insensitive).
func ParseCodec(name string) (Codec, error) {
	for c, n := range codecNames {
		if strings.EqualFold(name, n) {
			return Codec(c), nil
		}
	}
	return 0, fmt.Errorf("compress: %w %q (want one of none, gzip, snappy, lz4, zstd)", ErrUnknownCodec, name)
}

// String returns the codec's name as the Java client spells it, or
// "codec(N)" for an unknown value.
func (c Codec) String() string {
	if c.Valid() {
		return codecNames[c]
	}
	return fmt.Sprintf("codec(%d)", int8(c))
}

// Valid reports whether c is one of the codecs Kafka defines.
func (c Codec) Valid() bool { return c >= None && c <= Zstd }

// LevelRange reports the compression levels c accepts, min through max,
// and the level it uses by default, as Kafka's Java client (4.x) defines
// them: gzip 1..9 with default -1 (zlib's default, which is level 6), lz4
// 1..17 with default 9, zstd -131072..22 with default 3. Codecs without
// levels (none, snappy) report 0, 0, 0. gzip also accepts its default -1.
func LevelRange(c Codec) (min, max, def int) {
	switch c {
	case Gzip:
		return 1, 9, -1
	case LZ4:
		return 1, 17, 9
	case Zstd:
		return -131072, 22, 3
	}
	return 0, 0, 0
}

// checkLevel resolves level 0 to the codec default and validates the rest.
func checkLevel(c Codec, level int) (int, error) {
	if !c.Valid() {
		return 0, fmt.Errorf("compress: %w %d", ErrUnknownCodec, int8(c))
	}
	min, max, def := LevelRange(c)
	if level == 0 || level == def {
		return def, nil
	}
	if min == max {
		return 0, fmt.Errorf("compress: codec %s has no compression levels, got level %d (want 0)", c, level)
	}
	if level < min || level > max {
		return 0, fmt.Errorf("compress: %s level %d out of range [%d, %d] (0 selects the default %d)", c, level, min, max, def)
	}
	return level, nil
}
