package javacheck

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/prereq"
)

// KafkaVersion is the version of org.apache.kafka:kafka-clients tests
// compare against.
const KafkaVersion = "4.3.1"

// Timeout bounds one mvn, javac or java run.
var Timeout = 10 * time.Minute

const completeMarker = "complete"

// Require skips the test (or fails it when SAMSA_REQUIRE_KAFKA=1) unless
// java, javac and mvn are on PATH; see internal/prereq, whose Main the
// test package's TestMain must call for the skip to be reported.
func Require(t testing.TB) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"java", "javac", "mvn"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	prereq.Skip(t, fmt.Sprintf("javacheck: %s not found on PATH; install a JDK 17+ and Maven (e.g. apt-get install openjdk-17-jdk-headless maven) to compare with Kafka's Java client", strings.Join(missing, ", ")))
}

// CacheDir returns the root of the cache of jars and compiled classes.
func CacheDir() (string, error) {
	if d := os.Getenv("SAMSA_JAVACHECK_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("javacheck: no cache directory: %w", err)
	}
	return filepath.Join(d, "samsa", "javacheck"), nil
}

// Classpath returns the classpath of kafka-clients KafkaVersion and its
// runtime dependencies, fetching them into the cache on first use.
func Classpath(t testing.TB) string {
	t.Helper()
	Require(t)
	root, err := CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, KafkaVersion)
	if err := buildOnce(dir, fetchJars); err != nil {
		t.Fatalf("javacheck: fetching kafka-clients %s: %v", KafkaVersion, err)
	}
	jars, err := filepath.Glob(filepath.Join(dir, "jars", "*.jar"))
	if err != nil || len(jars) == 0 {
		t.Fatalf("javacheck: no jars in %s (delete it to refetch): %v", dir, err)
	}
	sort.Strings(jars)
	return strings.Join(jars, string(os.PathListSeparator))
}

// Compile compiles the .java files in srcDir against Classpath and
// returns the directory of the classes. Compiled classes are cached by the
// sources' content.
func Compile(t testing.TB, srcDir string) string {
	t.Helper()
	dir, err := compileDir(srcDir, Classpath(t))
	if err != nil {
		t.Fatalf("javacheck: compiling %s: %v", srcDir, err)
	}
	return dir
}

// compileDir compiles srcDir's sources against classpath into the cache.
func compileDir(srcDir, classpath string) (string, error) {
	srcDir, err := filepath.Abs(srcDir)
	if err != nil {
		return "", err
	}
	key, err := sourceKey(srcDir)
	if err != nil {
		return "", err
	}
	root, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "classes", key)
	err = buildOnce(dir, func(tmp string) error {
		srcs, _ := filepath.Glob(filepath.Join(srcDir, "*.java"))
		args := append([]string{"-nowarn", "-encoding", "UTF-8", "-cp", classpath, "-d", tmp}, srcs...)
		return run(tmp, nil, nil, "javac", args...)
	})
	return dir, err
}

// Run compiles the Java sources in srcDir (see Compile), runs mainClass
// with stdin as its standard input, and returns its standard output. The
// test fails if the program exits non-zero; its standard error is in the
// failure message.
func Run(t testing.TB, srcDir, mainClass string, stdin []byte) []byte {
	t.Helper()
	classes := Compile(t, srcDir)
	cp := classes + string(os.PathListSeparator) + Classpath(t)
	var stdout bytes.Buffer
	if err := run("", bytes.NewReader(stdin), &stdout, "java", "-cp", cp, mainClass); err != nil {
		t.Fatalf("javacheck: running %s: %v", mainClass, err)
	}
	return stdout.Bytes()
}

// fetchJars writes a pom naming kafka-clients and copies it and its
// runtime dependencies into dir/jars.
func fetchJars(dir string) error {
	pom := fmt.Sprintf(`<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.samsa</groupId>
  <artifactId>javacheck</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-clients</artifactId>
      <version>%s</version>
    </dependency>
  </dependencies>
</project>
`, KafkaVersion)
	if err := os.WriteFile(filepath.Join(dir, "pom.xml"), []byte(pom), 0o644); err != nil {
		return err
	}
	return run(dir, nil, nil, "mvn", "-q", "-B", "dependency:copy-dependencies",
		"-DincludeScope=runtime", "-DoutputDirectory="+filepath.Join(dir, "jars"))
}

// buildOnce makes dir with build unless a complete one exists. build
// fills a fresh temporary directory that is renamed to dir once complete,
// under an exclusive lock shared by all test processes.
func buildOnce(dir string, build func(tmp string) error) error {
	if _, err := os.Stat(filepath.Join(dir, completeMarker)); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	unlock, err := lock(filepath.Join(parent, ".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, completeMarker)); err == nil {
		return nil // another process built it while we waited
	}
	if err := os.RemoveAll(dir); err != nil { // an incomplete earlier attempt
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if err := build(tmp); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}

// lock takes an exclusive flock on path, waiting for other processes.
func lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

// sourceKey hashes KafkaVersion and the names and contents of the .java
// files in dir.
func sourceKey(dir string) (string, error) {
	srcs, err := filepath.Glob(filepath.Join(dir, "*.java"))
	if err != nil {
		return "", err
	}
	if len(srcs) == 0 {
		return "", fmt.Errorf("no .java files in %s", dir)
	}
	sort.Strings(srcs)
	h := sha256.New()
	fmt.Fprintf(h, "kafka-clients %s\n", KafkaVersion)
	for _, s := range srcs {
		b, err := os.ReadFile(s)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(s), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// run runs a command in dir, returning an error with its standard error
// when it fails.
func run(dir string, stdin *bytes.Reader, stdout *bytes.Buffer, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stderr bytes.Buffer
	cmd.Stdout = stdout
	if stdout == nil {
		cmd.Stdout = &stderr
	}
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args[:min(len(args), 3)], " "), err, tail(stderr.String(), 4000))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
