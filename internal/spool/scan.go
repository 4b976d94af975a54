package spool

import (
	"bytes"
	"encoding/binary"
)

// scanned is one intact frame found in a segment.
type scanned struct {
	off  int64
	info frameInfo
	// payload is the bytes after the type, within the segment's data.
	payload []byte
}

// badRange is a stretch of a segment that holds no intact frame.
type badRange struct {
	off, end int64
}

// scanResult is what scanSegment found in a segment's bytes.
type scanResult struct {
	frames []scanned
	// bad lists damaged stretches followed by an intact frame.
	bad []badRange
	// end is where the intact frames end: a stretch from end to the end
	// of the data holds no intact frame (a torn tail, or preallocated
	// zeros).
	end int64
}

var magicBytes = binary.BigEndian.AppendUint32(nil, frameMagic)

// scanSegment finds the intact frames of a segment's bytes. After
// damage it resynchronizes on the next position that holds an intact
// frame (magic, plausible length, CRC), so one damaged entry costs only
// that entry. It never fails: bytes that are not frames are reported as
// bad ranges or as the tail.
func scanSegment(data []byte) scanResult {
	var res scanResult
	off := int64(0)
	for off < int64(len(data)) {
		if f, ok := frameAt(data, off); ok {
			res.frames = append(res.frames, scanned{off: off, info: f, payload: data[off+frameHeader : off+f.size()]})
			off += f.size()
			continue
		}
		next := nextFrame(data, off+1)
		if next < 0 {
			break
		}
		res.bad = append(res.bad, badRange{off: off, end: next})
		off = next
	}
	res.end = off
	return res
}

// frameAt reports whether an intact frame starts at off.
func frameAt(data []byte, off int64) (frameInfo, bool) {
	f, err := parseFrameHeader(data[off:])
	if err != nil || f.size() > int64(len(data))-off {
		return frameInfo{}, false
	}
	return f, checkFrame(data[off:off+f.size()], f)
}

// nextFrame returns the offset of the first intact frame at or after
// from, or -1.
func nextFrame(data []byte, from int64) int64 {
	for from < int64(len(data)) {
		i := bytes.Index(data[from:], magicBytes)
		if i < 0 {
			return -1
		}
		at := from + int64(i)
		if _, ok := frameAt(data, at); ok {
			return at
		}
		from = at + 1
	}
	return -1
}
