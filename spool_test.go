package samsa

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSpoolConfigValidation(t *testing.T) {
	base := func() Config {
		c := DefaultConfig()
		c.BootstrapServers = []string{"localhost:9092"}
		return c
	}
	cases := []struct {
		name, key string
		mod       func(*Config)
	}{
		{"max bytes without dir", "spool.max.bytes", func(c *Config) { c.Spool.MaxBytes = 1 << 30 }},
		{"fsync without dir", "spool.fsync", func(c *Config) { c.Spool.Fsync = SpoolFsyncAlways }},
		{"interval without dir", "spool.fsync.interval.ms", func(c *Config) { c.Spool.FsyncInterval = time.Millisecond }},
		{"hooks without dir", "spool.dir", func(c *Config) { c.Spool.OnRecovery = func(SpoolRecovery) {} }},
		{"transactional", "spool.dir", func(c *Config) { c.Spool.Dir = "d"; c.TransactionalID = "tx" }},
		{"too small", "spool.max.bytes", func(c *Config) { c.Spool.Dir = "d"; c.Spool.MaxBytes = 1 << 20 }},
		{"negative", "spool.max.bytes", func(c *Config) { c.Spool.Dir = "d"; c.Spool.MaxBytes = -1 }},
		{"bad fsync", "spool.fsync", func(c *Config) { c.Spool.Dir = "d"; c.Spool.Fsync = 7 }},
		{"interval with always", "spool.fsync.interval.ms", func(c *Config) {
			c.Spool.Dir, c.Spool.Fsync, c.Spool.FsyncInterval = "d", SpoolFsyncAlways, time.Millisecond
		}},
		{"no delivery timeout without spool", "delivery.timeout.ms", func(c *Config) { c.DeliveryTimeout = 0 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mod(&c)
			err := c.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != tc.key {
				t.Fatalf("Validate: %v, want a ConfigError for %s", err, tc.key)
			}
		})
	}
	c := base()
	c.Spool = SpoolConfig{Dir: "d", MaxBytes: 2 << 20, Fsync: SpoolFsyncInterval, FsyncInterval: 5 * time.Millisecond}
	c.DeliveryTimeout = 0
	if err := c.Validate(); err != nil {
		t.Fatalf("a valid spool configuration: %v", err)
	}
}

func TestSpoolProperties(t *testing.T) {
	c, err := ConfigFromProperties(map[string]string{
		"bootstrap.servers": "h:1", "spool.dir": "/var/spool/x", "spool.max.bytes": "2097152",
		"spool.fsync": "interval", "spool.fsync.interval.ms": "25", "delivery.timeout.ms": "0",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := SpoolConfig{Dir: "/var/spool/x", MaxBytes: 2 << 20, Fsync: SpoolFsyncInterval, FsyncInterval: 25 * time.Millisecond}
	if c.Spool.Dir != want.Dir || c.Spool.MaxBytes != want.MaxBytes || c.Spool.Fsync != want.Fsync ||
		c.Spool.FsyncInterval != want.FsyncInterval || c.DeliveryTimeout != 0 {
		t.Fatalf("spool %+v, delivery timeout %v", c.Spool, c.DeliveryTimeout)
	}
	for _, f := range []SpoolFsync{SpoolFsyncAlways, SpoolFsyncOS} {
		c, err := ConfigFromProperties(map[string]string{"bootstrap.servers": "h:1", "spool.dir": "d", "spool.fsync": strings.ToUpper(f.String())})
		if err != nil || c.Spool.Fsync != f {
			t.Fatalf("spool.fsync=%s: %v, %v", f, c.Spool.Fsync, err)
		}
	}
	_, err = ConfigFromProperties(map[string]string{"bootstrap.servers": "h:1", "spool.dir": "d", "spool.fsync": "sometimes"})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "spool.fsync" {
		t.Fatalf("spool.fsync=sometimes: %v", err)
	}
}

// TestSpoolDirectoryErrors: a directory owned by another producer, or
// one the system refuses, fails NewProducer with a SpoolError naming it.
func TestSpoolDirectoryErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.BootstrapServers = []string{"127.0.0.1:1"}
	cfg.Spool.Dir = dir
	p, err := NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(t.Context())
	_, err = NewProducer(cfg)
	var se *SpoolError
	if !errors.As(err, &se) || se.Op != "lock" || se.Dir != dir || !errors.Is(err, ErrSpool) ||
		!strings.Contains(err.Error(), "in use by another producer") {
		t.Fatalf("a second producer on the directory: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	cfg.Spool.Dir = filepath.Join(file, "spool")
	_, err = NewProducer(cfg)
	if !errors.As(err, &se) || se.Path != cfg.Spool.Dir || !strings.Contains(err.Error(), cfg.Spool.Dir) {
		t.Fatalf("a spool under a file: %v", err)
	}
}
