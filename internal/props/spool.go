package props

import (
	"math"
	"strings"
	"time"

	"github.com/samsa-go/samsa/internal/config"
)

// definePropSpool registers the spool's keys.
func definePropSpool() {
	defineProp("Spool.Dir", false, propString(true, func(st *propState, v string) { st.cfg.Spool.Dir = v }), "spool.dir")
	defineProp("Spool.MaxBytes", false, propInt("a size in bytes", 0, math.MaxInt64, func(c *config.Config, n int64) { c.Spool.MaxBytes = n }),
		"spool.max.bytes")
	defineProp("Spool.Fsync", false, func(raw string) (string, func(*propState), string) {
		for _, f := range []config.SpoolFsync{config.SpoolFsyncInterval, config.SpoolFsyncAlways, config.SpoolFsyncOS} {
			if strings.EqualFold(raw, f.String()) {
				return f.String(), func(st *propState) { st.cfg.Spool.Fsync = f }, ""
			}
		}
		return "", nil, "must be interval, always or os"
	}, "spool.fsync")
	defineProp("Spool.FsyncInterval", false, propMillis(1, false, func(c *config.Config, d time.Duration) { c.Spool.FsyncInterval = d }),
		"spool.fsync.interval.ms")
}
