package pipeline

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/tagger"
	"github.com/nerkit/nerkit/tokenizer"
)

// recordingEngine is tokenEngine keeping the ids it saw, row by row without
// padding.
type recordingEngine struct {
	tokenEngine
	rows [][]int32
}

func (e *recordingEngine) Logits(b *dataset.Batch) ([]float32, error) {
	for r := range b.Size {
		var row []int32
		for c := range b.Len {
			if b.AttentionMask[r*b.Len+c] != 0 {
				row = append(row, b.InputIDs[r*b.Len+c])
			}
		}
		e.rows = append(e.rows, row)
	}
	return e.tokenEngine.Logits(b)
}

// TestRawTextOtherFamilies: for byte-level BPE (RoBERTa, loaded with
// add_prefix_space as models are) and Unigram (XLM-R), the model sees
// exactly tok.Encode(text) — HF's encoding of the raw text, not the words
// re-encoded one by one — and every word and entity slices the text at its
// byte and code-point offsets. BPE words exclude the space their "Ġ" piece
// carries; runs of spaces, whose lone "Ġ" spans no characters, are never
// entities.
func TestRawTextOtherFamilies(t *testing.T) {
	for _, dir := range []string{"../testdata/goldens/encoders/roberta-bpe", "../testdata/goldens/encoders/xlmr-unigram"} {
		tok, err := tokenizer.LoadOptions(dir, tokenizer.Options{AddPrefixSpace: new(true)})
		if err != nil {
			t.Fatal(err)
		}
		text := "Владимир  Путин прилетел в Москву, а Angela Merkel — в Париж. Ёлка 🎄 стоит.\u200b "
		eng := &recordingEngine{}
		p := &Pipeline{Tok: tok, Engine: eng, Labels: labels, MaxLen: 512, BatchSize: 4}
		for _, s := range []tagger.Strategy{tagger.Simple, tagger.First, tagger.Average, tagger.Max} {
			eng.rows = nil
			out, err := p.Run(context.Background(), []Input{{Text: text, Strategy: s}})
			if err != nil {
				t.Fatal(err)
			}
			if want := tok.Encode(text).IDs; len(eng.rows) != 1 || !slices.Equal(eng.rows[0], want) {
				t.Fatalf("%s: model saw %v, want tok.Encode's %v", dir, eng.rows, want)
			}
			runes := []rune(text)
			for _, e := range out[0].Entities {
				if e.Text == "" || text[e.ByteStart:e.ByteEnd] != e.Text || string(runes[e.Start:e.End]) != e.Text {
					t.Fatalf("%s %s: entity %+v does not slice the input", dir, s, e)
				}
			}
			for _, w := range out[0].Words {
				if text[w.ByteStart:w.ByteEnd] != w.Text || string(runes[w.Start:w.End]) != w.Text {
					t.Fatalf("%s: word %+v does not slice the input", dir, w)
				}
				if strings.Contains(dir, "bpe") && strings.HasPrefix(w.Text, " ") && strings.TrimSpace(w.Text) != "" {
					t.Fatalf("%s: word %q keeps the space of its Ġ piece", dir, w.Text)
				}
			}
		}
	}
}
