package samsa

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// goBlock is a ```go block of a Markdown file.
type goBlock struct {
	line int // of the block's first line of code
	code string
}

// goBlocks returns the ```go blocks of a Markdown text.
func goBlocks(md string) []goBlock {
	var (
		out  []goBlock
		cur  *goBlock
		body []string
	)
	for i, l := range strings.Split(md, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(l) == "```go":
			cur, body = &goBlock{line: i + 2}, nil
		case cur != nil && strings.TrimSpace(l) == "```":
			cur.code = strings.Join(body, "\n") + "\n"
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body = append(body, l)
		}
	}
	return out
}

// snippetImports are the packages a README fragment may use without
// importing them, by name.
var snippetImports = map[string]string{
	"samsa": "github.com/samsa-go/samsa", "kerr": "github.com/samsa-go/samsa/kerr",
	"sr":         "github.com/samsa-go/samsa/plugin/sr",
	"awsmskiam":  "github.com/samsa-go/samsa/plugin/awsmskiam",
	"samsaprom":  "github.com/samsa-go/samsa/plugin/samsaprom",
	"samsaotel":  "github.com/samsa-go/samsa/plugin/samsaotel",
	"prometheus": "github.com/prometheus/client_golang/prometheus",
	"promhttp":   "github.com/prometheus/client_golang/prometheus/promhttp",
	"otel":       "go.opentelemetry.io/otel",
	"http":       "net/http",
	"context":    "context", "errors": "errors", "fmt": "fmt", "log": "log", "os": "os", "time": "time",
}

// snippetProgram makes a block a program: a block that starts with
// "package" is one already; any other is a fragment of statements, put in
// a function of its own with the imports it uses, and nothing else
// declared (a fragment must define what it uses). //line comments make
// the compiler's errors name the README's lines.
func snippetProgram(file string, b goBlock) string {
	if strings.HasPrefix(b.code, "package ") {
		return fmt.Sprintf("//line %s:%d\n%s", file, b.line, b.code)
	}
	var imports []string
	for name, path := range snippetImports {
		if regexp.MustCompile(`\b` + name + `\.`).MatchString(b.code) {
			imports = append(imports, fmt.Sprintf("%q", path))
		}
	}
	sort.Strings(imports)
	return fmt.Sprintf("package main\n\nimport (\n%s\n)\n\nfunc main() {}\n\nfunc fragment() {\n//line %s:%d\n%s}\n",
		strings.Join(imports, "\n"), file, b.line, b.code)
}

// pluginImport finds an import of one of this repository's plugin
// modules (plugin/<name>, each a module of its own).
var pluginImport = regexp.MustCompile(`"github.com/samsa-go/samsa/(plugin/[a-z0-9]+)"`)

// compileSnippets compiles each program with go build, as a package that
// exists only in an overlay, in this module or, when it imports a plugin,
// in the plugin's module; it returns the compiler's complaints.
func compileSnippets(t *testing.T, programs []string) []string {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	overlay := map[string]map[string]string{"Replace": {}}
	type build struct{ module, pkg string }
	var builds []build
	for i, src := range programs {
		real := filepath.Join(tmp, fmt.Sprintf("snippet%d.go", i))
		if err := os.WriteFile(real, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		module := root
		if m := pluginImport.FindStringSubmatch(src); m != nil {
			module = filepath.Join(root, m[1])
		}
		dir := fmt.Sprintf("internal/readmesnippet%d", i)
		overlay["Replace"][filepath.Join(module, dir, "main.go")] = real
		builds = append(builds, build{module, "./" + dir})
	}
	ov := filepath.Join(tmp, "overlay.json")
	data, _ := json.Marshal(overlay)
	if err := os.WriteFile(ov, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, b := range builds {
		cmd := exec.Command("go", "build", "-o", os.DevNull, "-overlay", ov, b.pkg)
		cmd.Dir = b.module
		if out, err := cmd.CombinedOutput(); err != nil {
			problems = append(problems, strings.TrimSpace(string(out)))
		}
	}
	return problems
}

// TestReadmeGoBlocksCompile (issue 12.9): every ```go block of README.md
// compiles, as a program or as a fragment that defines what it uses.
func TestReadmeGoBlocksCompile(t *testing.T) {
	md, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(md))
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d go blocks; expected the library and configuration examples", len(blocks))
	}
	var programs []string
	for _, b := range blocks {
		programs = append(programs, snippetProgram("README.md", b))
	}
	// The check itself must be able to fail: a fragment using a ctx it
	// does not define, and one with an unused variable.
	bad := []goBlock{{line: 1, code: "p, _ := samsa.NewProducer(samsa.DefaultConfig())\np.Flush(ctx)\n"}, {line: 1, code: "x := 1\n"}}
	for _, b := range bad {
		programs = append(programs, snippetProgram("bad.md", b))
	}
	problems := compileSnippets(t, programs)
	var readme []string
	caught := 0
	for _, p := range problems {
		if strings.Contains(p, "bad.md:") {
			caught++
		} else {
			readme = append(readme, p)
		}
	}
	if caught != len(bad) {
		t.Fatalf("the check caught %d of %d broken fragments: %q", caught, len(bad), problems)
	}
	for _, p := range readme {
		t.Errorf("a go block of README.md does not compile:\n%s", p)
	}
}
