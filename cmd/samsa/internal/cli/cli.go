package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/samsa-go/samsa/internal/typo"
)

// ErrHelp is returned by Parse when -h or --help was given.
var ErrHelp = errors.New("help requested")

// Error is a command-line mistake: an unknown flag, a missing or invalid
// value.
type Error struct {
	Flag   string // the flag as written, such as "--num-records"; may be empty
	Value  string // the offending value, if any
	Reason string
}

func (e *Error) Error() string {
	switch {
	case e.Flag == "":
		return e.Reason
	case e.Value != "":
		return fmt.Sprintf("%s %q: %s", e.Flag, e.Value, e.Reason)
	}
	return e.Flag + ": " + e.Reason
}

type kind int

const (
	kindValue    kind = iota // one value
	kindBool                 // no value (or =true/=false)
	kindMulti                // one or more values up to the next flag
	kindOptional             // a value when the next argument is one it accepts
)

// Flag is one flag definition.
type Flag struct {
	Names   []string // as written, long first: "--topic", "-t"
	Metavar string
	Help    string
	// Section is the heading the flag is listed under in the usage text.
	Section string
	kind    kind
	set     func(name, value string) error
	accept  func(string) bool // kindOptional: whether an argument is its value
	none    string            // kindOptional: the value when none is given
	seen    bool
	hidden  bool
}

// TakesValue reports whether the flag is followed by a value (always, or
// for a flag with an optional value, sometimes).
func (f *Flag) TakesValue() bool { return f.kind != kindBool }

// Hidden reports whether the flag is left out of the usage text.
func (f *Flag) Hidden() bool { return f.hidden }

// FlagSet is a command's flags.
type FlagSet struct {
	// Name is the command, such as "samsa perf", used in usage text.
	Name string
	// Args holds the positional arguments after Parse.
	Args []string

	flags   []*Flag
	byName  map[string]*Flag
	section string
}

// New returns an empty flag set for the command name.
func New(name string) *FlagSet {
	return &FlagSet{Name: name, byName: map[string]*Flag{}}
}

// Section starts a group of flags: those defined after it are listed
// under title in the usage text.
func (fs *FlagSet) Section(title string) { fs.section = title }

// Visit calls fn for every flag, in the order they were defined.
func (fs *FlagSet) Visit(fn func(*Flag)) {
	for _, f := range fs.flags {
		fn(f)
	}
}

// define adds a flag; names is a comma-separated list such as "--topic,-t".
func (fs *FlagSet) define(names, metavar, help string, k kind, set func(name, value string) error) *Flag {
	f := &Flag{Metavar: metavar, Help: help, kind: k, set: set, Section: fs.section}
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		if _, dup := fs.byName[n]; dup {
			panic("cli: flag defined twice: " + n)
		}
		f.Names = append(f.Names, n)
		fs.byName[n] = f
	}
	fs.flags = append(fs.flags, f)
	return f
}

// String defines a flag with a string value.
func (fs *FlagSet) String(p *string, names, metavar, help string) *Flag {
	return fs.define(names, metavar, help, kindValue, func(_, v string) error { *p = v; return nil })
}

// Int defines a flag with an integer value.
func (fs *FlagSet) Int(p *int64, names, metavar, help string) *Flag {
	return fs.define(names, metavar, help, kindValue, func(_, v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return errors.New("not an integer")
		}
		*p = n
		return nil
	})
}

// Float defines a flag with a decimal value.
func (fs *FlagSet) Float(p *float64, names, metavar, help string) *Flag {
	return fs.define(names, metavar, help, kindValue, func(_, v string) error {
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return errors.New("not a number")
		}
		*p = n
		return nil
	})
}

// Bool defines a flag without a value; --name=false turns it off.
func (fs *FlagSet) Bool(p *bool, names, help string) *Flag {
	return fs.define(names, "", help, kindBool, func(_, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("not true or false")
		}
		*p = b
		return nil
	})
}

// List defines a repeatable flag: each use appends its value.
func (fs *FlagSet) List(p *[]string, names, metavar, help string) *Flag {
	return fs.define(names, metavar, help, kindValue, func(_, v string) error { *p = append(*p, v); return nil })
}

// Multi defines a flag that takes every following argument up to the next
// flag, as Kafka's --producer-props does; it may also be repeated.
func (fs *FlagSet) Multi(p *[]string, names, metavar, help string) *Flag {
	return fs.define(names, metavar, help, kindMulti, func(_, v string) error { *p = append(*p, v); return nil })
}

// Func defines a flag whose value fn parses; fn's error explains why a
// value is wrong.
func (fs *FlagSet) Func(names, metavar, help string, fn func(string) error) *Flag {
	return fs.define(names, metavar, help, kindValue, func(_, v string) error { return fn(v) })
}

// NamedFunc is Func whose fn also learns the name the flag was given by,
// such as "-X" or "--producer-property", for messages that name it.
func (fs *FlagSet) NamedFunc(names, metavar, help string, fn func(name, value string) error) *Flag {
	return fs.define(names, metavar, help, kindValue, fn)
}

// NamedMulti is Multi with fn called for each value, as NamedFunc.
func (fs *FlagSet) NamedMulti(names, metavar, help string, fn func(name, value string) error) *Flag {
	return fs.define(names, metavar, help, kindMulti, fn)
}

// Optional defines a flag whose value may be left out, as Kafka's
// --compression-codec: the next argument is its value when accept says
// so (or when given as --name=value); otherwise the value is none. fn
// gets the name the flag was given by and the value.
func (fs *FlagSet) Optional(names, metavar, none, help string, accept func(string) bool, fn func(name, value string) error) *Flag {
	f := fs.define(names, metavar, help, kindOptional, fn)
	f.accept, f.none = accept, none
	return f
}

// Hide leaves f out of the usage text (for aliases and compatibility flags
// documented elsewhere).
func (f *Flag) Hide() *Flag { f.hidden = true; return f }

// Seen reports whether the flag named name (any of its names) was given.
func (fs *FlagSet) Seen(name string) bool {
	f := fs.byName[name]
	return f != nil && f.seen
}

// Parse parses args, setting flag values and Args. It returns ErrHelp for
// -h or --help, and an *Error for a mistake. A single-dash word that names a
// long flag (-topic) is taken as that flag, as Go's flag package would.
func (fs *FlagSet) Parse(args []string) error {
	fs.Args = fs.Args[:0]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			fs.Args = append(fs.Args, args[i+1:]...)
			return nil
		case a == "-h" || a == "--help" || a == "-help":
			return ErrHelp
		case len(a) < 2 || a[0] != '-' || isNumber(a):
			fs.Args = append(fs.Args, a)
		default:
			n, err := fs.parseFlag(args, i)
			if err != nil {
				return err
			}
			i += n
		}
	}
	return nil
}

// parseFlag handles the flag at args[i] and returns how many following
// arguments it used.
func (fs *FlagSet) parseFlag(args []string, i int) (int, error) {
	a := args[i]
	if !strings.HasPrefix(a, "--") && len(a) > 2 {
		if long, _, _ := strings.Cut("-"+a, "="); fs.byName[long] != nil {
			a = "-" + a // Go style: -topic means --topic
		}
	}
	name, val, hasVal := a, "", false
	if strings.HasPrefix(a, "--") {
		name, val, hasVal = strings.Cut(a, "=")
	} else if len(a) > 2 { // -Xvalue or -X=value
		name, val, hasVal = a[:2], strings.TrimPrefix(a[2:], "="), true
	}
	f := fs.byName[name]
	if f == nil {
		return 0, fs.unknown(a, name)
	}
	f.seen = true
	switch f.kind {
	case kindBool:
		if !hasVal {
			val = "true"
		}
		return 0, wrap(name, val, f.set(name, val))
	case kindValue:
		if hasVal {
			return 0, wrap(name, val, f.set(name, val))
		}
		if i+1 >= len(args) {
			return 0, &Error{Flag: name, Reason: "needs a value (" + f.Metavar + ")"}
		}
		return 1, wrap(name, args[i+1], f.set(name, args[i+1]))
	case kindOptional:
		switch {
		case hasVal:
			return 0, wrap(name, val, f.set(name, val))
		case i+1 < len(args) && f.accept(args[i+1]):
			return 1, wrap(name, args[i+1], f.set(name, args[i+1]))
		}
		return 0, wrap(name, f.none, f.set(name, f.none))
	}
	return fs.parseMulti(f, name, val, hasVal, args[i+1:])
}

// parseMulti handles a flag taking every following argument up to the
// next flag, and returns how many it used.
func (fs *FlagSet) parseMulti(f *Flag, name, val string, hasVal bool, rest []string) (int, error) {
	if hasVal {
		return 0, wrap(name, val, f.set(name, val))
	}
	used := 0
	for _, a := range rest {
		if looksLikeFlag(a) {
			break
		}
		if err := wrap(name, a, f.set(name, a)); err != nil {
			return 0, err
		}
		used++
	}
	if used == 0 {
		return 0, &Error{Flag: name, Reason: "needs at least one value (" + f.Metavar + ")"}
	}
	return used, nil
}

func wrap(flag, val string, err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	return &Error{Flag: flag, Value: val, Reason: err.Error()}
}

func looksLikeFlag(a string) bool {
	return len(a) > 1 && a[0] == '-' && !isNumber(a)
}

func isNumber(a string) bool {
	_, err := strconv.ParseFloat(a, 64)
	return err == nil
}

// unknown explains an unknown flag, suggesting the nearest known name.
func (fs *FlagSet) unknown(arg, name string) error {
	e := &Error{Flag: name, Reason: "unknown flag"}
	if arg != name && !strings.HasPrefix(arg, "--") {
		e.Flag = arg
	}
	probe := name
	if !strings.HasPrefix(name, "--") && len(arg) > 2 {
		probe, _, _ = strings.Cut("-"+arg, "=")
	}
	if best := fs.nearest(strings.TrimLeft(probe, "-")); best != "" {
		e.Reason += "; did you mean " + best + "?"
	} else {
		e.Reason += " (see " + fs.Name + " --help)"
	}
	return e
}

// nearest returns the flag name closest to word when it is close enough
// to be a typo of it (a few edits, and fewer than a third of the word, the
// rule samsa's configuration keys follow), or "".
func (fs *FlagSet) nearest(word string) string {
	best, bestD := "", 4
	for n := range fs.byName {
		if d := typo.Distance(word, strings.TrimLeft(n, "-")); d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	if best == "" || len(word) <= 2 || bestD*3 > len(word) {
		return ""
	}
	return best
}

// PrintFlags writes the flags' usage, one flag a paragraph, help wrapped to
// 80 columns.
func (fs *FlagSet) PrintFlags(w io.Writer) {
	section := ""
	for _, f := range fs.flags {
		if f.hidden {
			continue
		}
		if f.Section != section {
			section = f.Section
			fmt.Fprintf(w, "\n%s:\n", section)
		}
		var short, long []string
		for _, n := range f.Names {
			if strings.HasPrefix(n, "--") {
				long = append(long, n)
			} else {
				short = append(short, n)
			}
		}
		head := "  " + strings.Join(append(short, long...), ", ")
		switch {
		case f.Metavar == "":
		case f.kind == kindMulti:
			head += " " + f.Metavar + " ..."
		case f.kind == kindOptional:
			head += " [" + f.Metavar + "]"
		default:
			head += " " + f.Metavar
		}
		fmt.Fprintln(w, head)
		for _, line := range Wrap(f.Help, 72) {
			fmt.Fprintln(w, "        "+line)
		}
	}
}

// Wrap breaks text into lines of at most width columns at spaces; a newline
// in text starts a new line.
func Wrap(text string, width int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case len(line)+1+len(word) > width:
				out = append(out, line)
				line = word
			default:
				line += " " + word
			}
		}
		out = append(out, line)
	}
	return out
}
