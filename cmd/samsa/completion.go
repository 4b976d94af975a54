package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/samsa-go/samsa/cmd/samsa/internal/cli"
)

const completionUsage = `Usage: samsa completion bash|zsh|fish

Prints a script that completes samsa's commands, flags and flag values
(codecs, acks, files) in the given shell.

Examples:
  source <(samsa completion bash)                 # bash, this session
  samsa completion bash > /etc/bash_completion.d/samsa
  samsa completion zsh > "${fpath[1]}/_samsa"      # zsh, then restart it
  samsa completion fish > ~/.config/fish/completions/samsa.fish
`

// commandInfo is what completion knows of a command.
type commandInfo struct {
	name, summary string
	flags         *cli.FlagSet
	files         bool // takes FILE arguments
}

func completionCommands() []commandInfo {
	return []commandInfo{
		{"produce", "produce records from files or stdin", (&produceFlags{}).flagSet(), true},
		{"perf", "measure producer throughput and latency", (&perfFlags{}).flagSet(), false},
		{"version", "print the version", nil, false},
		{"completion", "print a shell completion script", nil, false},
		{"help", "show help", nil, false},
	}
}

// flagValues lists the values a flag takes, "FILE" for a file name, or
// nothing.
func flagValues(f *cli.Flag) []string {
	switch f.Names[0] {
	case "--compression", "--compression-codec":
		return []string{"none", "gzip", "snappy", "lz4", "zstd"}
	case "--acks":
		return []string{"all", "-1", "0", "1"}
	case "--progress":
		return []string{"auto", "bar", "lines", "never"}
	case "--producer.config", "--report", "--payload-file", "--reader-config":
		return []string{"FILE"}
	}
	return nil
}

func runCompletion(e *env, args []string) int {
	if len(args) != 1 {
		fmt.Fprint(e.stderr, completionUsage)
		return exitUsage
	}
	switch args[0] {
	case "bash":
		writeBash(e.stdout)
	case "zsh":
		writeZsh(e.stdout)
	case "fish":
		writeFish(e.stdout)
	case "-h", "--help":
		fmt.Fprint(e.stdout, completionUsage)
	default:
		fmt.Fprintf(e.stderr, "samsa completion: unknown shell %q (bash, zsh or fish)\n", args[0])
		return exitUsage
	}
	return exitOK
}

// visible lists the flags shown in help, and --help.
func visible(fs *cli.FlagSet, fn func(f *cli.Flag)) {
	fs.Visit(func(f *cli.Flag) {
		if !f.Hidden() {
			fn(f)
		}
	})
}

func writeBash(w io.Writer) {
	fmt.Fprintln(w, "# bash completion for samsa; load with: source <(samsa completion bash)")
	fmt.Fprintln(w, "_samsa() {")
	fmt.Fprintln(w, `  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]}`)
	var names []string
	for _, c := range completionCommands() {
		names = append(names, c.name)
	}
	fmt.Fprintf(w, "  if [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=($(compgen -W %q -- \"$cur\")); return; fi\n", strings.Join(names, " "))
	fmt.Fprintln(w, `  case $cmd in`)
	fmt.Fprintln(w, `  completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return;;`)
	fmt.Fprintf(w, "  help) COMPREPLY=($(compgen -W %q -- \"$cur\")); return;;\n", strings.Join(names[:4], " "))
	for _, c := range completionCommands() {
		if c.flags != nil {
			writeBashCommand(w, c)
		}
	}
	fmt.Fprintln(w, "  esac")
	fmt.Fprintln(w, "}")
	fmt.Fprintln(w, "complete -o default -F _samsa samsa")
}

func writeBashCommand(w io.Writer, c commandInfo) {
	var all []string
	fmt.Fprintf(w, "  %s)\n    case $prev in\n", c.name)
	visible(c.flags, func(f *cli.Flag) {
		all = append(all, f.Names...)
		vals := flagValues(f)
		pattern := strings.Join(f.Names, "|")
		switch {
		case len(vals) == 1 && vals[0] == "FILE":
			fmt.Fprintf(w, "    %s) COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n", pattern)
		case len(vals) > 0:
			fmt.Fprintf(w, "    %s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return;;\n", pattern, strings.Join(vals, " "))
		case f.TakesValue():
			fmt.Fprintf(w, "    %s) return;;\n", pattern)
		}
	})
	fmt.Fprintln(w, "    esac")
	all = append(all, "--help")
	fmt.Fprintf(w, "    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W %q -- \"$cur\")); return; fi\n", strings.Join(all, " "))
	if c.files {
		fmt.Fprintln(w, `    COMPREPLY=($(compgen -f -- "$cur"));;`)
	} else {
		fmt.Fprintln(w, "    ;;")
	}
}

// firstSentence is a flag's help up to its first full stop, for the
// completion menus.
func firstSentence(help string) string {
	if i := strings.Index(help, ". "); i >= 0 {
		help = help[:i]
	}
	return strings.TrimSuffix(help, ".")
}

// zshHead starts the zsh script; %s is the list of commands.
const zshHead = `#compdef samsa
# zsh completion for samsa: save as _samsa in a directory of $fpath, or load with: source <(samsa completion zsh)
_samsa() {
  local -a commands
  commands=(%s )
  if (( CURRENT == 2 )); then _describe 'command' commands; return; fi
  local cmd=$words[2]
  shift words; (( CURRENT-- ))
  case $cmd in
  completion) _values 'shell' bash zsh fish;;
  help) _values 'command' produce perf version completion;;
`

func writeZsh(w io.Writer) {
	var cmds strings.Builder
	for _, c := range completionCommands() {
		fmt.Fprintf(&cmds, " %s", zshQuote(c.name+":"+c.summary))
	}
	fmt.Fprintf(w, zshHead, cmds.String())
	for _, c := range completionCommands() {
		if c.flags == nil {
			continue
		}
		fmt.Fprintf(w, "  %s) _arguments -s", c.name)
		visible(c.flags, func(f *cli.Flag) {
			for _, n := range f.Names {
				fmt.Fprintf(w, " \\\n    %s", zshQuote(zshSpec(n, f)))
			}
		})
		if c.files {
			fmt.Fprint(w, " \\\n    '*:file:_files'")
		}
		fmt.Fprintln(w, ";;")
	}
	fmt.Fprintln(w, "  esac")
	fmt.Fprintln(w, "}")
	fmt.Fprintln(w, `if [ "$funcstack[1]" = "_samsa" ]; then _samsa "$@"; else compdef _samsa samsa; fi`)
}

// zshSpec is one _arguments spec: name[description]:message:action.
func zshSpec(name string, f *cli.Flag) string {
	desc := strings.NewReplacer("[", "(", "]", ")", ":", " ", "\\", "").Replace(firstSentence(f.Help))
	spec := name
	if f.TakesValue() {
		spec += "="
	}
	spec += "[" + desc + "]"
	if f.TakesValue() {
		vals := flagValues(f)
		meta := strings.NewReplacer(":", " ", "|", " or ").Replace(f.Metavar)
		switch {
		case len(vals) == 1 && vals[0] == "FILE":
			spec += ":" + meta + ":_files"
		case len(vals) > 0:
			spec += ":" + meta + ":(" + strings.Join(vals, " ") + ")"
		default:
			spec += ":" + meta + ": "
		}
	}
	return spec
}

// zshQuote single-quotes s for zsh.
func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func writeFish(w io.Writer) {
	fmt.Fprintln(w, "# fish completion for samsa; save as ~/.config/fish/completions/samsa.fish")
	fmt.Fprintln(w, "complete -c samsa -f")
	for _, c := range completionCommands() {
		fmt.Fprintf(w, "complete -c samsa -n __fish_use_subcommand -a %s -d %s\n", c.name, zshQuote(c.summary))
	}
	fmt.Fprintln(w, "complete -c samsa -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'")
	fmt.Fprintln(w, "complete -c samsa -n '__fish_seen_subcommand_from help' -a 'produce perf version completion'")
	for _, c := range completionCommands() {
		if c.flags == nil {
			continue
		}
		cond := zshQuote("__fish_seen_subcommand_from " + c.name)
		if c.files {
			fmt.Fprintf(w, "complete -c samsa -n %s -F\n", cond)
		}
		visible(c.flags, func(f *cli.Flag) { writeFishFlag(w, cond, f) })
	}
}

func writeFishFlag(w io.Writer, cond string, f *cli.Flag) {
	var b strings.Builder
	fmt.Fprintf(&b, "complete -c samsa -n %s", cond)
	for _, n := range f.Names {
		if strings.HasPrefix(n, "--") {
			fmt.Fprintf(&b, " -l %s", n[2:])
		} else {
			fmt.Fprintf(&b, " -s %s", n[1:])
		}
	}
	if f.TakesValue() {
		vals := flagValues(f)
		switch {
		case len(vals) == 1 && vals[0] == "FILE":
			b.WriteString(" -r -F")
		case len(vals) > 0:
			fmt.Fprintf(&b, " -x -a %s", zshQuote(strings.Join(vals, " ")))
		default:
			b.WriteString(" -x")
		}
	}
	fmt.Fprintf(&b, " -d %s\n", zshQuote(firstSentence(f.Help)))
	_, _ = io.WriteString(w, b.String())
}
