package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/bert"
	"github.com/nerkit/nerkit/checkpoint"
	"github.com/nerkit/nerkit/tagger"
)

// BenchmarkLongText runs one text of 10,000 and one of 40,000 words through
// the whole predict path: pre-tokenising, encoding into 128-position
// windows, a 2-layer BERT (random weights), merging the windows, tagging and
// offsets. The work per word is the same whatever the text's length, so
// ns/word must come out about equal for both; offsets counted from the
// start of the text for every word made it grow with the length (about four
// times as much per word at 40,000 words as at 10,000).
func BenchmarkLongText(b *testing.B) {
	tok := loadTok(b)
	cfg := &checkpoint.Config{VocabSize: tok.VocabSize(), HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 2,
		IntermediateSize: 64, HiddenAct: "gelu", MaxPositionEmbeddings: 128, TypeVocabSize: 2, LayerNormEps: 1e-12}
	m, err := bert.New(cfg, len(labels), 1)
	if err != nil {
		b.Fatal(err)
	}
	p := &Pipeline{Tok: tok, Engine: Inference(m), Labels: labels, MaxLen: 128, BatchSize: 32}
	sentence := strings.Fields("Владимир Путин прилетел в Москву а Angela Merkel в Париж Ёлка 🎄 стоит")
	for _, n := range []int{10_000, 40_000} {
		words := make([]string, n)
		for i := range words {
			words[i] = sentence[i%len(sentence)]
		}
		long := strings.Join(words, " ")
		b.Run(fmt.Sprintf("words=%d", n), func(b *testing.B) {
			for b.Loop() {
				out, err := p.Run(context.Background(), []Input{{Text: long, Strategy: tagger.Simple}})
				if err != nil || len(out[0].Words) != n {
					b.Fatalf("%v: %d words", err, len(out[0].Words))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/word")
		})
	}
}
