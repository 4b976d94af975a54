package samsa

import (
	"context"
	"errors"
	"slices"

	"github.com/samsa-go/samsa/internal/cluster"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Idempotent reports whether the producer is idempotent: it is
// transactional, enable.idempotence is true, or idempotence was left at its
// default and no other setting (acks, retries, requests in flight) rules it
// out. Tools use it to show the settings a measurement was made with.
func (p *Producer) Idempotent() bool { return p.cfg.idempotent() }

// BrokerAPIVersions returns the highest version of each Kafka API, by API
// key, that a broker supports, as its ApiVersions response said, and that
// broker's address. It asks a broker the producer is connected to,
// connecting to one (within ctx) when there is none. Tools use it to tell
// which Kafka release they talk to, such as with franz-go's kversion.
func (p *Producer) BrokerAPIVersions(ctx context.Context) (addr string, maxVersions map[int16]int16, err error) {
	brokers := p.cl.Brokers()
	// Connected brokers first: asking them opens no connection.
	slices.SortStableFunc(brokers, func(a, b *cluster.Broker) int {
		switch ac, bc := a.Connected(), b.Connected(); {
		case ac && !bc:
			return -1
		case bc && !ac:
			return 1
		}
		return 0
	})
	errs := []error{errors.New("samsa: no broker to ask")}
	for _, b := range brokers {
		conn, err := b.Conn(ctx, cluster.ControlConn)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v := conn.Versions()
		out := make(map[int16]int16)
		for k := int16(0); k <= kmsg.MaxKey; k++ {
			if max, ok := v.Max(k); ok {
				out[k] = max
			}
		}
		return conn.Addr(), out, nil
	}
	return "", nil, errors.Join(errs[1:]...)
}
