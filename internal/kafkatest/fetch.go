package kafkatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/samsa-go/samsa/internal/prereq"
)

// DefaultVersion is the Apache Kafka version that clusters run unless
// Options.Version or $SAMSA_KAFKA_VERSION names another one.
const DefaultVersion = "4.3.1"

// Environment variables read by this package.
const (
	// EnvVersion overrides DefaultVersion for every cluster whose
	// Options.Version is empty, e.g. SAMSA_KAFKA_VERSION=3.9.2.
	EnvVersion = "SAMSA_KAFKA_VERSION"
	// EnvCache names the root of the jar cache; each version gets a
	// subdirectory. The default is $XDG_CACHE_HOME/samsa/kafka or
	// ~/.cache/samsa/kafka.
	EnvCache = "SAMSA_KAFKA_CACHE"
	// EnvRequire, when "1", turns the skips of Shared and RequireTools
	// into failures: set it in CI so that a missing Java or Maven cannot
	// silently skip every integration test.
	EnvRequire = prereq.EnvRequire
)

// Logging bindings added to Kafka's own dependencies so that the broker
// logs. Kafka 4 logs through Log4j 2; Kafka 2.x and 3.x use Log4j 1
// classes (kafka.utils.Log4jController), which reload4j provides with the
// slf4j 1.7 binding for it.
const (
	log4j2SLF4JVersion = "2.24.3"
	slf4jVersion       = "1.7.36"
	reload4jVersion    = "1.2.25"
)

// completeMarker is written into a version's cache directory only after
// every jar was copied there.
const completeMarker = "complete"

// resolveVersion returns v, else $SAMSA_KAFKA_VERSION, else DefaultVersion.
func resolveVersion(v string) string {
	if v != "" {
		return v
	}
	if env := os.Getenv(EnvVersion); env != "" {
		return env
	}
	return DefaultVersion
}

// majorMinor parses the first two numbers of a version such as "3.9.2".
func majorMinor(v string) (int, int, error) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, fmt.Errorf("kafkatest: cannot parse Kafka version %q", v)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("kafkatest: cannot parse Kafka version %q", v)
	}
	return major, minor, nil
}

// cacheRoot is the directory that holds one subdirectory per version.
func cacheRoot() (string, error) {
	if d := os.Getenv(EnvCache); d != "" {
		return filepath.Abs(d)
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("kafkatest: no cache directory: set %s or HOME: %w", EnvCache, err)
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "samsa", "kafka"), nil
}

// lockFile takes an exclusive flock on path, polling so that ctx can end
// the wait. The returned function releases it.
func lockFile(ctx context.Context, path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("kafkatest: lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("kafkatest: waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pomFor returns a throwaway pom.xml whose dependencies are Kafka's
// broker jar and a logging binding suited to the version.
func pomFor(version string, log4j2 bool) string {
	type dep struct{ g, a, v string }
	deps := []dep{{"org.apache.kafka", "kafka_2.13", version}}
	if log4j2 {
		deps = append(deps, dep{"org.apache.logging.log4j", "log4j-slf4j-impl", log4j2SLF4JVersion})
	} else {
		deps = append(deps,
			dep{"org.slf4j", "slf4j-reload4j", slf4jVersion},
			dep{"ch.qos.reload4j", "reload4j", reload4jVersion})
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>samsa.kafkatest</groupId>
  <artifactId>kafka-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
`)
	for _, d := range deps {
		fmt.Fprintf(&b, "    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>\n", d.g, d.a, d.v)
	}
	b.WriteString("  </dependencies>\n</project>\n")
	return b.String()
}

// Fetch makes sure the jars of Kafka version (empty: the default) are in
// the cache and returns the directory that holds them. The first call
// for a version runs Maven; concurrent callers, also in other processes,
// wait on a file lock and then reuse its result.
func Fetch(ctx context.Context, version string) (string, error) {
	version = resolveVersion(version)
	layout, err := LayoutOf(version)
	if err != nil {
		return "", err
	}
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, version)
	libs := filepath.Join(dir, "libs")
	marker := filepath.Join(dir, completeMarker)
	if _, err := os.Stat(marker); err == nil {
		return libs, nil
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, "fetch.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(marker); err == nil {
		return libs, nil // another process fetched it while we waited
	}
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		return "", fmt.Errorf("kafkatest: Kafka %s is not cached in %s and Maven (mvn) is not installed: %w", version, dir, err)
	}
	if err := os.RemoveAll(libs); err != nil {
		return "", err
	}
	// Archives made from earlier jars are useless now.
	if old, _ := filepath.Glob(filepath.Join(dir, "cds-*")); len(old) > 0 {
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	work, err := os.MkdirTemp(dir, "pom-")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(work) }()
	if err := os.WriteFile(filepath.Join(work, "pom.xml"), []byte(pomFor(version, layout.Log4j2)), 0o644); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, mvn, "-q", "-B", "dependency:copy-dependencies",
		"-DoutputDirectory="+libs, "-DincludeScope=runtime")
	cmd.Dir = work
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		_ = os.RemoveAll(libs)
		return "", fmt.Errorf("kafkatest: fetching Kafka %s with Maven failed after %v: %w\n%s",
			version, time.Since(start).Round(time.Millisecond), err, tail(out.String(), 40))
	}
	jars, err := listJars(libs)
	if err != nil {
		return "", err
	}
	if len(jars) == 0 {
		return "", fmt.Errorf("kafkatest: Maven copied no jars for Kafka %s into %s", version, libs)
	}
	list := strings.Join(jars, "\n") + "\n"
	if err := os.WriteFile(marker+".tmp", []byte(list), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(marker+".tmp", marker); err != nil {
		return "", err
	}
	return libs, nil
}

// listJars returns the sorted absolute paths of the jars in dir.
func listJars(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var jars []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".jar") {
			jars = append(jars, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(jars)
	return jars, nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// execLookPath is exec.LookPath, a variable for tests.
var execLookPath = exec.LookPath

// cached reports whether the jars of version are complete in the cache.
func cached(version string) bool {
	root, err := cacheRoot()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(root, version, completeMarker))
	return err == nil
}
