package spoolcrash

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/samsa-go/samsa"
)

// envChild carries a childConfig, as JSON, to a child process: the test
// binary run again, which then produces instead of running tests.
const envChild = "SAMSA_SPOOL_CHILD"

// childConfig is what a child produces, and where it says how far it
// got.
type childConfig struct {
	Bootstrap []string
	Dir       string
	Topic     string
	Fsync     string
	// NotIdempotent turns idempotence off: resent batches may then be
	// written twice, and must be reported so.
	NotIdempotent bool
	// Compression is compression.type, empty for none.
	Compression string
	Run         int // records are "run-seq"
	Records     int // how many to produce before closing
	// Progress receives "P run seq" once every record up to seq is
	// spooled; Report receives one line per record found in the spool and
	// resent ("R value dup error") and one per recovery ("S ...").
	Progress, Report string
}

// runChild produces as the environment says and returns the exit code.
func runChild() int {
	var cc childConfig
	if err := json.Unmarshal([]byte(os.Getenv(envChild)), &cc); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	if err := produceChild(cc); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// appendLines writes whole lines to a file opened for appending, one
// write each, so that a kill leaves at most one torn line.
type appendLines struct {
	mu sync.Mutex
	f  *os.File
}

func openLines(path string) (*appendLines, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &appendLines{f: f}, nil
}

func (a *appendLines) printf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.f.WriteString(fmt.Sprintf(format, args...) + "\n")
}

func produceChild(cc childConfig) error {
	progress, err := openLines(cc.Progress)
	if err != nil {
		return err
	}
	report, err := openLines(cc.Report)
	if err != nil {
		return err
	}
	start := time.Now()
	cfg := samsa.DefaultConfig()
	cfg.BootstrapServers = cc.Bootstrap
	cfg.Linger = 5 * time.Millisecond
	cfg.DeliveryTimeout = 0 // no limit: the spool keeps the records
	cfg.RequestTimeout = 10 * time.Second
	cfg.Idempotence = samsa.IdempotenceOn
	if cc.NotIdempotent {
		cfg.Idempotence = samsa.IdempotenceOff
	}
	cfg.Spool.Dir = cc.Dir
	if os.Getenv("SAMSA_SPOOL_DEBUG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cc.Fsync != "" || cc.Compression != "" {
		props := map[string]string{"bootstrap.servers": "x:1", "spool.dir": cc.Dir}
		if cc.Fsync != "" {
			props["spool.fsync"] = cc.Fsync
		}
		if cc.Compression != "" {
			props["compression.type"] = cc.Compression
		}
		c, err := samsa.ConfigFromProperties(props)
		if err != nil {
			return err
		}
		cfg.Spool.Fsync, cfg.Compression = c.Spool.Fsync, c.Compression
	}
	cfg.Spool.OnRecovered = func(r samsa.RecoveredRecord) {
		report.printf("R %s %t %v", r.Record.Value, r.MaybeDuplicate, r.Err)
	}
	cfg.Spool.OnRecovery = func(r samsa.SpoolRecovery) {
		report.printf("S run=%d after=%v records=%d acked=%d deduplicated=%d failed=%d unsent=%d dups=%d damage=%d unclean=%t",
			cc.Run, time.Since(start).Round(time.Millisecond), r.Records, r.Acked, r.Deduplicated, r.Failed, r.Unsent,
			r.PossibleDuplicates, len(r.Damage), r.Unclean)
	}
	p, err := samsa.NewProducer(cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	futures := make(chan *samsa.Future, 4096)
	walked := make(chan error, 1)
	go func() { walked <- walkSpooled(ctx, cc.Run, futures, progress) }()
	for i := range cc.Records {
		futures <- p.Send(ctx, samsa.Record{Topic: cc.Topic, Key: []byte(strconv.Itoa(i % 31)),
			Value: []byte(fmt.Sprintf("%d-%d", cc.Run, i))})
		if i%200 == 199 {
			time.Sleep(10 * time.Millisecond) // about 20000 records a second
		}
	}
	close(futures)
	if err := <-walked; err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := p.Close(cctx); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	progress.printf("D %d", cc.Run)
	return nil
}

// walkSpooled waits for each record to be spooled, in order, and writes
// the progress every 64 records and at the end.
func walkSpooled(ctx context.Context, run int, futures <-chan *samsa.Future, progress *appendLines) error {
	i := -1
	for f := range futures {
		if err := f.WaitSpooled(ctx); err != nil {
			return fmt.Errorf("record %d-%d not spooled: %w", run, i+1, err)
		}
		i++
		if i%64 == 63 || len(futures) == 0 {
			progress.printf("P %d %d", run, i)
		}
	}
	if i >= 0 {
		progress.printf("P %d %d", run, i)
	}
	return nil
}
