// Command sarama writes sarama.tsv: for every key of keys.tsv, the
// partition that sarama's default hash partitioner (NewHashPartitioner)
// chooses among 1, 3, 6, 7, 100 and 1000 partitions, and the raw 32-bit
// FNV-1a hash (hash/fnv, as sarama uses it). See ../README.md.
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"log"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/IBM/sarama"
)

func main() {
	dir := ".."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	in, err := os.Open(filepath.Join(dir, "keys.tsv"))
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(filepath.Join(dir, "sarama.tsv"))
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "# key_hex\tfnv1a32_hex\tp1\tp3\tp6\tp7\tp100\tp1000")
	fmt.Fprintln(w, "# fnv1a32 = hash/fnv.New32a over the key; pN = sarama.NewHashPartitioner(topic).Partition(msg with ByteEncoder(key), N)")
	fmt.Fprintf(w, "# generated with github.com/IBM/sarama %s\n", saramaVersion())
	p := sarama.NewHashPartitioner("t")
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		kh := strings.SplitN(line, "\t", 2)[0]
		key, err := hex.DecodeString(kh)
		if err != nil {
			log.Fatal(err)
		}
		h := fnv.New32a()
		h.Write(key)
		fmt.Fprintf(w, "%s\t%08x", kh, h.Sum32())
		for _, n := range []int32{1, 3, 6, 7, 100, 1000} {
			// A non-nil encoder, even of an empty key, is hashed; only a
			// nil Key is partitioned randomly.
			part, err := p.Partition(&sarama.ProducerMessage{Topic: "t", Key: sarama.ByteEncoder(key)}, n)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Fprintf(w, "\t%d", part)
		}
		fmt.Fprintln(w)
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}

func saramaVersion() string {
	// Read from the build info so the table records what produced it.
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/IBM/sarama" {
				return d.Version
			}
		}
	}
	return "(unknown)"
}
