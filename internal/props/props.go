package props

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/compress"
	"github.com/samsa-go/samsa/internal/config"
	"github.com/samsa-go/samsa/internal/typo"
)

// Parse applies the producer properties props to cfg, which holds
// samsa.DefaultConfig's settings, as samsa.ConfigFromProperties documents:
// each key's value is parsed and checked on its own, keys that set one
// setting under two names must agree, and then the rules that involve
// several keys are applied (finish).
func Parse(cfg *config.Config, props map[string]string) error {
	st := &propState{cfg: cfg, given: map[string]propGiven{}}

	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	for _, key := range keys {
		raw := strings.TrimSpace(props[key])
		def, ok := propDefs[key]
		if !ok {
			if propIgnored(key) {
				continue
			}
			return unknownPropertyError(key)
		}
		norm, apply, reason := def.parse(raw)
		if reason != "" {
			return def.errorFor(key, raw, reason)
		}
		if prev, dup := st.given[def.canon]; dup && prev.norm != norm {
			e := def.errorFor(key, raw, fmt.Sprintf("conflicts with %s, which sets the same thing differently", prev.key))
			if !def.secret && !propDefs[prev.key].secret {
				e.Reason = fmt.Sprintf("conflicts with %s=%q, which sets the same thing", prev.key, props[prev.key])
			}
			return e
		}
		st.given[def.canon] = propGiven{key: key, norm: norm, apply: apply}
	}

	// Apply in a fixed order so that the result does not depend on map
	// iteration.
	canons := make([]string, 0, len(st.given))
	for c := range st.given {
		canons = append(canons, c)
	}
	sort.Strings(canons)
	for _, c := range canons {
		st.given[c].apply(st)
	}
	if err := st.finish(); err != nil {
		return err
	}
	return nil
}

// Partitioner checks a partitioner.class (or librdkafka partitioner)
// value: reason says why it names no partitioner samsa has, and
// ignoresKeys whether it is Java's UniformStickyPartitioner, which
// implies partitioner.ignore.keys. The root package sets it, since it
// knows the partitioners (samsa.PartitionerByName); it is set once, when
// the program starts, and only read afterwards.
var Partitioner func(name string) (ignoresKeys bool, reason string)

// propParser parses a trimmed value. It returns a normalised form of the
// value (to compare two keys that set the same thing), the function that
// applies it, or a reason the value is invalid.
type propParser func(raw string) (norm string, apply func(*propState), reason string)

// propDef describes one accepted key.
type propDef struct {
	// canon is the setting the key sets, by its Java name; aliases share it.
	canon string
	// field is the Config field, for errors.
	field string
	// secret keeps the value out of errors.
	secret bool
	parse  propParser
}

// errorFor returns the *config.Error for an invalid value of key.
func (d *propDef) errorFor(key, raw, reason string) *config.Error {
	e := &config.Error{Key: key, Field: d.field, Value: raw, Reason: reason}
	if d.secret {
		e.Value = ""
	}
	return e
}

// propGiven records the key that set a setting.
type propGiven struct {
	key   string
	norm  string
	apply func(*propState)
}

// propState collects what ConfigFromProperties needs after the values
// are applied.
type propState struct {
	cfg   *config.Config
	given map[string]propGiven

	levels       map[compress.Codec]int // compression.<codec>.level
	genericLevel *int                   // librdkafka's compression.level

	uniformSticky bool

	jaas               *jaasLogin
	oauthRetriever     string            // sasl.oauthbearer.jwt.retriever.class, simple name
	oauthExtensions    map[string]string // sasl.oauthbearer.extensions
	saslUser, saslPass string
	saslUserSet        bool
	saslPassSet        bool

	tlsp tlsProtocolProps // ssl.protocol, ssl.enabled.protocols, ssl.cipher.suites

	inlineCA, inlineCert, inlineKey string
	keystoreFile                    string
	certOnlyFile                    bool // kafka-python's ssl_certfile, which may hold the key too
}

// has reports whether the setting canon was given.
func (st *propState) has(canon string) bool {
	_, ok := st.given[canon]
	return ok
}

// keyOf returns the key that gave the setting canon.
func (st *propState) keyOf(canon string) string { return st.given[canon].key }

// propDefs maps every accepted key to its definition.
var propDefs = map[string]*propDef{}

// defineProp registers key (and its aliases) for the setting canon.
func defineProp(field string, secret bool, parse propParser, canon string, aliases ...string) {
	for _, k := range append([]string{canon}, aliases...) {
		if _, dup := propDefs[k]; dup {
			panic("samsa: property " + k + " defined twice")
		}
		propDefs[k] = &propDef{canon: canon, field: field, secret: secret, parse: parse}
	}
}

// propMillis parses a whole number of milliseconds of at least min (and,
// for settings Java declares as INT, at most math.MaxInt32). Values too
// large for a time.Duration are capped at the largest one.
func propMillis(min int64, int32Range bool, set func(*config.Config, time.Duration)) propParser {
	max := int64(math.MaxInt64)
	if int32Range {
		max = math.MaxInt32
	}
	return func(raw string) (string, func(*propState), string) {
		ms, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || ms < min || ms > max {
			return "", nil, propRangeReason("a whole number of milliseconds", min, max)
		}
		d := time.Duration(math.MaxInt64)
		if ms <= math.MaxInt64/int64(time.Millisecond) {
			d = time.Duration(ms) * time.Millisecond
		}
		return strconv.FormatInt(ms, 10), func(st *propState) { set(st.cfg, d) }, ""
	}
}

// propRangeReason describes the allowed values of a number.
func propRangeReason(what string, min, max int64) string {
	if max == math.MaxInt64 {
		return fmt.Sprintf("must be %s, at least %d", what, min)
	}
	return fmt.Sprintf("must be %s from %d to %d", what, min, max)
}

// propInt parses an integer in [min, max].
func propInt(what string, min, max int64, set func(*config.Config, int64)) propParser {
	return func(raw string) (string, func(*propState), string) {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < min || n > max {
			return "", nil, propRangeReason(what, min, max)
		}
		return strconv.FormatInt(n, 10), func(st *propState) { set(st.cfg, n) }, ""
	}
}

// parsePropBool parses true or false, in any case.
func parsePropBool(raw string) (bool, bool) {
	switch strings.ToLower(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// propBool parses a boolean.
func propBool(set func(*propState, bool)) propParser {
	return func(raw string) (string, func(*propState), string) {
		b, ok := parsePropBool(raw)
		if !ok {
			return "", nil, "must be true or false"
		}
		return strconv.FormatBool(b), func(st *propState) { set(st, b) }, ""
	}
}

// propString takes any value, or any non-empty one.
func propString(nonEmpty bool, set func(*propState, string)) propParser {
	return func(raw string) (string, func(*propState), string) {
		if nonEmpty && raw == "" {
			return "", nil, "must not be empty"
		}
		return raw, func(st *propState) { set(st, raw) }, ""
	}
}

// propEnum parses one of values by its String, in any case.
func propEnum[T fmt.Stringer](values []T, set func(*propState, T)) propParser {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = v.String()
	}
	reason := "must be " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	return func(raw string) (string, func(*propState), string) {
		for _, v := range values {
			if strings.EqualFold(raw, v.String()) {
				return v.String(), func(st *propState) { set(st, v) }, ""
			}
		}
		return "", nil, reason
	}
}

// propLevel parses a compression level for codec c, with the Java
// client's ranges: gzip 1..9 or -1 (zlib's default), lz4 1..17, zstd
// -131072..22.
func propLevel(c compress.Codec) propParser {
	lo, hi, def := compress.LevelRange(c)
	allowed := fmt.Sprintf("must be an integer from %d to %d", lo, hi)
	if c == compress.Gzip {
		allowed += fmt.Sprintf(", or %d for zlib's default", def)
	}
	return func(raw string) (string, func(*propState), string) {
		n, err := strconv.Atoi(raw)
		if err != nil || (n < lo || n > hi) && !(c == compress.Gzip && n == def) {
			return "", nil, allowed
		}
		return strconv.Itoa(n), func(st *propState) {
			if st.levels == nil {
				st.levels = map[compress.Codec]int{}
			}
			st.levels[c] = n
		}, ""
	}
}

// parseCompression parses a codec name.
func parseCompression(raw string) (compress.Codec, bool) {
	c, err := compress.ParseCodec(raw)
	return c, err == nil
}

// parseSecurityProtocol parses a security protocol name.
func parseSecurityProtocol(raw string) (config.SecurityProtocol, bool) {
	for _, p := range config.SecurityProtocols {
		if strings.EqualFold(raw, p.String()) {
			return p, true
		}
	}
	return 0, false
}

// unknownPropertyError reports a key that is neither used nor ignored,
// suggesting the nearest known key when it is close enough to be a typo.
func unknownPropertyError(key string) *config.Error {
	e := &config.Error{Key: key, Reason: "unknown producer property"}
	best, bestDist := "", math.MaxInt
	lower := strings.ToLower(strings.TrimSpace(key))
	consider := func(k string) {
		d := typo.Distance(lower, strings.ToLower(k))
		if d < bestDist || d == bestDist && k < best {
			best, bestDist = k, d
		}
	}
	for k := range propDefs {
		consider(k)
	}
	for k := range ignoredProps {
		consider(k)
	}
	// A typo: a few edits, and fewer than a third of the key.
	if bestDist <= 3 && bestDist*3 <= len(key) {
		e.Suggestion = best
	}
	return e
}

// Keys returns every key Parse accepts (not the ignored ones), sorted.
func Keys() []string {
	keys := make([]string, 0, len(propDefs))
	for k := range propDefs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Known reports whether Parse accepts key (not counting ignored keys).
func Known(key string) bool { _, ok := propDefs[key]; return ok }

// Secret reports whether key's value is kept out of errors.
func Secret(key string) bool {
	d, ok := propDefs[key]
	return ok && d.secret
}
