package kafkatest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// CompileJava compiles Java sources against the jars of Kafka version
// (empty: the default) into outDir, for test-only broker plugins (a
// metrics reporter, say) that Options.Classpath then puts on the brokers'
// class path. It needs a JDK's javac: next to $JAVA_HOME/bin/java, or on
// the PATH.
func CompileJava(ctx context.Context, version, outDir string, sources ...string) error {
	opts, err := Options{Version: version}.normalize()
	if err != nil {
		return err
	}
	javac, err := findJavac()
	if err != nil {
		return err
	}
	libs, err := Fetch(ctx, opts.Version)
	if err != nil {
		return err
	}
	jars, err := listJars(libs)
	if err != nil {
		return err
	}
	args := append([]string{"-proc:none", "-nowarn", "-d", outDir, "-cp", strings.Join(jars, string(os.PathListSeparator))}, sources...)
	out, err := exec.CommandContext(ctx, javac, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("kafkatest: javac %s: %w\n%s", strings.Join(sources, " "), err, out)
	}
	return nil
}

func findJavac() (string, error) {
	return findJDKTool("javac", "a JDK 17+, e.g. apt-get install openjdk-17-jdk-headless")
}
