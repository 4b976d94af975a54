package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/samsa-go/samsa"
	"github.com/samsa-go/samsa/cmd/samsa/internal/cli"
)

// inputFormat checks the flags and returns the input format.
func (pf *produceFlags) inputFormat(e *env, fs *cli.FlagSet) (*inputFormat, error) {
	f := &inputFormat{delimiter: []byte{'\n'}, json: pf.json, base64: pf.base64, wholeFile: pf.wholeFile,
		topic: pf.topic, emptyAsNull: pf.emptyAsNull, keepRaw: pf.tee}
	var err error
	if fs.Seen("--delimiter") {
		if f.delimiter, err = unescape(pf.delimiter); err != nil {
			return nil, fmt.Errorf("--delimiter %q: %v", pf.delimiter, err)
		}
	}
	if err := pf.applyReaderProps(e, f); err != nil {
		return nil, err
	}
	if err := pf.applyKeyFlags(fs, f); err != nil {
		return nil, err
	}
	for _, h := range pf.headers {
		hd, err := parseHeaderFlag(h)
		if err != nil {
			return nil, fmt.Errorf("--header %q: %v", h, err)
		}
		f.headers = append(f.headers, hd)
	}
	if f.partition, err = partitionFlag(pf.partition); err != nil {
		return nil, err
	}
	return f, pf.checkInput(fs, f)
}

// applyReaderProps reads --reader-config, then --property (which wins),
// into f.
func (pf *produceFlags) applyReaderProps(e *env, f *inputFormat) error {
	rp := defaultReaderProps()
	if pf.readerConfig != "" {
		props, err := samsa.LoadProperties(pf.readerConfig)
		if err != nil {
			return fmt.Errorf("--reader-config: %w", err)
		}
		for _, k := range sortedKeys(props) {
			if err := rp.set(k, props[k]); err != nil {
				return fmt.Errorf("--reader-config %s: %v", pf.readerConfig, err)
			}
		}
	}
	for _, p := range pf.readerArgs {
		if err := rp.set(p[0], p[1]); err != nil {
			return fmt.Errorf("--property %s=%s: %v", p[0], p[1], err)
		}
	}
	notes, err := rp.apply(f)
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "samsa produce: note: %s\n", n)
	}
	return err
}

// applyKeyFlags applies -K and -k.
func (pf *produceFlags) applyKeyFlags(fs *cli.FlagSet, f *inputFormat) error {
	if fs.Seen("--key-separator") {
		sep, err := unescape(pf.keySep)
		if err != nil {
			return fmt.Errorf("--key-separator %q: %v", pf.keySep, err)
		}
		if f.keySep != nil && string(f.keySep) != string(sep) {
			return fmt.Errorf("--key-separator %q and --property key.separator=%q differ", sep, f.keySep)
		}
		f.keySep = sep
	}
	if fs.Seen("--key") {
		f.fixedKey = []byte(pf.fixedKey)
	}
	return nil
}

// partitionFlag converts --partition: -1 means the partitioner chooses.
func partitionFlag(n int64) (samsa.Partition, error) {
	switch {
	case n == -1:
		return samsa.AnyPartition, nil
	case n < -1 || n > 1<<31-1:
		return samsa.AnyPartition, fmt.Errorf("--partition %d: must be 0 or more, or -1 for the partitioner", n)
	}
	return samsa.PartitionOf(int32(n)), nil
}

// checkInput rejects flags that do not go together.
func (pf *produceFlags) checkInput(fs *cli.FlagSet, f *inputFormat) error {
	switch {
	case pf.json && (f.keySep != nil || f.lineHeaders != nil):
		return errors.New("--key-separator (or --property parse.key/parse.headers) and --json do not go together (JSON records have key and headers fields)")
	case pf.wholeFile && f.lineHeaders != nil:
		return errors.New("--file-per-record and --property parse.headers do not go together")
	case pf.topic == "" && !pf.json:
		return errors.New("--topic is required")
	case pf.wholeFile && len(fs.Args) == 0:
		return errors.New("--file-per-record needs FILE arguments")
	case pf.wholeFile && pf.lineMode:
		return errors.New("-l (records split like standard input) and --file-per-record exclude each other")
	case pf.count < 0:
		return fmt.Errorf("--count %d: must be positive", pf.count)
	}
	return nil
}

// parseHeaderFlag parses -H key=value, or -H key for a null value as
// kcat takes it.
func parseHeaderFlag(s string) (samsa.Header, error) {
	k, v, ok := strings.Cut(s, "=")
	if k == "" {
		return samsa.Header{}, errors.New("want KEY=VALUE or KEY")
	}
	if !ok {
		return samsa.Header{Key: k}, nil
	}
	return samsa.Header{Key: k, Value: []byte(v)}, nil
}

// cutTrim splits KEY=VALUE, trimming spaces around the key.
func cutTrim(kv string) (string, string, bool) {
	k, v, ok := strings.Cut(kv, "=")
	return strings.TrimSpace(k), v, ok
}

// readInputs parses files (stdin when none, or "-") and calls each for
// every record, until the inputs end or ctx is done. Reading runs in its
// own goroutine so that Ctrl-C is seen while a read blocks.
func readInputs(ctx context.Context, e *env, f *inputFormat, files []string, each func(inputRecord)) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	recs := make(chan inputRecord, 256)
	errc := make(chan error, len(files))
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(recs)
		emit := func(r inputRecord) bool {
			select {
			case recs <- r:
				return true
			case <-done:
				return false
			}
		}
		for _, name := range files {
			if err := scanFile(e, f, name, emit); err != nil {
				errc <- err // and go on with the next file
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case r, ok := <-recs:
			if !ok {
				close(errc)
				var errs []error
				for err := range errc {
					errs = append(errs, err)
				}
				return errors.Join(errs...)
			}
			each(r)
		}
	}
}

func scanFile(e *env, f *inputFormat, name string, emit func(inputRecord) bool) error {
	r := io.Reader(e.stdin)
	label := "stdin"
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return err
		}
		defer func() { _ = file.Close() }()
		r, label = file, name
	}
	return f.scan(r, label, emit)
}
