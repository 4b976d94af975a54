package kafkatest

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMeasureStartup compares JVM flag sets by start-up time. It runs
// only with SAMSA_KAFKA_MEASURE=1:
//
//	SAMSA_KAFKA_MEASURE=1 go test -run TestMeasureStartup -v ./internal/kafkatest/
func TestMeasureStartup(t *testing.T) {
	if os.Getenv("SAMSA_KAFKA_MEASURE") != "1" {
		t.Skip("set SAMSA_KAFKA_MEASURE=1 to measure start-up times")
	}
	RequireTools(t, "")
	type flagSet struct {
		name  string
		flags []string
		cds   bool
	}
	sets := []flagSet{
		{"jvm-defaults", []string{"-Xmx768m"}, false},
		{"serialgc", []string{"-Xmx768m", "-XX:+UseSerialGC"}, false},
		{"serialgc+c1", []string{"-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"}, false},
		{"defaults-nocds", DefaultJVMFlags, false},
		{"defaults+cds", DefaultJVMFlags, true},
	}
	if only := os.Getenv("SAMSA_KAFKA_MEASURE_ONLY"); only != "" {
		sets = slices.DeleteFunc(sets, func(s flagSet) bool { return !strings.Contains(only, s.name) })
	}
	if err := Prepare(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	saved := DefaultJVMFlags
	defer func() { DefaultJVMFlags = saved }()
	for _, s := range sets {
		DefaultJVMFlags = s.flags
		if s.cds {
			os.Unsetenv(EnvCDS)
		} else {
			t.Setenv(EnvCDS, "0")
		}
		for _, nodes := range []int{1, 3} {
			var total, ready []time.Duration
			for range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				start := time.Now()
				c, err := Start(ctx, Options{Nodes: nodes})
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				total = append(total, time.Since(start))
				ready = append(ready, c.readyTime)
				c.Close()
			}
			slices.Sort(total)
			slices.Sort(ready)
			t.Logf("%-18s nodes=%d  Start: median %v (min %v, max %v)  JVM launch to ready: median %v",
				s.name, nodes, total[1].Round(time.Millisecond), total[0].Round(time.Millisecond),
				total[2].Round(time.Millisecond), ready[1].Round(time.Millisecond))
		}
	}
}
