package samsa

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-go/samsa/internal/faultnet"
	"github.com/samsa-go/samsa/internal/recordbatch"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// spoolProducer starts a producer with a spool in dir.
func spoolProducer(t testing.TB, addrs []string, dir string, mod func(*Config)) *Producer {
	t.Helper()
	return testProducer(t, addrs, func(c *Config) {
		c.Spool.Dir = dir
		c.Linger = 2 * time.Millisecond
		if mod != nil {
			mod(c)
		}
	})
}

// TestSpoolAckedRecordsLeaveTheSpool: with a reachable cluster every
// record is spooled, then acknowledged, read back once, and a producer
// opened on the directory afterwards finds nothing to resend.
func TestSpoolAckedRecordsLeaveTheSpool(t *testing.T) {
	fake := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(3, "t"))
	dir := t.TempDir()
	p := spoolProducer(t, fake.ListenAddrs(), dir, nil)
	ctx := context.Background()
	const n = 2000
	futures := make([]*Future, n)
	for i := range futures {
		futures[i] = p.Send(ctx, Record{Topic: "t", Key: []byte(fmt.Sprint(i % 17)), Value: []byte(fmt.Sprint(i))})
	}
	for i, f := range futures {
		if err := f.WaitSpooled(ctx); err != nil {
			t.Fatalf("record %d: WaitSpooled: %v", i, err)
		}
		if _, err := f.Wait(ctx); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := consumeAll(t, fake.ListenAddrs(), "t", n)
	if len(got) != n {
		t.Fatalf("read %d records, want %d", len(got), n)
	}
	var reports atomic.Int32
	p2 := spoolProducer(t, fake.ListenAddrs(), dir, func(c *Config) {
		if os.Getenv("SPOOL_DEBUG") != "" {
			c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		c.Spool.OnRecovery = func(SpoolRecovery) { reports.Add(1) }
	})
	if err := p2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if reports.Load() != 0 {
		t.Errorf("a spool whose records were all acknowledged reported a recovery")
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) != 1 {
		t.Errorf("%d segment files left, want 1 (the last, empty session's): %v", len(segs), segs)
	}
}

// failDial refuses every connection while down is set.
func failDial(down *atomic.Bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if down.Load() {
			return nil, errors.New("the test keeps the cluster unreachable")
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// TestSpoolKeepsRecordsAcrossProducers: records produced while the
// cluster is unreachable are spooled; Close gives up on them
// (ErrLeftInSpool); the next producer on the directory sends them first,
// in order, reports each, and they are read back once, followed by what
// it produces itself.
func TestSpoolKeepsRecordsAcrossProducers(t *testing.T) {
	fake := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "t"))
	addrs := fake.ListenAddrs()
	dir := t.TempDir()
	var down atomic.Bool
	down.Store(true)
	p := spoolProducer(t, addrs, dir, func(c *Config) { c.Dial = failDial(&down); c.MaxBlock = time.Second })
	// The topic's metadata cannot come: produce to explicit partitions of
	// a topic the producer learns from... nothing. Use the spool of an
	// earlier, connected producer instead: first learn the metadata.
	down.Store(false)
	ctx := context.Background()
	if _, err := p.PartitionsFor(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	fake.Close() // every connection drops; the dialer refuses new ones
	const n = 300
	futures := make([]*Future, n)
	for i := range futures {
		futures[i] = p.Send(ctx, Record{Topic: "t", Partition: PartitionOf(int32(i % 2)), Value: []byte(fmt.Sprint(i))})
	}
	for i, f := range futures {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := f.WaitSpooled(wctx)
		cancel()
		if err != nil {
			t.Fatalf("record %d not spooled while the cluster is down: %v", i, err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := p.Close(cctx); err == nil {
		t.Fatal("Close with an unreachable cluster returned nil")
	}
	for i, f := range futures {
		_, err := f.Wait(ctx)
		if !errors.Is(err, ErrLeftInSpool) || !errors.Is(err, ErrProducerClosed) {
			t.Fatalf("record %d: %v, want ErrLeftInSpool", i, err)
		}
	}

	// A new cluster, a new producer on the same spool.
	fake2 := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "t"))
	var mu sync.Mutex
	var recovered []RecoveredRecord
	reports := make(chan SpoolRecovery, 1)
	p2 := spoolProducer(t, fake2.ListenAddrs(), dir, func(c *Config) {
		c.Spool.OnRecovered = func(r RecoveredRecord) {
			mu.Lock()
			recovered = append(recovered, r)
			mu.Unlock()
		}
		c.Spool.OnRecovery = func(r SpoolRecovery) { reports <- r }
	})
	after := p2.Send(ctx, Record{Topic: "t", Partition: PartitionOf(0), Value: []byte("after")})
	if _, err := after.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	var rep SpoolRecovery
	select {
	case rep = <-reports:
	case <-time.After(30 * time.Second):
		t.Fatal("no recovery report")
	}
	if rep.Records != n || rep.Acked != n || rep.Failed != 0 || rep.PossibleDuplicates != 0 || rep.Unclean {
		t.Errorf("report %+v, want %d records acknowledged, none duplicated, clean", rep, n)
	}
	if err := p2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(recovered) != n {
		t.Fatalf("OnRecovered called %d times, want %d", len(recovered), n)
	}
	mu.Unlock()
	got := consumeAll(t, fake2.ListenAddrs(), "t", n+1)
	var last [2]int
	last[0], last[1] = -1, -1
	seen := map[string]bool{}
	for _, r := range got {
		v := string(r.Value)
		if seen[v] {
			t.Fatalf("record %q read twice", v)
		}
		seen[v] = true
		if v == "after" {
			if r.Partition != 0 || r.Offset != int64(n/2) {
				t.Errorf("the record produced after the restart is at %d/%d, want after the %d recovered ones", r.Partition, r.Offset, n/2)
			}
			continue
		}
		var i int
		fmt.Sscan(v, &i)
		if int(r.Partition) != i%2 || i <= last[r.Partition] {
			t.Fatalf("record %d in partition %d after %d: order lost", i, r.Partition, last[r.Partition])
		}
		last[r.Partition] = i
	}
	if len(seen) != n+1 {
		t.Fatalf("read %d distinct records, want %d", len(seen), n+1)
	}
	_ = os.Remove
}

// downProducer starts a spooled producer that has learned topic t's
// metadata from fake and then lost the cluster: every later connection
// is refused. It returns the producer and a function that brings the
// cluster back.
func downProducer(t *testing.T, fake *kfake.Cluster, dir string, mod func(*Config)) (*Producer, func()) {
	t.Helper()
	d := faultnet.New(1)
	p := spoolProducer(t, fake.ListenAddrs(), dir, func(c *Config) {
		c.Dial = d.Dial
		if mod != nil {
			mod(c)
		}
	})
	if _, err := p.PartitionsFor(context.Background(), "t"); err != nil {
		t.Fatal(err)
	}
	d.SetDown(true)
	d.CutAll()
	return p, func() { d.SetDown(false) }
}

// TestSpoolFull: a spool at spool.max.bytes makes Produce wait
// max.block.ms and fail with a SpoolError that matches
// ErrBufferExhausted, and TryProduce fail at once with ErrWouldBlock;
// room comes back when Kafka takes the records.
func TestSpoolFull(t *testing.T) {
	fake := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	dir := t.TempDir()
	p, up := downProducer(t, fake, dir, func(c *Config) {
		c.MaxRequestSize = 64 << 10
		c.Spool.MaxBytes = 1 << 20
		c.MaxBlock = 300 * time.Millisecond
		// One record a batch, each reserving about what it takes: sealing
		// a batch then frees no room that would let the next record in.
		c.BatchSize = 1024
	})
	ctx := context.Background()
	value := make([]byte, 1000)
	var spooled int
	var err error
	for spooled < 5000 {
		err = p.TryProduce(Record{Topic: "t", Partition: PartitionOf(0), Value: value}, nil)
		if err == nil {
			spooled++
			continue
		}
		if err == errSpoolFull {
			break
		}
		time.Sleep(time.Millisecond) // buffer memory, until the group commit lets batches spill
	}
	if err != errSpoolFull || spooled < 500 || spooled > 1100 || !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("TryProduce after %d records of 1 KB into a 1 MiB spool: %v", spooled, err)
	}
	var se *SpoolError
	_, err = p.SendSync(ctx, Record{Topic: "t", Partition: PartitionOf(0), Value: value})
	if !errors.As(err, &se) || !errors.Is(err, ErrBufferExhausted) || !errors.Is(err, ErrSpool) || se.Dir != dir || se.MaxBytes != 1<<20 {
		t.Fatalf("Produce into a full spool: %v", err)
	}
	up()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SendSync(ctx, Record{Topic: "t", Partition: PartitionOf(0), Value: value}); err != nil {
		t.Fatalf("Produce once Kafka took the spool's records: %v", err)
	}
}

// heapAlloc returns the live heap after a collection.
func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestSpoolMemoryBounded: while the cluster is down, a producer with a
// 1 MiB buffer.memory takes 48 MiB of records: batches durable in the
// spool give their memory back, so appends never wait for memory, and the
// heap grows by far less than what was produced. Once the cluster is back
// every record is delivered, once, in order.
func TestSpoolMemoryBounded(t *testing.T) {
	for _, codec := range []Compression{CompressionNone, CompressionLZ4} {
		t.Run(codec.String(), func(t *testing.T) { spoolMemoryBounded(t, codec) })
	}
}

// spoolMemoryBounded is TestSpoolMemoryBounded with one codec: spilled
// compressed batches are decompressed when read back, to rebuild their
// records' metadata.
func spoolMemoryBounded(t *testing.T, codec Compression) {
	fake := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(4, "t"))
	dir := t.TempDir()
	p, up := downProducer(t, fake, dir, func(c *Config) {
		c.BufferMemory = 1 << 20
		c.MaxBlock = 20 * time.Second
		c.Spool.MaxBytes = 256 << 20
		c.Compression = codec
	})
	ctx := context.Background()
	before := heapAlloc()
	value := make([]byte, 1024)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 48 << 10 // 48 MiB of values
	var maxUsed int64
	for i := range n {
		for j := 512; j < len(value); j += 8 { // half random: compresses to about half
			binary.LittleEndian.PutUint64(value[j:], rng.Uint64())
		}
		copy(value, fmt.Sprintf("%08d", i))
		if err := p.TryProduce(Record{Topic: "t", Partition: PartitionOf(int32(i % 4)), Value: value}, nil); err != nil {
			// Memory is short until the group commit makes batches durable.
			p.Produce(ctx, Record{Topic: "t", Partition: PartitionOf(int32(i % 4)), Value: value}, func(_ RecordMetadata, err error) {
				if err != nil {
					t.Errorf("record %d: %v", i, err)
				}
			})
		}
		if i%1024 == 0 {
			maxUsed = max(maxUsed, p.acc.Pool().Total()-p.acc.Pool().Available())
		}
	}
	grown := int64(heapAlloc()) - int64(before)
	t.Logf("48 MiB produced with the cluster down: heap grew %d KiB, buffer.memory in use at most %d KiB, spool holds %d MiB",
		grown>>10, maxUsed>>10, p.spool.Used()>>20)
	if grown > 16<<20 {
		t.Errorf("heap grew by %d MiB while the records were spooled: memory is not bounded by buffer.memory", grown>>20)
	}
	if used := p.spool.Used(); used < n*1024/3 {
		t.Errorf("spool holds %d bytes, less than a third of the %d produced", used, n*1024)
	}
	ms := p.Metrics()
	if used, ok := ms.Value("producer-metrics", "spool-used-bytes"); !ok || int64(used) != p.spool.Used() {
		t.Errorf("spool-used-bytes %v (%v), want %d", used, ok, p.spool.Used())
	}
	if limit, ok := ms.Value("producer-metrics", "spool-max-bytes"); !ok || limit != 256<<20 {
		t.Errorf("spool-max-bytes %v (%v), want spool.max.bytes", limit, ok)
	}
	up()
	fctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := p.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	got := consumeAll(t, fake.ListenAddrs(), "t", n)
	last := map[int32]int{0: -1, 1: -1, 2: -1, 3: -1}
	for _, r := range got {
		i, _ := strconv.Atoi(string(r.Value[:8]))
		if i%4 != int(r.Partition) || i <= last[r.Partition] {
			t.Fatalf("record %d in partition %d after %d", i, r.Partition, last[r.Partition])
		}
		last[r.Partition] = i
	}
	if len(got) != n {
		t.Fatalf("read %d records, want %d", len(got), n)
	}
}

// produceErrorFor answers a produce request with code() for every
// partition whose batch carries a producer id pick selects, and lets
// kfake handle the others.
func produceErrorFor(fake *kfake.Cluster, code func() int16, pick func(pid int64) bool) {
	fake.ControlKey(kmsg.Produce.Int16(), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		fake.KeepControl()
		req := kr.(*kmsg.ProduceRequest)
		hit := false
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				if h, err := recordbatch.ParseHeader(rp.Records); err == nil && pick(h.ProducerID) {
					hit = true
					sp.ErrorCode = code()
				}
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		if !hit {
			return nil, nil, false
		}
		return resp, nil, true
	})
}

// TestSpoolRestampCountsDuplicates: batches a first producer sent (the
// broker kept answering NOT_LEADER_OR_FOLLOWER) stay in the spool when it
// closes; the second producer resends them with the first one's producer
// id and sequences, the broker refuses that state
// (OUT_OF_ORDER_SEQUENCE_NUMBER), and they go out as new writes of the
// second producer: delivered, but reported as possible duplicates,
// because the first attempts may have been written.
func TestSpoolRestampCountsDuplicates(t *testing.T) {
	fake := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	dir := t.TempDir()
	var firstPID atomic.Int64
	firstPID.Store(-2)
	var code atomic.Int32
	code.Store(6) // NOT_LEADER_OR_FOLLOWER
	produceErrorFor(fake, func() int16 { return int16(code.Load()) }, func(pid int64) bool {
		firstPID.CompareAndSwap(-2, pid)
		return pid == firstPID.Load()
	})
	p := spoolProducer(t, fake.ListenAddrs(), dir, nil)
	ctx := context.Background()
	const n = 50
	var futures []*Future
	for i := range n {
		futures = append(futures, p.Send(ctx, Record{Topic: "t", Value: []byte(fmt.Sprint(i))}))
	}
	for _, f := range futures {
		if err := f.WaitSpooled(ctx); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // attempts go out and are refused
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	p.Close(cctx)
	if _, err := futures[0].Wait(ctx); !errors.Is(err, ErrLeftInSpool) {
		t.Fatalf("first producer's record: %v", err)
	}

	code.Store(45) // OUT_OF_ORDER_SEQUENCE_NUMBER
	var dupFlags atomic.Int32
	reports := make(chan SpoolRecovery, 1)
	p2 := spoolProducer(t, fake.ListenAddrs(), dir, func(c *Config) {
		if os.Getenv("SPOOL_DEBUG") != "" {
			c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		c.Spool.OnRecovered = func(r RecoveredRecord) {
			if r.Err == nil && r.MaybeDuplicate {
				dupFlags.Add(1)
			}
		}
		c.Spool.OnRecovery = func(r SpoolRecovery) { reports <- r }
	})
	select {
	case r := <-reports:
		if r.Records != n || r.Acked != n || r.PossibleDuplicates != n || r.Deduplicated != 0 {
			t.Errorf("report %+v, want %d records acknowledged, all possible duplicates", r, n)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no recovery report")
	}
	if dupFlags.Load() != n {
		t.Errorf("%d records reported MaybeDuplicate, want %d", dupFlags.Load(), n)
	}
	p2.Close(ctx)
	if got := consumeAll(t, fake.ListenAddrs(), "t", n); len(got) != n {
		t.Errorf("read %d records, want %d", len(got), n)
	}
}

// TestSpoolReportsDamage: a spool whose file was damaged in the middle
// opens; the damaged batch is reported with what was lost, the others
// are resent, and a second start does not report the damage again.
func TestSpoolReportsDamage(t *testing.T) {
	fake := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	dir := t.TempDir()
	p, _ := downProducer(t, fake, dir, nil)
	ctx := context.Background()
	const batches = 5
	for i := range batches {
		// One batch each: SendBatch seals a batch of its own.
		b := p.CreateBatch()
		for j := range 10 {
			b.Append(Record{Value: []byte(fmt.Sprintf("%d-%d", i, j))})
		}
		p.SendBatch(ctx, b, TopicPartition{Topic: "t", Partition: 0})
	}
	p.spool.SealAll()
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	p.Close(cctx)
	// Damage the third batch's records: find its value in the segment.
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	data, err := os.ReadFile(segs[len(segs)-1])
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, []byte("2-5"))
	if at < 0 {
		t.Fatal("the third batch is not in the newest segment")
	}
	data[at] ^= 0xff
	if err := os.WriteFile(segs[len(segs)-1], data, 0o644); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var values []string
	reports := make(chan SpoolRecovery, 1)
	p2 := spoolProducer(t, fake.ListenAddrs(), dir, func(c *Config) {
		c.Spool.OnRecovered = func(r RecoveredRecord) {
			mu.Lock()
			values = append(values, string(r.Record.Value))
			mu.Unlock()
		}
		c.Spool.OnRecovery = func(r SpoolRecovery) { reports <- r }
	})
	var rep SpoolRecovery
	select {
	case rep = <-reports:
	case <-time.After(30 * time.Second):
		t.Fatal("no recovery report")
	}
	if len(rep.Damage) != 1 || rep.Damage[0].Entries != 1 || rep.Damage[0].Path != segs[len(segs)-1] || rep.Records != 40 || rep.Acked != 40 {
		t.Fatalf("report %+v, want one damaged entry and the 40 other records delivered", rep)
	}
	p2.Close(ctx)
	mu.Lock()
	for _, v := range values {
		if strings.HasPrefix(v, "2-") {
			t.Errorf("record %s of the damaged batch was resent", v)
		}
	}
	if len(values) != 40 {
		t.Errorf("%d records reported, want 40", len(values))
	}
	mu.Unlock()
	again := make(chan SpoolRecovery, 1)
	p3 := spoolProducer(t, fake.ListenAddrs(), dir, func(c *Config) { c.Spool.OnRecovery = func(r SpoolRecovery) { again <- r } })
	p3.Close(ctx)
	select {
	case r := <-again:
		t.Errorf("the damage was reported again: %+v", r)
	default:
	}
}

// TestSpoolDiskRefusesWrites: when the spool's disk refuses to create a
// segment (here an immutable directory, which even root cannot write
// to), the batch that needed it is sent from memory and its records'
// WaitSpooled say why, Produce then fails after max.block.ms with a
// SpoolError naming the file and matching the system's error, and the
// spool takes records again once the disk does.
func TestSpoolDiskRefusesWrites(t *testing.T) {
	fake := fakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	dir := t.TempDir()
	p := spoolProducer(t, fake.ListenAddrs(), dir, func(c *Config) {
		c.MaxRequestSize = 64 << 10
		c.Spool.MaxBytes = 2 << 20 // 256 KiB segments
		c.MaxBlock = 500 * time.Millisecond
	})
	ctx := context.Background()
	if _, err := p.SendSync(ctx, Record{Topic: "t", Value: []byte("before")}); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot make the spool directory immutable (%v: %s): no way to make the disk refuse writes here", err, out)
	}
	defer exec.Command("chattr", "-i", dir).Run()
	value := make([]byte, 1000)
	var spoolErr error
	var refused *Future
	for i := 0; i < 2000 && spoolErr == nil; i++ {
		f := p.Send(ctx, Record{Topic: "t", Value: value})
		if err := f.WaitSpooled(ctx); err != nil {
			spoolErr, refused = err, f
		}
	}
	var se *SpoolError
	if !errors.As(spoolErr, &se) || !errors.Is(spoolErr, os.ErrPermission) || filepath.Dir(se.Path) != dir || se.Op != "create" {
		t.Fatalf("WaitSpooled when the disk refused a segment: %v", spoolErr)
	}
	if _, err := refused.Wait(ctx); err != nil {
		t.Fatalf("a record the spool could not take must still be delivered: %v", err)
	}
	_, err := p.SendSync(ctx, Record{Topic: "t", Value: value})
	if !errors.As(err, &se) || se.Op != "reserve" || !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Produce while the disk refuses writes: %v", err)
	}
	if out, err := exec.Command("chattr", "-i", dir).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// The spool probes the disk a few times a second; within max.block.ms
	// or two, records are taken again.
	var err2 error
	for range 10 {
		f := p.Send(ctx, Record{Topic: "t", Value: []byte("after")})
		if err2 = f.WaitSpooled(ctx); err2 == nil {
			return
		}
	}
	t.Fatalf("once the disk takes writes again: %v", err2)
}
