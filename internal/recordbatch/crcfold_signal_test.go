//go:build amd64 && linux

package recordbatch

import (
	"bytes"
	"hash/crc32"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestFoldUnderSignals: folding goroutines give hash/crc32's CRC and an
// exact copy while the process is showered with SIGURG (the signal Go's
// asynchronous preemption sends, which lands in the middle of the AVX-512
// loops: the kernel saves the ZMM and opmask registers across the
// handler, and the runtime does not preempt assembly) and the garbage
// collector runs.
func TestFoldUnderSignals(t *testing.T) {
	if !canFold {
		t.Skip("this CPU does not fold")
	}
	if testing.Short() {
		t.Skip("a third of a second of signals")
	}
	rng := rand.New(rand.NewPCG(51, 52))
	src := randomBytes(rng, 1<<20+100)
	want := crc32.Update(0x5eed, kafkaCRC, src[:len(src)&^63])
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = syscall.Kill(syscall.Getpid(), syscall.SIGURG)
			time.Sleep(20 * time.Microsecond)
		}
	}()
	errs := make(chan string, 3)
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]byte, len(src))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				clear(dst)
				crc, _ := foldCopy(dst, src, 0x5eed)
				if crc != want || !bytes.Equal(dst, src) {
					errs <- "foldCopy: wrong CRC or copy under signals"
					return
				}
				if got := ^foldCRC32C(^uint32(0x5eed), &src[0], len(src)/64, &foldK); got != want {
					errs <- "foldCRC32C: wrong CRC under signals"
					return
				}
				if g == 0 && i%64 == 0 {
					_ = make([]byte, 1<<20) // garbage, for the collector to run
				}
			}
		}()
	}
	select {
	case msg := <-errs:
		close(stop)
		wg.Wait()
		t.Fatal(msg)
	case <-time.After(300 * time.Millisecond):
	}
	close(stop)
	wg.Wait()
	select {
	case msg := <-errs:
		t.Fatal(msg)
	default:
	}
}
