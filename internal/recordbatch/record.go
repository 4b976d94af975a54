package recordbatch

import "slices"

// Header is one record header. Keys may repeat; a nil Value is a null
// header value, a non-nil empty Value an empty one.
type Header struct {
	Key   string
	Value []byte
}

// Record is one decoded record. Key, Value and header values are nil for
// null and non-nil (possibly empty) otherwise. Decode's records alias the
// batch they came from (or its decompressed form).
type Record struct {
	Attributes     int8 // unused by Kafka; kept as read
	TimestampDelta int64
	OffsetDelta    int32
	Key, Value     []byte
	Headers        []Header
}

// bytesSize is the encoded size of a nullable byte string.
func bytesSize(b []byte) int {
	if b == nil {
		return 1 // varint -1
	}
	return uvarintLen(uint64(len(b))<<1) + len(b)
}

// bodySize is the encoded size of a record without its length prefix.
func bodySize(tsDelta int64, offsetDelta int32, key, value []byte, headers []Header) int {
	n := 2 + uvarintLen(zigzag(tsDelta)) + uvarintLen(zigzag(int64(offsetDelta))) + bytesSize(key) + bytesSize(value)
	if len(headers) != 0 {
		n += headersSize(headers) - 1
	}
	return n
}

// headersSize is the encoded size of the header count and headers.
func headersSize(headers []Header) int {
	n := uvarintLen(uint64(len(headers)) << 1)
	for i := range headers {
		h := &headers[i]
		n += uvarintLen(uint64(len(h.Key))<<1) + len(h.Key) + bytesSize(h.Value)
	}
	return n
}

// maxRecordOverhead is the most bytes a record takes besides its key,
// value and headers: the length prefix (5), attributes (1), timestamp
// delta (10) and offset delta (5), each varint at its widest.
const maxRecordOverhead = 5 + 1 + 10 + 5

// RecordSizeUpperBound is the most bytes a record with this key, value and
// headers can take in any batch, whatever its timestamp and offset deltas.
// It is the Java client's DefaultRecord.recordSizeUpperBound, which the
// producer checks against max.request.size and buffer.memory (through
// AbstractRecords.estimateSizeInBytesUpperBound, which adds HeaderSize).
func RecordSizeUpperBound(key, value []byte, headers []Header) int {
	return maxRecordOverhead + bytesSize(key) + bytesSize(value) + headersSize(headers)
}

// RecordSize is the encoded size of one record including its varint
// length prefix: the number of bytes AppendRecord appends.
func RecordSize(tsDelta int64, offsetDelta int32, key, value []byte, headers []Header) int {
	body := bodySize(tsDelta, offsetDelta, key, value, headers)
	return uvarintLen(uint64(body)<<1) + body
}

// AppendRecord appends one encoded record to dst: its length, attributes
// 0, the timestamp and offset deltas, key and value (length -1 when nil)
// and the headers. It allocates only when dst lacks room.
func AppendRecord(dst []byte, tsDelta int64, offsetDelta int32, key, value []byte, headers []Header) []byte {
	return AppendRecordBody(dst, RecordBodySize(tsDelta, offsetDelta, key, value, headers), tsDelta, offsetDelta, key, value, headers)
}

// RecordBodySize is the encoded size of a record without its varint length
// prefix; SizeWithPrefix of it is RecordSize.
func RecordBodySize(tsDelta int64, offsetDelta int32, key, value []byte, headers []Header) int {
	return bodySize(tsDelta, offsetDelta, key, value, headers)
}

// SizeWithPrefix is the encoded size of a record whose body (as
// RecordBodySize gives it) is body bytes.
func SizeWithPrefix(body int) int { return uvarintLen(uint64(body)<<1) + body }

// AppendRecordBody is AppendRecord for a caller that already computed the
// record's RecordBodySize, so that it is not computed twice.
func AppendRecordBody(dst []byte, body int, tsDelta int64, offsetDelta int32, key, value []byte, headers []Header) []byte {
	total := uvarintLen(uint64(body)<<1) + body
	off := len(dst)
	if cap(dst)-off < total {
		dst = slices.Grow(dst, total)
	}
	dst = dst[:off+total]
	b := dst[off:]
	i := putPrefix(b, body, tsDelta, offsetDelta, key)
	i = putBytes(b, i, value)
	if len(headers) == 0 {
		b[i] = 0
		return dst
	}
	putHeaders(b[i:], headers)
	return dst
}

// AppendRecordBodyCRC is AppendRecordBody for a caller that keeps a
// running CRC-32C (as UpdateCRC takes it) of the bytes it appends: crc
// covers dst up to index done, and the CRC returned covers the returned
// slice up to the index returned. Where the value is long enough to fold
// (foldMin bytes, on a CPU that folds), the bytes from done to the value
// are hashed, then the value as it is copied, read once (foldCopy); the
// value's last partial block and what follows it are left to the next
// call or the caller, so that a record costs one short hash/crc32 call.
// Otherwise nothing is hashed.
func AppendRecordBodyCRC(dst []byte, done int, crc uint32, body int, tsDelta int64, offsetDelta int32, key, value []byte, headers []Header) ([]byte, int, uint32) {
	if !canFold || len(value) < foldMin {
		return AppendRecordBody(dst, body, tsDelta, offsetDelta, key, value, headers), done, crc
	}
	total := uvarintLen(uint64(body)<<1) + body
	off := len(dst)
	if cap(dst)-off < total {
		dst = slices.Grow(dst, total)
	}
	dst = dst[:off+total]
	b := dst[off:]
	i := putPrefix(b, body, tsDelta, offsetDelta, key)
	i += putUvarint(b[i:], uint64(len(value))<<1)
	crc = updateCRC(crc, dst[done:off+i])
	crc, folded := foldCopy(b[i:i+len(value)], value, crc)
	done = off + i + folded
	i += len(value)
	if len(headers) == 0 {
		b[i] = 0
	} else {
		putHeaders(b[i:], headers)
	}
	return dst, done, crc
}

// putPrefix writes a record's fields before its value at b[0:]: length,
// attributes 0, deltas and key. It returns the index after them.
func putPrefix(b []byte, body int, tsDelta int64, offsetDelta int32, key []byte) int {
	i := putUvarint(b, uint64(body)<<1)
	b[i] = 0 // attributes
	i++
	i += putUvarint(b[i:], zigzag(tsDelta))
	i += putUvarint(b[i:], zigzag(int64(offsetDelta)))
	return putBytes(b, i, key)
}

// putHeaders writes the header count and headers at b[0:].
func putHeaders(b []byte, headers []Header) {
	i := putUvarint(b, uint64(len(headers))<<1)
	for j := range headers {
		h := &headers[j]
		i += putUvarint(b[i:], uint64(len(h.Key))<<1)
		i += copy(b[i:], h.Key)
		i = putBytes(b, i, h.Value)
	}
}

// putBytes writes the nullable byte string v at b[i:] and returns the
// index after it.
func putBytes(b []byte, i int, v []byte) int {
	if v == nil {
		b[i] = 1 // zigzag(-1)
		return i + 1
	}
	i += putUvarint(b[i:], uint64(len(v))<<1)
	return i + copy(b[i:], v)
}
