package config

import (
	"fmt"
	"time"
)

// Spool is samsa.SpoolConfig but for its callbacks, of which it knows
// whether one is set.
type Spool struct {
	Dir           string
	MaxBytes      int64
	Fsync         SpoolFsync
	FsyncInterval time.Duration
	HasCallbacks  bool
}

// SpoolFsync is samsa.SpoolFsync.
type SpoolFsync int8

// The spool.fsync policies.
const (
	SpoolFsyncInterval SpoolFsync = iota
	SpoolFsyncAlways
	SpoolFsyncOS
)

// String returns the policy as spool.fsync spells it: interval, always
// or os.
func (f SpoolFsync) String() string {
	switch f {
	case SpoolFsyncInterval:
		return "interval"
	case SpoolFsyncAlways:
		return "always"
	case SpoolFsyncOS:
		return "os"
	}
	return "invalid"
}

// validateSpool checks the spool settings.
func (c *Config) validateSpool() error {
	s := c.Spool
	if s.Dir == "" {
		switch {
		case s.MaxBytes != 0:
			return Invalid("spool.max.bytes", "Spool.MaxBytes", fmt.Sprint(s.MaxBytes), "has no effect without spool.dir")
		case s.Fsync != SpoolFsyncInterval:
			return Invalid("spool.fsync", "Spool.Fsync", s.Fsync.String(), "has no effect without spool.dir")
		case s.FsyncInterval != 0:
			return Invalid("spool.fsync.interval.ms", "Spool.FsyncInterval", cfgDurationText(s.FsyncInterval), "has no effect without spool.dir")
		case s.HasCallbacks:
			return Invalid("spool.dir", "Spool.Dir", "", "Spool.OnRecovered and Spool.OnRecovery have no effect without a spool directory")
		}
		return nil
	}
	if c.TransactionalID != "" {
		return Invalid("spool.dir", "Spool.Dir", s.Dir,
			"a transactional producer cannot have a spool: a transaction's records commit or abort together within the session that began it, "+
				"and records kept past a crash would be written outside it")
	}
	if s.MaxBytes < 0 || s.MaxBytes > 0 && s.MaxBytes < 2*int64(c.MaxRequestSize) {
		return Invalid("spool.max.bytes", "Spool.MaxBytes", fmt.Sprint(s.MaxBytes),
			fmt.Sprintf("must hold two requests of max.request.size=%d: at least %d (0 means the default, 1 GiB)", c.MaxRequestSize, 2*c.MaxRequestSize))
	}
	if s.Fsync < SpoolFsyncInterval || s.Fsync > SpoolFsyncOS {
		return Invalid("spool.fsync", "Spool.Fsync", fmt.Sprint(int(s.Fsync)), "must be interval, always or os")
	}
	if err := cfgCheckDuration("spool.fsync.interval.ms", "Spool.FsyncInterval", s.FsyncInterval, false); err != nil {
		return err
	}
	if s.FsyncInterval != 0 && s.Fsync != SpoolFsyncInterval {
		return Invalid("spool.fsync.interval.ms", "Spool.FsyncInterval", cfgDurationText(s.FsyncInterval),
			"applies only to spool.fsync=interval, not "+s.Fsync.String())
	}
	return nil
}
