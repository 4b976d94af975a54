package cli

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

type vals struct {
	topic   string
	n       int64
	rate    float64
	json    bool
	headers []string
	props   []string
}

func newSet(v *vals) *FlagSet {
	fs := New("samsa test")
	fs.String(&v.topic, "--topic,-t", "TOPIC", "the topic")
	fs.Int(&v.n, "--num-records", "N", "how many")
	fs.Float(&v.rate, "--throughput", "RATE", "records/s")
	fs.Bool(&v.json, "--json", "JSON output")
	fs.List(&v.headers, "--header,-H", "K=V", "a header")
	fs.Multi(&v.props, "--producer-props,-X", "K=V", "properties")
	return fs
}

func TestParseForms(t *testing.T) {
	var v vals
	fs := newSet(&v)
	err := fs.Parse([]string{"a.txt", "-t", "x", "--num-records=5", "--throughput", "-1", "-Hk=v", "-H", "k2=v2",
		"--producer-props", "acks=1", "linger.ms=5", "--json", "-", "--", "--not-a-flag"})
	if err != nil {
		t.Fatal(err)
	}
	if v.topic != "x" || v.n != 5 || v.rate != -1 || !v.json {
		t.Fatalf("%+v", v)
	}
	if !slices.Equal(v.headers, []string{"k=v", "k2=v2"}) || !slices.Equal(v.props, []string{"acks=1", "linger.ms=5"}) {
		t.Fatalf("%+v", v)
	}
	if !slices.Equal(fs.Args, []string{"a.txt", "-", "--not-a-flag"}) {
		t.Fatalf("args %q", fs.Args)
	}
	if !fs.Seen("--topic") || !fs.Seen("-t") || fs.Seen("--header") == false {
		t.Fatal("Seen")
	}
}

func TestGoStyleLongFlag(t *testing.T) {
	var v vals
	fs := newSet(&v)
	if err := fs.Parse([]string{"-topic", "x", "-num-records=3", "-json=false"}); err != nil {
		t.Fatal(err)
	}
	if v.topic != "x" || v.n != 3 || v.json {
		t.Fatalf("%+v", v)
	}
}

func TestErrorsNameTheFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--num-records", "ten"}, `--num-records "ten": not an integer`},
		{[]string{"--throughput=fast"}, `--throughput "fast": not a number`},
		{[]string{"--topic"}, `--topic: needs a value (TOPIC)`},
		{[]string{"--producer-props", "--json"}, `--producer-props: needs at least one value`},
		{[]string{"--num-record", "1"}, `--num-record: unknown flag; did you mean --num-records?`},
		{[]string{"-numrecords", "1"}, `-numrecords: unknown flag; did you mean --num-records?`},
		{[]string{"-q"}, `-q: unknown flag (see samsa test --help)`},
		{[]string{"--json=maybe"}, `--json "maybe": not true or false`},
	} {
		var v vals
		err := newSet(&v).Parse(c.args)
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.args, err, c.want)
		}
	}
	var v vals
	if err := newSet(&v).Parse([]string{"x", "--help"}); err != ErrHelp {
		t.Errorf("--help: %v", err)
	}
}

func TestPrintFlagsAndWrap(t *testing.T) {
	var v vals
	fs := newSet(&v)
	fs.Bool(new(bool), "--secret", "hidden").Hide()
	var b strings.Builder
	fs.PrintFlags(&b)
	out := b.String()
	for _, want := range []string{"  -t, --topic TOPIC\n", "  -X, --producer-props K=V ...\n", "  --json\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secret") {
		t.Error("hidden flag shown")
	}
	lines := Wrap(strings.Repeat("word ", 40)+"\nnext", 20)
	for _, l := range lines {
		if len(l) > 20 {
			t.Errorf("line too long: %q", l)
		}
	}
	if lines[len(lines)-1] != "next" {
		t.Errorf("newline not kept: %q", lines)
	}
}

// A far-off name gets no suggestion: --sync is not a typo of --json,
// although only three edits apart (samsa produce once suggested it).
func TestUnknownFlagSuggestsOnlyTypos(t *testing.T) {
	for _, c := range []struct{ arg, want string }{
		{"--sync", "--sync: unknown flag (see samsa test --help)"},
		{"--jsno", "--jsno: unknown flag; did you mean --json?"},
		{"--topc", "--topc: unknown flag; did you mean --topic?"},
		{"--header-separator", "--header-separator: unknown flag (see samsa test --help)"},
	} {
		var v vals
		err := newSet(&v).Parse([]string{c.arg})
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %q", c.arg, err, c.want)
		}
	}
}

func TestOptionalValue(t *testing.T) {
	codecs := func(s string) bool { return s == "gzip" || s == "lz4" }
	for _, c := range []struct {
		args       []string
		want       string
		positional []string
	}{
		{[]string{"--codec"}, "gzip", nil},
		{[]string{"--codec", "lz4", "file"}, "lz4", []string{"file"}},
		{[]string{"--codec", "file"}, "gzip", []string{"file"}},
		{[]string{"--codec=zstd"}, "zstd", nil},
		{[]string{"--codec", "--json"}, "gzip", nil},
	} {
		var v vals
		var codec string
		fs := newSet(&v)
		fs.Optional("--codec", "CODEC", "gzip", "compression", codecs, func(_, v string) error { codec = v; return nil })
		if err := fs.Parse(c.args); err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if codec != c.want || !slices.Equal(fs.Args, c.positional) {
			t.Errorf("%q: codec %q args %q, want %q %q", c.args, codec, fs.Args, c.want, c.positional)
		}
	}
}

func TestNamedFuncSeesTheNameUsed(t *testing.T) {
	fs := New("samsa test")
	var got []string
	rec := func(name, v string) error { got = append(got, name+" "+v); return nil }
	fs.NamedFunc("--producer-property,-X", "K=V", "a property", rec)
	fs.NamedMulti("--producer-props", "K=V", "properties", rec)
	if err := fs.Parse([]string{"-Xa=1", "--producer-property", "b=2", "--producer-props", "c=3", "d=4"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"-X a=1", "--producer-property b=2", "--producer-props c=3", "--producer-props d=4"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSections(t *testing.T) {
	fs := New("samsa test")
	fs.Bool(new(bool), "--a", "first")
	fs.Section("Kafka's names")
	fs.Bool(new(bool), "--b", "second")
	var b strings.Builder
	fs.PrintFlags(&b)
	if !strings.Contains(b.String(), "  --a\n") || !strings.Contains(b.String(), "\nKafka's names:\n  --b\n") {
		t.Errorf("usage:\n%s", b.String())
	}
	var names []string
	fs.Visit(func(f *Flag) { names = append(names, f.Names[0]+"/"+f.Section) })
	if !slices.Equal(names, []string{"--a/", "--b/Kafka's names"}) {
		t.Errorf("Visit: %q", names)
	}
}
