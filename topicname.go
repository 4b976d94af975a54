package samsa

import (
	"fmt"
	"unicode/utf8"
)

// maxTopicLength is Kafka's limit on topic names.
const maxTopicLength = 249

// validateTopic checks a topic name the way Kafka does: 1 to 249
// characters from [a-zA-Z0-9._-], and not "." or "..". An offending
// character is quoted as written (non-ASCII included) at its position in
// characters, counted from 0.
func validateTopic(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case name == "":
		return fmt.Errorf("%w: the topic name is empty", ErrInvalidTopic)
	case n > maxTopicLength:
		return fmt.Errorf("%w: the topic name is %d characters long, above Kafka's limit of %d", ErrInvalidTopic, n, maxTopicLength)
	case name == "." || name == "..":
		return fmt.Errorf("%w: %q is not allowed as a topic name", ErrInvalidTopic, name)
	}
	pos := 0
	for i := 0; i < len(name); pos++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(name[i:])
		what := fmt.Sprintf("the character %q at position %d", r, pos)
		if r == utf8.RuneError && size == 1 {
			what = fmt.Sprintf("the byte 0x%02x at position %d, which is not UTF-8", c, pos)
		}
		return fmt.Errorf("%w: %q has %s; topic names may use only ASCII letters, digits, '.', '_' and '-'",
			ErrInvalidTopic, name, what)
	}
	return nil
}
