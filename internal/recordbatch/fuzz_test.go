package recordbatch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/samsa-go/samsa/internal/compress"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the committed fuzz seed corpus under testdata/fuzz")

// FuzzDecode feeds arbitrary bytes to Decode and DecodeAll: they must
// never panic, and whatever Decode accepts must re-encode to the same
// records.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeAll(b, 1<<20)
		if len(b) >= HeaderSize && len(b) < 1<<24 {
			// Fix up length, magic and CRC so that the fuzzer reaches the
			// record and decompression code, not just the CRC check.
			b = bytes.Clone(b)
			binary.BigEndian.PutUint32(b[offBatchLength:], uint32(len(b)-lengthOverhead))
			b[offMagic] = Magic
			resign(b)
		}
		h, recs, err := Decode(b, 1<<20)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode error %T %v is not an *Error", err, err)
			}
			return
		}
		if h.NumRecords != int32(len(recs)) {
			t.Fatalf("NumRecords %d, %d records", h.NumRecords, len(recs))
		}
		// Re-encoding the records reproduces the uncompressed payload
		// exactly, record attributes being 0 in what we write.
		if h.Attributes&AttrCompressionMask == 0 {
			var raw []byte
			for _, r := range recs {
				if r.Attributes != 0 {
					return
				}
				raw = AppendRecord(raw, r.TimestampDelta, r.OffsetDelta, r.Key, r.Value, r.Headers)
			}
			if !bytes.Equal(raw, b[HeaderSize:]) {
				t.Fatalf("re-encoded records differ from the input")
			}
		}
	})
}

// FuzzRoundTrip encodes fuzzer-chosen records with every codec and
// decodes them back.
func FuzzRoundTrip(f *testing.F) {
	f.Add(int64(0), int32(0), []byte("key"), []byte("value"), "h", []byte("hv"), uint8(0), uint8(3))
	f.Add(int64(-1<<40), int32(1<<30), []byte(nil), []byte{}, "", []byte(nil), uint8(1), uint8(0))
	f.Add(int64(1<<62), int32(-5), []byte{}, []byte(nil), "rep", []byte{}, uint8(2), uint8(2))
	f.Add(int64(7), int32(7), bytes.Repeat([]byte("k"), 500), bytes.Repeat([]byte("log "), 5000), "x", []byte("y"), uint8(3), uint8(1))
	f.Add(int64(9), int32(2), []byte("z"), []byte("zstd"), "a", []byte("b"), uint8(4), uint8(4))
	f.Fuzz(func(t *testing.T, ts int64, off int32, key, value []byte, hk string, hv []byte, codec, nh uint8) {
		c := compress.Codec(codec % 5)
		var headers []Header
		for i := range int(nh % 5) {
			headers = append(headers, Header{Key: hk, Value: hv})
			if i%2 == 1 {
				headers[i].Value = nil
			}
		}
		recs := []Record{
			{TimestampDelta: ts, OffsetDelta: off, Key: key, Value: value, Headers: headers},
			{TimestampDelta: ts / 2, OffsetDelta: off / 3, Key: value, Value: key},
		}
		batch := buildBatch(t, c, BatchHeader{BaseOffset: int64(off), ProducerID: ts}, recs)
		if n := RecordSize(ts, off, key, value, headers); n != len(AppendRecord(nil, ts, off, key, value, headers)) {
			t.Fatalf("RecordSize %d disagrees with AppendRecord", n)
		}
		_, got, err := Decode(batch, 1<<24)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffRecords(got, recs); d != "" {
			t.Fatal(d)
		}
	})
}

// decodeSeeds are valid batches of every codec, several batches in a row,
// and damaged ones.
func decodeSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, c := range allCodecs {
		recs := sampleRecords()[:6]
		seeds = append(seeds, buildBatch(t, c, sampleHeader(), recs))
	}
	seeds = append(seeds, buildBatch(t, compress.None, BatchHeader{}, nil))
	seeds = append(seeds, bytes.Join([][]byte{seeds[0], seeds[1]}, nil))
	bad := bytes.Clone(seeds[0])
	bad[HeaderSize] = 0xff
	seeds = append(seeds, resign(bad))
	return seeds
}

// TestFuzzSeedCorpus checks the committed seed corpus: it holds a valid
// batch of every codec, each decoding to the sample records. With
// -update-seeds it rewrites the corpus first.
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if *updateSeeds {
		os.MkdirAll(dir, 0o755)
		for i, s := range decodeSeeds(t) {
			body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	seen := map[compress.Codec]bool{}
	for i := range len(allCodecs) {
		raw, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)))
		if err != nil {
			t.Fatalf("seed corpus missing (run go test -run TestFuzzSeedCorpus -update-seeds): %v", err)
		}
		lines := bytes.Split(raw, []byte("\n"))
		q := string(bytes.TrimSuffix(bytes.TrimPrefix(lines[1], []byte("[]byte(")), []byte(")")))
		s, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		h, recs, err := Decode([]byte(s), 1<<20)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		seen[compress.Codec(h.Attributes&AttrCompressionMask)] = true
		if d := diffRecords(recs, sampleRecords()[:6]); d != "" {
			t.Errorf("seed %d: %s", i, d)
		}
	}
	if len(seen) != len(allCodecs) {
		t.Errorf("seed corpus codecs %v, want all five", seen)
	}
}
