package kafkatest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/prereq"
)

// shared is the package-wide cluster behind Main and Shared.
var shared struct {
	mu      sync.Mutex
	opts    Options
	hasMain bool
	c       *Cluster
	err     error
}

// Main is for a test package's TestMain: it records opts for Shared, runs
// the tests, closes the shared cluster if one was started, and exits.
//
//	func TestMain(m *testing.M) { kafkatest.Main(m, kafkatest.Options{Nodes: 3}) }
func Main(m *testing.M, opts Options) {
	os.Exit(Run(m, opts))
}

// Run is Main without the exit: it returns m.Run's code after closing the
// shared cluster, so that a TestMain can do more (e.g. leak checks):
//
//	func TestMain(m *testing.M) {
//		code := kafkatest.Run(m, kafkatest.Options{})
//		if code == 0 { code = checkLeaks() }
//		os.Exit(code)
//	}
func Run(m *testing.M, opts Options) int {
	shared.mu.Lock()
	shared.opts = opts
	shared.hasMain = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	if shared.c != nil {
		if err := shared.c.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "kafkatest: closing the shared cluster: %v\n", err)
		}
		shared.c = nil
	}
	shared.mu.Unlock()
	prereq.Announce(code)
	return code
}

// ToolsError reports what is missing to run Kafka here: Java, and Maven
// unless the version's jars are already cached. It returns nil when all
// is there.
func ToolsError(version string) error {
	if _, err := findJava(); err != nil {
		return err
	}
	if cached(resolveVersion(version)) {
		return nil
	}
	if _, err := execLookPath("mvn"); err != nil {
		return fmt.Errorf("kafkatest: mvn not found (install Maven, e.g. apt-get install maven; it fetches Kafka from Maven Central): %w", err)
	}
	return nil
}

// RequireTools skips t, or fails it when $SAMSA_REQUIRE_KAFKA is 1,
// unless Java and Maven (or a cached Kafka) are there. Main and Run print
// a line per package that says how many tests were skipped (see
// internal/prereq).
func RequireTools(t testing.TB, version string) {
	t.Helper()
	if err := ToolsError(version); err != nil {
		prereq.Skip(t, err.Error())
	}
}

// Shared returns the test package's cluster, starting it on first use
// with the options given to Main. It skips t when Java or Maven is
// missing (fails with $SAMSA_REQUIRE_KAFKA=1) and fails t if the cluster
// does not start; later calls then fail at once with the same error.
// Without Main the cluster is never closed before the process exits (its
// JVMs die with the process, but its temporary directory stays).
func Shared(t testing.TB) *Cluster {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	RequireTools(t, shared.opts.Version)
	if shared.c == nil && shared.err == nil {
		if !shared.hasMain {
			t.Log("kafkatest: Shared without kafkatest.Main or Run in TestMain: the cluster's directory will not be removed")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		start := time.Now()
		shared.c, shared.err = Start(ctx, shared.opts)
		cancel()
		if shared.err == nil {
			t.Logf("kafkatest: started Kafka %s, %d node(s), in %v", shared.c.Version(), len(shared.c.nodes), time.Since(start).Round(time.Millisecond))
		}
	}
	if shared.err != nil {
		t.Fatalf("kafkatest: shared cluster: %v", shared.err)
	}
	return shared.c
}
