package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The bash script completes commands, flags and flag values as bash runs
// it.
func TestBashCompletion(t *testing.T) {
	script := runSamsa(t, "", "completion", "bash")
	if script.code != 0 {
		t.Fatalf("exit %d", script.code)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "samsa.bash")
	if err := os.WriteFile(path, []byte(script.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "client.properties"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		words []string
		want  string
	}{
		{[]string{"samsa", "pe"}, "perf"},
		{[]string{"samsa", "perf", "--num-r"}, "--num-records"},
		{[]string{"samsa", "perf", "--warm"}, "--warmup-records"},
		{[]string{"samsa", "produce", "--request-req"}, "--request-required-acks"},
		{[]string{"samsa", "produce", "-z", "l"}, "lz4"},
		{[]string{"samsa", "produce", "--compression-codec", "zs"}, "zstd"},
		{[]string{"samsa", "perf", "--acks", "a"}, "all"},
		{[]string{"samsa", "completion", "z"}, "zsh"},
		{[]string{"samsa", "help", "pr"}, "produce"},
		{[]string{"samsa", "perf", "--producer.config", filepath.Join(dir, "cl")}, filepath.Join(dir, "client.properties")},
	} {
		quoted := make([]string, len(c.words))
		for i, w := range c.words {
			quoted[i] = "'" + w + "'"
		}
		prog := "source " + path + "; COMP_WORDS=(" + strings.Join(quoted, " ") + "); COMP_CWORD=" +
			strconv.Itoa(len(c.words)-1) + `; _samsa; printf '%s\n' "${COMPREPLY[@]}"`
		out, err := exec.Command("bash", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", c.words, err, out)
		}
		if got := strings.Fields(string(out)); !slices.Contains(got, c.want) {
			t.Errorf("%v: completions %q, want %q among them", c.words, got, c.want)
		}
	}
}
