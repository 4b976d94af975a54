package props

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Load reads a Java .properties file, as samsa.LoadProperties documents.
func Load(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	props, err := parseProperties(data)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	return props, nil
}

// propLineError is a syntax error at a line of a properties file; its
// text starts with the line number, for LoadProperties to prefix with the
// file name.
type propLineError struct {
	line   int
	reason string
}

func (e *propLineError) Error() string { return strconv.Itoa(e.line) + ": " + e.reason }

// parseProperties parses the contents of a properties file.
func parseProperties(data []byte) (map[string]string, error) {
	if !utf8.Valid(data) {
		runes := make([]rune, len(data))
		for i, b := range data {
			runes[i] = rune(b)
		}
		data = []byte(string(runes))
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	sc.Split(scanPropLines)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		start := lineNo
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines.
		logical := line
		for endsWithOddBackslashes(logical) {
			logical = logical[:len(logical)-1]
			if !sc.Scan() {
				break
			}
			lineNo++
			logical += strings.TrimLeft(sc.Text(), " \t\f")
		}
		key, value, err := splitPropLine(logical)
		if err != "" {
			return nil, &propLineError{line: start, reason: err}
		}
		props[key] = value
	}
	if err := sc.Err(); err != nil {
		return nil, &propLineError{line: lineNo + 1, reason: err.Error()}
	}
	return props, nil
}

// scanPropLines splits at \n, \r\n or \r.
func scanPropLines(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		switch b {
		case '\n':
			return i + 1, data[:i], nil
		case '\r':
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if atEOF {
				return i + 1, data[:i], nil
			}
			return 0, nil, nil // need to see whether \n follows
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// endsWithOddBackslashes reports whether s ends with a backslash that is
// not itself escaped.
func endsWithOddBackslashes(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitPropLine splits a logical line into its unescaped key and value.
func splitPropLine(line string) (key, value, reason string) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	rawKey := line[:i]
	rest := strings.TrimLeft(line[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	key, reason = unescapeProp(rawKey)
	if reason != "" {
		return "", "", reason
	}
	value, reason = unescapeProp(rest)
	return key, value, reason
}

// unescapeProp resolves a properties file's backslash escapes.
func unescapeProp(s string) (string, string) {
	if !strings.Contains(s, `\`) {
		return s, ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			break
		}
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", `malformed \uXXXX escape: four hexadecimal digits must follow \u`
			}
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", `malformed \uXXXX escape: four hexadecimal digits must follow \u`
			}
			i += 4
			r := rune(v)
			// A UTF-16 surrogate pair written as two escapes.
			if r >= 0xD800 && r < 0xDC00 && i+7 <= len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, err := strconv.ParseUint(s[i+3:i+7], 16, 16); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000
					i += 6
				}
			}
			b.WriteRune(r)
		default:
			// Any other escaped character stands for itself: \\, \=, \:,
			// \#, \!, \ and so on.
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size - 1
		}
	}
	return b.String(), ""
}
