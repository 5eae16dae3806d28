package bpe

import (
	"strings"
	"testing"
	"time"

	"github.com/nerkit/nerkit/conll"
)

const factRuEvalTrain = "../testdata/data/factrueval2016/train.txt"

// readSentences reads the words of a CoNLL file with the project's reader.
func readSentences(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := conll.ReadFile(path, conll.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	sents := make([][]string, len(f.Sentences))
	for i, s := range f.Sentences {
		sents[i] = s.Words
	}
	return sents
}

// BenchmarkEncodeWordsFactRuEval encodes every FactRuEval train sentence as
// pre-split words (the training workload, add_prefix_space as transformers
// needs); reports tokens/s including <s>/</s>.
func BenchmarkEncodeWordsFactRuEval(b *testing.B) {
	_, tok := roberta(b)
	sents := readSentences(b, factRuEvalTrain)
	tokens := 0
	for _, s := range sents {
		tokens += len(tok.EncodeWords(s).IDs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cpuSeconds()
	for b.Loop() {
		for _, s := range sents {
			tok.EncodeWords(s)
		}
	}
	reportRates(b, tokens, start, cpu)
}

// BenchmarkAppendWordIDsFactRuEval is the same workload as label alignment
// runs it: ids of one word at a time, no offsets.
func BenchmarkAppendWordIDsFactRuEval(b *testing.B) {
	_, tok := roberta(b)
	sents := readSentences(b, factRuEvalTrain)
	tokens := 0
	var ids []int32
	for _, s := range sents {
		for _, w := range s {
			ids = tok.AppendWordIDs(ids[:0], w)
			tokens += len(ids)
		}
		tokens += 2
	}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cpuSeconds()
	for b.Loop() {
		for _, s := range sents {
			for _, w := range s {
				ids = tok.AppendWordIDs(ids[:0], w)
			}
		}
	}
	reportRates(b, tokens, start, cpu)
}

// BenchmarkEncodeFactRuEvalText encodes the same sentences as raw text
// (words joined by spaces), with the shipped settings.
func BenchmarkEncodeFactRuEvalText(b *testing.B) {
	tok, _ := roberta(b)
	sents := readSentences(b, factRuEvalTrain)
	texts := make([]string, len(sents))
	tokens := 0
	for i, s := range sents {
		texts[i] = strings.Join(s, " ")
		tokens += len(tok.Encode(texts[i]).IDs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cpuSeconds()
	for b.Loop() {
		for _, t := range texts {
			tok.Encode(t)
		}
	}
	reportRates(b, tokens, start, cpu)
}

// BenchmarkLoadTokenizerJSON measures start-up: parsing roberta-bpe's
// tokenizer.json (50,261 tokens, 50,000 merges).
func BenchmarkLoadTokenizerJSON(b *testing.B) {
	for b.Loop() {
		if _, err := Load(robertaJSON); err != nil {
			b.Fatal(err)
		}
	}
}

// reportRates reports tokens per wall-clock second and, where the platform
// tells it, per CPU second (steadier when other processes share the cores).
func reportRates(b *testing.B, tokens int, start time.Time, cpu float64) {
	total := float64(tokens) * float64(b.N)
	b.ReportMetric(total/time.Since(start).Seconds(), "tokens/s")
	if c := cpuSeconds() - cpu; cpu > 0 && c > 0 {
		b.ReportMetric(total/c, "tokens/cpu-s")
	}
}
