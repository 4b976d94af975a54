package recordbatch

// reader walks encoded records. base is the input offset of b[0] for
// errors, or -1 when b is decompressed.
type reader struct {
	b    []byte
	p    int
	base int
}

func (r *reader) fail(format string, args ...any) *Error {
	e := errorf(r.p, format, args...)
	if r.base < 0 {
		e.InRecords = true
	} else {
		e.Offset += r.base
	}
	return e
}

func (r *reader) varint32(what string) (int32, error) {
	v, n := readVarint32(r.b[r.p:])
	if n <= 0 {
		return 0, r.varintErr(what, n)
	}
	r.p += n
	return v, nil
}

func (r *reader) varint64(what string) (int64, error) {
	v, n := readVarint64(r.b[r.p:])
	if n <= 0 {
		return 0, r.varintErr(what, n)
	}
	r.p += n
	return v, nil
}

func (r *reader) varintErr(what string, n int) error {
	if n == 0 {
		return r.fail("%s: varint runs past the end of the record", what)
	}
	return r.fail("%s: varint too long or out of range", what)
}

// bytes reads a length-prefixed byte string; length -1 reads as nil.
func (r *reader) bytes(what string) ([]byte, error) {
	start := r.p
	n, k := readVarint32(r.b[r.p:])
	if k <= 0 {
		return nil, r.varintErr(what+" length", k)
	}
	r.p += k
	if n == -1 {
		return nil, nil
	}
	if n < 0 {
		r.p = start
		return nil, r.fail("%s length %d is negative", what, n)
	}
	if int(n) > len(r.b)-r.p {
		return nil, r.fail("%s length %d exceeds the %d bytes left in the record", what, n, len(r.b)-r.p)
	}
	v := r.b[r.p : r.p+int(n) : r.p+int(n)]
	r.p += int(n)
	return v, nil
}

// decodeRecords decodes exactly count records filling recs.
func decodeRecords(recs []byte, count, base int) ([]Record, error) {
	r := reader{b: recs, base: base}
	if count > len(recs)/minRecordSize {
		return nil, r.fail("record count %d exceeds what %d bytes of records can hold", count, len(recs))
	}
	out := make([]Record, count)
	for i := range out {
		length, err := r.varint32("record length")
		if err != nil {
			return nil, err
		}
		if length < minRecordSize-1 || int(length) > len(recs)-r.p {
			return nil, r.fail("record %d: length %d out of range (%d bytes left)", i, length, len(recs)-r.p)
		}
		end := r.p + int(length)
		rr := reader{b: recs[:end], p: r.p, base: base}
		if err := rr.record(&out[i]); err != nil {
			return nil, err
		}
		if rr.p != end {
			return nil, rr.fail("record %d: %d unused bytes inside its length %d", i, end-rr.p, length)
		}
		r.p = end
	}
	if r.p != len(recs) {
		return nil, r.fail("%d bytes after the last of %d records", len(recs)-r.p, count)
	}
	return out, nil
}

// record decodes one record body (after its length) filling rec.
func (r *reader) record(rec *Record) (err error) {
	rec.Attributes = int8(r.b[r.p]) // length >= 6, so the byte is there
	r.p++
	if rec.TimestampDelta, err = r.varint64("timestamp delta"); err != nil {
		return err
	}
	if rec.OffsetDelta, err = r.varint32("offset delta"); err != nil {
		return err
	}
	if rec.Key, err = r.bytes("key"); err != nil {
		return err
	}
	if rec.Value, err = r.bytes("value"); err != nil {
		return err
	}
	n, err := r.varint32("header count")
	if err != nil {
		return err
	}
	// A header takes at least two bytes (empty key, null value).
	if n < 0 || int(n) > (len(r.b)-r.p)/2 {
		return r.fail("header count %d out of range (%d bytes left in the record)", n, len(r.b)-r.p)
	}
	if n == 0 {
		return nil
	}
	rec.Headers = make([]Header, n)
	for i := range rec.Headers {
		if err := r.header(&rec.Headers[i]); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) header(h *Header) error {
	start := r.p
	key, err := r.bytes("header key")
	if err != nil {
		return err
	}
	if key == nil {
		r.p = start
		return r.fail("header key is null")
	}
	h.Key = string(key)
	h.Value, err = r.bytes("header value")
	return err
}
