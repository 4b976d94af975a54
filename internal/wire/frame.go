package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrameSize is the largest response frame a Conn accepts unless
// Options.MaxFrameSize says otherwise. Kafka's own default for the largest
// request a broker accepts (socket.request.max.bytes) is 100 MiB; responses
// to a producer are far smaller.
const DefaultMaxFrameSize = 100 << 20

// readChunk bounds how much the frame reader grows its buffer ahead of the
// bytes that have actually arrived.
const readChunk = 64 << 10

// readBufSize is the connection reader's buffer: a Produce response for a
// few hundred partitions, or several smaller responses, fits; a larger
// frame is read through it in pieces, and a read of at least its size
// goes straight into the frame.
const readBufSize = 16 << 10

// ErrFrameTooLarge is returned (wrapped) when a frame's length prefix is
// above the connection's maximum frame size.
var ErrFrameTooLarge = errors.New("frame length prefix above the maximum")

// ErrMalformedFrame is returned (wrapped) for a frame that is too short to
// hold what it must, such as a response shorter than its header.
var ErrMalformedFrame = errors.New("malformed frame")

// frameReader reads length-prefixed frames from r into a reused buffer.
type frameReader struct {
	r   io.Reader
	max int32
	buf []byte
	hdr [4]byte
	// midFrame says the last error of next came after part of a frame
	// was read: the stream cannot be read on.
	midFrame bool
}

// next reads one frame and returns its payload (without the length prefix).
// The slice is valid until the next call. A payload is read in chunks, so
// memory grows with the bytes received, never with the claimed length.
func (f *frameReader) next() ([]byte, error) {
	f.midFrame = true
	if n, err := io.ReadFull(f.r, f.hdr[:]); err != nil {
		f.midFrame = n > 0
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: connection ended inside a length prefix", ErrMalformedFrame)
		}
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(f.hdr[:]))
	switch {
	case n < 0:
		return nil, fmt.Errorf("%w: negative length %d", ErrMalformedFrame, n)
	case n > f.max:
		return nil, fmt.Errorf("%w: %d bytes claimed, maximum %d", ErrFrameTooLarge, n, f.max)
	}
	size := int(n)
	buf := f.buf[:0]
	for len(buf) < size {
		want := min(size-len(buf), readChunk)
		if cap(buf)-len(buf) < want {
			grown := make([]byte, len(buf), len(buf)+max(want, len(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := io.ReadFull(f.r, buf[len(buf):len(buf)+want])
		buf = buf[:len(buf)+m]
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("%w: frame truncated after %d of %d bytes", ErrMalformedFrame, len(buf), size)
			}
			return nil, err
		}
	}
	// Keep a buffer of ordinary size for the next frame; drop a huge one.
	if cap(buf) <= 4*readChunk {
		f.buf = buf
	} else {
		f.buf = nil
	}
	return buf, nil
}

// appendRequestHeader appends a request header (v1, or v2 for flexible
// requests) for apiKey/version with correlation id corr and client id.
func appendRequestHeader(dst []byte, apiKey, version int16, corr int32, clientID *string, flexible bool) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(apiKey))
	dst = binary.BigEndian.AppendUint16(dst, uint16(version))
	dst = binary.BigEndian.AppendUint32(dst, uint32(corr))
	if clientID == nil {
		dst = binary.BigEndian.AppendUint16(dst, 0xffff)
	} else {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(*clientID)))
		dst = append(dst, *clientID...)
	}
	if flexible {
		dst = append(dst, 0) // no tagged fields
	}
	return dst
}

// parseResponseHeader splits a response frame into its correlation id and
// body. Flexible responses (header v1) carry tagged fields after the
// correlation id, which are skipped.
func parseResponseHeader(frame []byte, flexible bool) (corr int32, body []byte, err error) {
	if len(frame) < 4 {
		return 0, nil, fmt.Errorf("%w: response of %d bytes has no correlation id", ErrMalformedFrame, len(frame))
	}
	corr = int32(binary.BigEndian.Uint32(frame))
	body = frame[4:]
	if !flexible {
		return corr, body, nil
	}
	n, rest, err := uvarint(body)
	if err != nil {
		return corr, nil, err
	}
	for ; n > 0; n-- {
		if _, rest, err = uvarint(rest); err != nil { // tag
			return corr, nil, err
		}
		var size uint64
		if size, rest, err = uvarint(rest); err != nil {
			return corr, nil, err
		}
		if size > uint64(len(rest)) {
			return corr, nil, fmt.Errorf("%w: tagged field of %d bytes in %d", ErrMalformedFrame, size, len(rest))
		}
		rest = rest[size:]
	}
	return corr, rest, nil
}

func uvarint(b []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, fmt.Errorf("%w: bad unsigned varint", ErrMalformedFrame)
	}
	return v, b[n:], nil
}
