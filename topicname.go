package samsa

import "fmt"

// maxTopicLength is Kafka's limit on topic names.
const maxTopicLength = 249

// validateTopic checks a topic name the way Kafka does: 1 to 249
// characters from [a-zA-Z0-9._-], and not "." or "..".
func validateTopic(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: the topic name is empty", ErrInvalidTopic)
	case len(name) > maxTopicLength:
		return fmt.Errorf("%w: the topic name is %d characters long, above Kafka's limit of %d", ErrInvalidTopic, len(name), maxTopicLength)
	case name == "." || name == "..":
		return fmt.Errorf("%w: %q is not allowed as a topic name", ErrInvalidTopic, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: %q has the character %q at position %d; topic names may use only ASCII letters, digits, '.', '_' and '-'",
				ErrInvalidTopic, name, rune(c), i)
		}
	}
	return nil
}
