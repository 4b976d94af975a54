package kafkatest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// EnvCDS names the variable that, when "0", turns off the class-data sharing archives that speed up
// the JVMs' start (see Prepare).
const EnvCDS = "SAMSA_KAFKA_CDS"

// Class-data sharing (AppCDS). About half of a broker's start-up on a
// small machine is loading and verifying classes. A dynamic CDS archive
// (-XX:ArchiveClassesAtExit, Java 13+) of the classes a broker loads
// halves that. It is made once per Kafka version and Java installation
// by a training run (one node with every listener, stopped gracefully,
// since the archive is written at a normal JVM exit) and kept next to the
// jars. A JVM that finds the archive unusable warns and runs without it.

// cdsArchives are the archive files for brokers and for StorageTool.
type cdsArchives struct{ broker, tool string }

// ready reports whether the archives exist (tool only when there is one).
func (a cdsArchives) ready() bool { return exists(a.broker) && (a.tool == "" || exists(a.tool)) }

// cdsKey identifies the Java installation an archive was made with.
func cdsKey(java string) string {
	real, err := filepath.EvalSymlinks(java)
	if err != nil {
		real = java
	}
	h := sha256.New()
	h.Write([]byte(real))
	if st, err := os.Stat(real); err == nil {
		fmt.Fprintf(h, "|%d|%d", st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func exists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Size() > 0
}

// cdsRetryAfter is how long a failed training keeps others from trying.
const cdsRetryAfter = time.Hour

// recentlyFailed reports whether the failure marker at p is fresh.
func recentlyFailed(p string) bool {
	st, err := os.Stat(p)
	return err == nil && time.Since(st.ModTime()) < cdsRetryAfter
}

// ensureCDS returns the archives for this version and Java, making them
// first if needed. It returns empty paths when CDS is off or the
// training failed (the reason is kept in a .failed file next to the jars;
// training is tried again an hour later).
func ensureCDS(ctx context.Context, base *Cluster, libs string) (cdsArchives, error) {
	if os.Getenv(EnvCDS) == "0" {
		return cdsArchives{}, nil
	}
	dir := filepath.Dir(libs)
	prefix := filepath.Join(dir, "cds-"+cdsKey(base.java))
	a := cdsArchives{broker: prefix + "-broker.jsa", tool: prefix + "-tool.jsa"}
	if base.layout.Mode == ZooKeeper {
		a.tool = "" // no storage tool runs: nothing to format
	}
	failed := prefix + ".failed"
	ready := a.ready
	if ready() {
		return a, nil
	}
	if recentlyFailed(failed) {
		return cdsArchives{}, nil
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, "cds.lock"))
	if err != nil {
		return cdsArchives{}, err
	}
	defer unlock()
	if ready() {
		return a, nil
	}
	if recentlyFailed(failed) {
		return cdsArchives{}, nil
	}
	err = trainCDS(ctx, base, a)
	if err != nil {
		if ctx.Err() != nil {
			return cdsArchives{}, err
		}
		_ = os.WriteFile(failed, []byte(err.Error()+"\n"), 0o644)
		return cdsArchives{}, nil
	}
	_ = os.Remove(failed)
	return a, nil
}

// trainCDS runs a one-node cluster with every listener that dumps the
// archives at exit, then moves them into place.
func trainCDS(ctx context.Context, base *Cluster, a cdsArchives) (err error) {
	tmp := cdsArchives{broker: a.broker + ".tmp"}
	if a.tool != "" {
		tmp.tool = a.tool + ".tmp"
	}
	_ = os.Remove(tmp.broker)
	_ = os.Remove(tmp.tool)
	defer func() {
		_ = os.Remove(tmp.broker)
		_ = os.Remove(tmp.tool)
	}()
	opts, err := Options{Version: base.version, Security: base.layout.Mode != ZooKeeper, ReadyTimeout: 3 * time.Minute}.normalize()
	if err != nil {
		return err
	}
	train := &Cluster{
		opts:      opts,
		version:   base.version,
		layout:    base.layout,
		java:      base.java,
		classpath: base.classpath,
		dumpCDS:   true,
		cds:       tmp,
	}
	defer func() { _ = train.Close() }()
	if err := train.start(ctx); err != nil {
		return fmt.Errorf("kafkatest: CDS training start: %w", err)
	}
	// Exercise the request paths a test uses first.
	if err := train.CreateTopic(ctx, "cds-training", 1, 1, nil); err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := train.Stop(sctx, 1); err != nil {
		return err
	}
	if !tmp.ready() {
		return errors.New("kafkatest: CDS training wrote no archive:\n" + train.LogTail(1, 20))
	}
	if a.tool != "" {
		if err := os.Rename(tmp.tool, a.tool); err != nil {
			return err
		}
	}
	return os.Rename(tmp.broker, a.broker)
}

// cdsFlag returns the JVM flag that uses or (when dumping) writes the
// archive path, or nil when there is none.
func (c *Cluster) cdsFlag(path string) []string {
	switch {
	case path == "":
		return nil
	case c.dumpCDS:
		// The dump warns of every class it skips (Log4j 1's are too old to
		// archive): keep the log readable.
		return []string{"-XX:ArchiveClassesAtExit=" + path, "-Xlog:cds=off"}
	default:
		return []string{"-XX:SharedArchiveFile=" + path}
	}
}
