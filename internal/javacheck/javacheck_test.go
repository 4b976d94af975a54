package javacheck

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestRunEcho runs a Java program that uses a kafka-clients class and
// checks its output.
func TestRunEcho(t *testing.T) {
	out := Run(t, "testdata/echo", "Echo", []byte("samsa"))
	// murmur2("samsa") as Kafka computes it: checked against the Java
	// output of a known value below.
	if len(out) != 8+1+5 || string(out[9:]) != "asmas" {
		t.Fatalf("Echo output %q", out)
	}
	if got, want := string(out[:8]), murmur2Hex([]byte("samsa")); got != want {
		t.Fatalf("Java murmur2 = %s, Go reference = %s", got, want)
	}
}

// murmur2Hex is a reference murmur2 (Kafka's variant, seed 0x9747b28c).
func murmur2Hex(data []byte) string {
	const m, r = 0x5bd1e995, 24
	h := uint32(0x9747b28c) ^ uint32(len(data))
	n := len(data) / 4 * 4
	for i := 0; i < n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(data) % 4 {
	case 3:
		h ^= uint32(data[n+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[n+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[n])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	const hex = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = hex[h&15]
		h >>= 4
	}
	return string(b[:])
}

// TestConcurrentFirstUse builds a fresh cache from several goroutines (the
// lock is per process too, as flock locks belong to open files) and checks
// there is exactly one complete entry.
func TestConcurrentFirstUse(t *testing.T) {
	Require(t)
	root, err := CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	// Reuse the downloaded jars but build class entries in a fresh cache.
	jars := filepath.Join(root, KafkaVersion)
	cp := Classpath(t)
	fresh := t.TempDir()
	if err := os.Symlink(jars, filepath.Join(fresh, KafkaVersion)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAMSA_JAVACHECK_CACHE", fresh)
	var wg sync.WaitGroup
	dirs := make([]string, 4)
	errs := make([]error, 4)
	for i := range dirs {
		wg.Go(func() { dirs[i], errs[i] = compileDir("testdata/echo", cp) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range dirs {
		if d != dirs[0] {
			t.Fatalf("Compile returned %v", dirs)
		}
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "Echo.class")); err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(fresh, "classes", "[!.]*"))
	if len(entries) != 1 {
		t.Fatalf("class cache entries: %v", entries)
	}
}

func TestSourceKeyChangesWithContent(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, "A.java"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("class A {}")
	k1, err := sourceKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	write("class A { }")
	k2, _ := sourceKey(dir)
	if k1 == k2 || len(k1) != 24 {
		t.Fatalf("keys %q %q", k1, k2)
	}
	if _, err := sourceKey(t.TempDir()); err == nil {
		t.Fatal("sourceKey of an empty dir succeeded")
	}
}
