// Command tokbench times one of nerkit's tokenizers (WordPiece, byte-level
// BPE or Unigram, as tokenizer.Load picks it) on the same workload as
// bench.js times Hugging Face tokenizers: every sentence of a CoNLL file
// encoded as pre-split words with the special tokens, and as raw text, one
// sentence per call. run.sh runs both for each family and prints the
// ratios; run it with GOMAXPROCS=1 for a single-threaded figure.
//
// usage: go run ./tools/tokbench [-add-prefix-space] <tokenizer.json or model dir> <conll file> [seconds]
package main

import (
	"flag"
	"fmt"
	"log"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nerkit/nerkit/conll"
	"github.com/nerkit/nerkit/tokenizer"
)

// readSentences reads the words of a CoNLL file with the project's reader
// (for the benchmark's files the same words bench.js splits out).
func readSentences(path string) ([][]string, error) {
	f, err := conll.ReadFile(path, conll.Options{})
	if err != nil {
		return nil, err
	}
	sents := make([][]string, len(f.Sentences))
	for i, s := range f.Sentences {
		sents[i] = s.Words
	}
	return sents, nil
}

// cpuSeconds is the process's CPU time: on a shared, busy machine it
// measures the work done far more steadily than the wall clock.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// run repeats a full pass until minSeconds of CPU time have passed and
// reports the pass that took the least CPU time, as bench.js does.
func run(name string, minSeconds float64, pass func() int) {
	pass() // warm-up
	best, bestWall, total, tokens := 1e18, 0.0, 0.0, 0
	for total < minSeconds {
		w0, c0 := time.Now(), cpuSeconds()
		tokens = pass()
		c, w := cpuSeconds()-c0, time.Since(w0).Seconds()
		if c < best {
			best, bestWall = c, w
		}
		total += c
	}
	fmt.Printf("go %s tokens=%d cpu_s=%.6f wall_s=%.6f tokens_per_cpu_s=%.0f tokens_per_wall_s=%.0f\n",
		name, tokens, best, bestWall, float64(tokens)/best, float64(tokens)/bestWall)
}

func main() {
	prefix := flag.Bool("add-prefix-space", false, "set add_prefix_space (byte-level BPE), as pre-split words need")
	flag.Parse()
	args := flag.Args()
	if len(args) < 2 {
		log.Fatal("usage: tokbench [-add-prefix-space] <tokenizer.json or model dir> <conll file> [seconds]")
	}
	minSeconds := 3.0
	if len(args) > 2 {
		v, err := strconv.ParseFloat(args[2], 64)
		if err != nil {
			log.Fatal(err)
		}
		minSeconds = v
	}
	var opts tokenizer.Options
	if *prefix {
		opts.AddPrefixSpace = prefix
	}
	tok, err := tokenizer.LoadOptions(args[0], opts)
	if err != nil {
		log.Fatal(err)
	}
	words, err := tok.Words()
	if err != nil {
		log.Fatal(err)
	}
	sents, err := readSentences(args[1])
	if err != nil {
		log.Fatal(err)
	}
	run("words_per_sentence", minSeconds, func() int {
		n := 0
		for _, s := range sents {
			n += len(words.EncodeWords(s).IDs)
		}
		return n
	})
	texts := make([]string, len(sents))
	for i, s := range sents {
		texts[i] = strings.Join(s, " ")
	}
	run("text_per_sentence", minSeconds, func() int {
		n := 0
		for _, t := range texts {
			n += len(tok.Encode(t).IDs)
		}
		return n
	})
}
