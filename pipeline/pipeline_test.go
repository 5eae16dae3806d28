package pipeline

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/dataset"
	"github.com/nerkit/nerkit/tagger"
	"github.com/nerkit/nerkit/wordpiece"
)

var labels = []string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}

// tokenEngine's logits depend only on each position's token id, so windowing
// must not change any prediction.
type tokenEngine struct{ calls int }

func (e *tokenEngine) NumLabels() int { return len(labels) }

func (e *tokenEngine) Logits(b *dataset.Batch) ([]float32, error) {
	e.calls++
	out := make([]float32, b.Size*b.Len*len(labels))
	for i, id := range b.InputIDs {
		out[i*len(labels)+int(id)%len(labels)] = 3
	}
	return out, nil
}

func loadTok(t testing.TB) *wordpiece.Tokenizer {
	t.Helper()
	tok, err := wordpiece.Load("../testdata/data/mbert-vocab/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

const text = "Владимир Путин прилетел в Москву, а Angela Merkel — в Париж. Ёлка 🎄 стоит."

func TestEntitiesSliceTheInput(t *testing.T) {
	p := &Pipeline{Tok: loadTok(t), Engine: &tokenEngine{}, Labels: labels, MaxLen: 512, BatchSize: 4}
	for _, s := range []tagger.Strategy{tagger.Simple, tagger.First, tagger.Average, tagger.Max} {
		out, err := p.Run(context.Background(), []Input{{Text: text, Strategy: s}})
		if err != nil {
			t.Fatal(err)
		}
		runes := []rune(text)
		for _, e := range out[0].Entities {
			if text[e.ByteStart:e.ByteEnd] != e.Text || string(runes[e.Start:e.End]) != e.Text {
				t.Fatalf("%s: entity %+v does not slice the input", s, e)
			}
		}
		spans := p.Tok.PreTokenize(text)
		if len(out[0].Words) != len(spans) {
			t.Fatalf("%d words, want %d", len(out[0].Words), len(spans))
		}
	}
}

func TestWindowingChangesNothing(t *testing.T) {
	long := strings.Repeat(text+" ", 20)
	inputs := []Input{{Text: long}, {Text: text}, {Words: strings.Fields(text)}}
	full := &Pipeline{Tok: loadTok(t), Engine: &tokenEngine{}, Labels: labels, MaxLen: 512, BatchSize: 8}
	small := &Pipeline{Tok: loadTok(t), Engine: &tokenEngine{}, Labels: labels, MaxLen: 16, Stride: 4, BatchSize: 8}
	a, err := full.Run(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := small.Run(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if !reflect.DeepEqual(a[i].Entities, b[i].Entities) || !reflect.DeepEqual(a[i].Words, b[i].Words) {
			t.Fatalf("input %d: windowed run differs from the unwindowed one", i)
		}
	}
	if b[0].Tokens <= a[0].Tokens {
		t.Fatalf("overlapping windows should process more positions: %d vs %d", b[0].Tokens, a[0].Tokens)
	}
	if small.Engine.(*tokenEngine).calls <= full.Engine.(*tokenEngine).calls {
		t.Fatal("the long text was not windowed")
	}
	if len(a[0].Words) != 20*len(full.Tok.PreTokenize(text)) {
		t.Fatalf("long text: %d words", len(a[0].Words))
	}
}

func TestPreSplitWords(t *testing.T) {
	p := &Pipeline{Tok: loadTok(t), Engine: &tokenEngine{}, Labels: labels, MaxLen: 64}
	words := []string{"Anna", "\u200b", "Berlin"}
	out, err := p.Run(context.Background(), []Input{{Words: words}})
	if err != nil {
		t.Fatal(err)
	}
	w := out[0].Words
	if len(w) != 3 || w[1].Tag != "O" || w[1].Score != nil || w[0].Score == nil {
		t.Fatalf("%+v", w)
	}
	for _, e := range out[0].Entities {
		if !strings.Contains("Anna \u200b Berlin", e.Text) {
			t.Fatalf("entity %+v", e)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &Pipeline{Tok: loadTok(t), Engine: &tokenEngine{}, Labels: labels, MaxLen: 64}
	if _, err := p.Run(ctx, []Input{{Text: text}}); err == nil {
		t.Fatal("want the context's error")
	}
}
