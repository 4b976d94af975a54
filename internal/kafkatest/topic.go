package kafkatest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Admin returns a kadm admin client on the PLAINTEXT listener, plus the
// function that closes it.
func (c *Cluster) Admin(opts ...kgo.Opt) (*kadm.Client, func(), error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Bootstrap(PLAINTEXT)...)}, opts...)...)
	if err != nil {
		return nil, nil, err
	}
	return kadm.NewClient(cl), cl.Close, nil
}

// CreateTopic creates topic with the given number of partitions and
// replication factor (-1: the broker default) and optional topic
// configs, then waits until every running node's metadata shows a
// leader for every partition, so producers anywhere can use it at once.
func (c *Cluster) CreateTopic(ctx context.Context, topic string, partitions int32, replicationFactor int16, configs map[string]*string) error {
	adm, closeAdm, err := c.Admin()
	if err != nil {
		return err
	}
	defer closeAdm()
	resp, err := adm.CreateTopic(ctx, partitions, replicationFactor, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		if resp.ErrMessage != "" {
			err = fmt.Errorf("%w: %s", err, resp.ErrMessage)
		}
		return fmt.Errorf("kafkatest: creating topic %q (%d partitions, replication factor %d): %w", topic, partitions, replicationFactor, err)
	}
	return c.WaitTopic(ctx, topic, partitions)
}

// WaitTopic waits until every running node's metadata shows topic with
// the given number of partitions, each with a leader.
func (c *Cluster) WaitTopic(ctx context.Context, topic string, partitions int32) error {
	var last error
	for {
		last = c.checkTopic(ctx, topic, partitions)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafkatest: topic %q not ready: %w (last: %v)", topic, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *Cluster) checkTopic(ctx context.Context, topic string, partitions int32) error {
	for _, id := range c.NodeIDs() {
		if !c.Running(id) {
			continue
		}
		md, err := probe(ctx, c.Addr(id, PLAINTEXT), []string{topic})
		if err != nil {
			return fmt.Errorf("node %d: %w", id, err)
		}
		if len(md.Topics) != 1 || md.Topics[0].ErrorCode != 0 {
			return fmt.Errorf("node %d does not know the topic yet", id)
		}
		ps := md.Topics[0].Partitions
		if int32(len(ps)) != partitions {
			return fmt.Errorf("node %d sees %d partitions", id, len(ps))
		}
		for _, p := range ps {
			if p.ErrorCode != 0 || p.Leader < 0 {
				return fmt.Errorf("node %d: partition %d has no leader (error %d)", id, p.Partition, p.ErrorCode)
			}
		}
	}
	return nil
}

// PartitionInfo is one partition as a node's metadata shows it.
type PartitionInfo struct {
	Leader   int32   // -1 when there is none
	Replicas []int32 // the assigned replicas
	ISR      []int32 // the in-sync replicas
}

// Partition asks node id (0: the first running node) for the metadata
// of one partition.
func (c *Cluster) Partition(ctx context.Context, id int32, topic string, partition int32) (PartitionInfo, error) {
	if id == 0 {
		for _, n := range c.NodeIDs() {
			if c.Running(n) {
				id = n
				break
			}
		}
		if id == 0 {
			return PartitionInfo{}, errors.New("kafkatest: no node is running")
		}
	}
	md, err := probe(ctx, c.Addr(id, PLAINTEXT), []string{topic})
	if err != nil {
		return PartitionInfo{}, err
	}
	for _, t := range md.Topics {
		if t.ErrorCode != 0 {
			return PartitionInfo{}, fmt.Errorf("kafkatest: topic %q: error code %d", topic, t.ErrorCode)
		}
		for _, p := range t.Partitions {
			if p.Partition == partition {
				return PartitionInfo{Leader: p.Leader, Replicas: slices.Clone(p.Replicas), ISR: slices.Clone(p.ISR)}, nil
			}
		}
	}
	return PartitionInfo{}, fmt.Errorf("kafkatest: node %d has no partition %s/%d", id, topic, partition)
}

var unsafeTopicChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// TopicName returns a topic name unique to this test and call, built from
// the test's name.
func TopicName(t testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := unsafeTopicChars.ReplaceAllString(t.Name(), "_")
	name = strings.Trim(name, "_")
	if len(name) > 180 {
		name = name[:180]
	}
	return name + "-" + hex.EncodeToString(b[:])
}

// NewTopic creates a uniquely named topic for t with CreateTopic and
// returns its name; it fails t on error.
func (c *Cluster) NewTopic(t testing.TB, partitions int32, replicationFactor int16) string {
	t.Helper()
	topic := TopicName(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.CreateTopic(ctx, topic, partitions, replicationFactor, nil); err != nil {
		t.Fatal(err)
	}
	return topic
}

// TLSConfig returns a client TLS configuration that trusts the cluster's
// CA, with the client certificate when withClientCert (as the MTLS
// listener requires). It needs Options.Security.
func (c *Cluster) TLSConfig(withClientCert bool) (*tls.Config, error) {
	if c.certs == nil {
		return nil, errors.New("kafkatest: the cluster has no TLS listeners (Options.Security)")
	}
	ca, err := os.ReadFile(c.certs.caCert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("kafkatest: bad CA file")
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if withClientCert {
		pair, err := loadPair(c.certs.clientCert, c.certs.clientKey)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
