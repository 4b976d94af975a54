package kafkatest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// rawConn is a minimal Kafka protocol connection to one listener, used to
// probe a single node without a client library choosing brokers for us.
type rawConn struct {
	conn net.Conn
	fmt  *kmsg.RequestFormatter
	corr int32
}

func dialRaw(ctx context.Context, addr string) (*rawConn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &rawConn{conn: c, fmt: kmsg.NewRequestFormatter(kmsg.FormatterClientID("samsa-kafkatest"))}, nil
}

func (r *rawConn) Close() error { return r.conn.Close() }

// request sends req at the version already set on it and decodes the
// response into resp (whose version is set here).
func (r *rawConn) request(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	deadline, ok := ctx.Deadline()
	if !ok || time.Until(deadline) > 10*time.Second {
		deadline = time.Now().Add(10 * time.Second)
	}
	_ = r.conn.SetDeadline(deadline)
	r.corr++
	if _, err := r.conn.Write(r.fmt.AppendRequest(nil, req, r.corr)); err != nil {
		return nil, err
	}
	var size [4]byte
	if _, err := io.ReadFull(r.conn, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < 4 || n > 64<<20 {
		return nil, fmt.Errorf("kafkatest: bad response size %d", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.conn, buf); err != nil {
		return nil, err
	}
	if corr := int32(binary.BigEndian.Uint32(buf)); corr != r.corr {
		return nil, fmt.Errorf("kafkatest: correlation id %d, want %d", corr, r.corr)
	}
	body := buf[4:]
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	// Flexible responses carry a tagged-field section in their header,
	// except ApiVersions, whose response header is always v0.
	if resp.IsFlexible() && req.Key() != kmsg.ApiVersions.Int16() {
		var err error
		if body, err = skipTags(body); err != nil {
			return nil, err
		}
	}
	if err := resp.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("kafkatest: decoding %s response: %w", kmsg.NameForKey(req.Key()), err)
	}
	return resp, nil
}

// skipTags skips a tagged-field section.
func skipTags(b []byte) ([]byte, error) {
	num, n := binary.Uvarint(b)
	if n <= 0 {
		return nil, errors.New("kafkatest: bad tagged fields")
	}
	b = b[n:]
	for i := uint64(0); i < num; i++ {
		if _, n = binary.Uvarint(b); n <= 0 {
			return nil, errors.New("kafkatest: bad tag")
		}
		b = b[n:]
		size, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < size {
			return nil, errors.New("kafkatest: bad tag size")
		}
		b = b[n+int(size):]
	}
	return b, nil
}

// apiVersions sends ApiVersions v3 and checks its error code.
func (r *rawConn) apiVersions(ctx context.Context) (*kmsg.ApiVersionsResponse, error) {
	av := kmsg.NewPtrApiVersionsRequest()
	av.SetVersion(3)
	av.ClientSoftwareName = "samsa-kafkatest"
	av.ClientSoftwareVersion = "1"
	resp, err := r.request(ctx, av)
	if err != nil {
		return nil, fmt.Errorf("ApiVersions: %w", err)
	}
	avr := resp.(*kmsg.ApiVersionsResponse)
	if avr.ErrorCode != 0 {
		return nil, fmt.Errorf("ApiVersions: error code %d", avr.ErrorCode)
	}
	return avr, nil
}

// probe asks the node behind addr for ApiVersions and Metadata (all
// topics when topics is nil) and returns the metadata.
func probe(ctx context.Context, addr string, topics []string) (*kmsg.MetadataResponse, error) {
	c, err := dialRaw(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	avr, err := c.apiVersions(ctx)
	if err != nil {
		return nil, err
	}
	// v12 where the broker has it (Kafka 3.1+); older brokers get their
	// highest version, which decodes the same fields.
	ver := int16(-1)
	for _, k := range avr.ApiKeys {
		if k.ApiKey == kmsg.Metadata.Int16() {
			ver = min(12, k.MaxVersion)
		}
	}
	if ver < 1 {
		return nil, errors.New("kafkatest: the broker offers no usable Metadata version")
	}
	md := kmsg.NewPtrMetadataRequest()
	md.SetVersion(ver)
	if topics != nil {
		md.Topics = []kmsg.MetadataRequestTopic{}
		for _, t := range topics {
			mt := kmsg.NewMetadataRequestTopic()
			mt.Topic = kmsg.StringPtr(t)
			md.Topics = append(md.Topics, mt)
		}
	}
	resp, err := c.request(ctx, md)
	if err != nil {
		return nil, fmt.Errorf("the Metadata request: %w", err)
	}
	return resp.(*kmsg.MetadataResponse), nil
}
