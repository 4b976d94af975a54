package kafkatest

import "fmt"

// Mode is how a cluster keeps its metadata.
type Mode string

// The modes a cluster runs in; Layout picks one from the version.
const (
	// KRaftDynamic is KRaft with a dynamic controller quorum (KIP-853):
	// storage is formatted with --standalone or --initial-controllers and
	// controllers are found through controller.quorum.bootstrap.servers.
	// Kafka 3.9 and newer.
	KRaftDynamic Mode = "kraft"
	// KRaftStatic is KRaft with a static quorum (controller.quorum.voters),
	// formatted with a cluster ID only. Kafka 3.5 to 3.8: 3.3 was the first
	// release whose KRaft was production-ready (KIP-833), and 3.5 the first
	// whose storage tool can create SCRAM users (KIP-900).
	KRaftStatic Mode = "kraft-static"
	// ZooKeeper runs a ZooKeeper server from the ZooKeeper jar Kafka
	// depends on (org.apache.zookeeper:zookeeper, fetched from Maven
	// Central with Kafka) on loopback, and brokers that keep their metadata
	// there. Kafka 2.8 to 3.4: KRaft was an early-access preview before 3.3
	// (no SCRAM, no upgrade path), and SCRAM users need ZooKeeper before 3.5.
	ZooKeeper Mode = "zookeeper"
)

// Oldest is the oldest Kafka version this package runs.
const Oldest = "2.8.0"

// Layout is what this package needs to know to run one Kafka version.
type Layout struct {
	Major, Minor int
	// Mode is how the cluster keeps its metadata.
	Mode Mode
	// Log4j2: Kafka 4 logs through Log4j 2, older versions through Log4j 1
	// (reload4j).
	Log4j2 bool
}

// LayoutOf returns how version v runs, or an error for versions this
// package cannot run (older than Oldest, or not a version).
func LayoutOf(v string) (Layout, error) {
	major, minor, err := majorMinor(v)
	if err != nil {
		return Layout{}, err
	}
	l := Layout{Major: major, Minor: minor, Log4j2: major >= 4}
	switch {
	case major < 2 || (major == 2 && minor < 8):
		return Layout{}, fmt.Errorf("kafkatest: Kafka %s is not supported: the oldest version this harness runs is %s (ZooKeeper mode)", v, Oldest)
	case major > 3 || (major == 3 && minor >= 9):
		l.Mode = KRaftDynamic
	case major == 3 && minor >= 5:
		l.Mode = KRaftStatic
	default:
		l.Mode = ZooKeeper
	}
	return l, nil
}

// hasTransactionVersion reports whether the version has the
// transaction.version feature (KIP-890 part 2), which Kafka 4.0 brought.
func (l Layout) hasTransactionVersion() bool { return l.Major >= 4 }
