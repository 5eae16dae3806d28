// Package servetest provides a deterministic fake Recognizer for testing and
// load-testing the NER service without a model.
package servetest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nerkit/nerkit/serve"
	"github.com/nerkit/nerkit/tagger"
)

// Labels are the fake model's labels, in id order.
var Labels = []string{"O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"}

// Fake tags words by their shape: a capitalised word following "in", "at",
// "в" or "во" is LOC, other capitalised words are PER, all-caps words of two
// or more letters are ORG; neighbouring words of one type form one entity.
// Words are runs of letters, digits and marks; any other non-space
// character is a word by itself. Each word is cut into sub-tokens of up to
// four characters, which get distributions the tagger aggregates like a
// real model's. A call costs BatchCost plus TokenCost per sub-token, so that
// batching pays off as it does with a real model.
type Fake struct {
	BatchCost time.Duration // fixed cost of one Recognize call
	TokenCost time.Duration // cost per sub-token ([CLS] and [SEP] included)
	Spin      bool          // burn CPU for the cost instead of sleeping
	// Gate, when set, holds every call until it can receive from Gate (or
	// the context ends): tests use it to fill the queue deterministically.
	Gate chan struct{}
	// IgnoreContext makes the gate and the cost ignore cancellation, like
	// a model that cannot be interrupted.
	IgnoreContext bool
	// Fail, when set, is returned by every call.
	Fail error
	// PanicText makes a call panic when one of its texts equals it.
	PanicText string

	calls    atomic.Int64
	texts    atomic.Int64
	mu       sync.Mutex
	sizes    []int
	seenText map[string]int
}

// Info describes the fake model.
func (f *Fake) Info() serve.ModelInfo {
	return serve.ModelInfo{
		Name:      "fake",
		Labels:    Labels,
		VocabSize: 1000,
		MaxLength: 512,
		Config:    serve.ModelConfig{Architecture: "FakeForTokenClassification", Layers: 2, Hidden: 64, Heads: 2, Intermediate: 256},
	}
}

// Calls is the number of Recognize calls so far.
func (f *Fake) Calls() int64 { return f.calls.Load() }

// BatchSizes lists the number of inputs of every call so far.
func (f *Fake) BatchSizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.sizes...)
}

// Seen reports how many times text has been run through the model.
func (f *Fake) Seen(text string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seenText[text]
}

// Recognize tags every input after paying the modelled cost.
func (f *Fake) Recognize(ctx context.Context, inputs []serve.Input) ([]serve.Output, error) {
	f.calls.Add(1)
	f.texts.Add(int64(len(inputs)))
	f.mu.Lock()
	f.sizes = append(f.sizes, len(inputs))
	if f.seenText == nil {
		f.seenText = map[string]int{}
	}
	for _, in := range inputs {
		f.seenText[in.Text]++
	}
	f.mu.Unlock()

	if f.IgnoreContext {
		ctx = context.Background()
	}
	if f.Gate != nil {
		select {
		case <-f.Gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	outs := make([]serve.Output, len(inputs))
	tokens := 0
	for i, in := range inputs {
		if f.PanicText != "" && in.Text == f.PanicText {
			panic("fake recognizer: panic text")
		}
		outs[i] = Tag(in)
		tokens += outs[i].Tokens
	}
	if err := f.pay(ctx, f.BatchCost+time.Duration(tokens)*f.TokenCost); err != nil {
		return nil, err
	}
	if f.Fail != nil {
		return nil, f.Fail
	}
	return outs, nil
}

func (f *Fake) pay(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if f.Spin {
		end := time.Now().Add(d)
		for i := 0; time.Now().Before(end); i++ {
			if i%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Tag is the fake model's answer for one input, without any cost.
func Tag(in serve.Input) serve.Output {
	spans := splitWords(in)
	words := make([]tagger.Word, len(spans))
	tokens := 2
	prevType := ""
	prevWord := ""
	for i, sp := range spans {
		w := in.Text[sp[0]:sp[1]]
		typ := wordType(w, prevWord)
		tag := "O"
		if typ != "" {
			tag = "B-" + typ
			if typ == prevType {
				tag = "I-" + typ
			}
		}
		prevType, prevWord = typ, w
		words[i] = tagger.Word{Start: sp[0], End: sp[1], Tokens: pieces(w, sp[0], tag)}
		tokens += len(words[i].Tokens)
	}
	strategy := in.Strategy
	if strategy == "" {
		strategy = tagger.First
	}
	out := serve.Output{Entities: tagger.Entities(in.Text, words, Labels, strategy), Tokens: tokens}
	if in.Details {
		out.Words = serve.WordDetails(in.Text, words, tagger.WordTags(words, Labels, strategy))
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// splitWords gives the byte spans of the words: the caller's for pre-split
// input (joined by single spaces), else runs of word characters and single
// other non-space characters.
func splitWords(in serve.Input) [][2]int {
	var spans [][2]int
	if in.Words != nil {
		off := 0
		for _, w := range in.Words {
			spans = append(spans, [2]int{off, off + len(w)})
			off += len(w) + 1
		}
		return spans
	}
	start := -1
	for i, r := range in.Text {
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
			continue
		case start >= 0:
			spans = append(spans, [2]int{start, i})
			start = -1
		}
		if !unicode.IsSpace(r) {
			spans = append(spans, [2]int{i, i + utf8.RuneLen(r)})
		}
	}
	if start >= 0 {
		spans = append(spans, [2]int{start, len(in.Text)})
	}
	return spans
}

func wordType(w, prev string) string {
	first, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(first) {
		return ""
	}
	upper, letters := 0, 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	switch {
	case letters >= 2 && upper == letters:
		return "ORG"
	case prev == "in" || prev == "at" || prev == "в" || prev == "во":
		return "LOC"
	}
	return "PER"
}

// pieces cuts a word into sub-tokens of up to four characters. The first
// gets the word's tag; continuations lean to I- of the same type, less
// surely, so that the aggregation strategies give different scores.
func pieces(w string, base int, tag string) []tagger.Token {
	var toks []tagger.Token
	start, n := 0, 0
	for i := range w {
		if n == 4 {
			toks = append(toks, tagger.Token{Start: base + start, End: base + i})
			start, n = i, 0
		}
		n++
	}
	toks = append(toks, tagger.Token{Start: base + start, End: base + len(w)})
	cont := tag
	if len(tag) > 2 && tag[0] == 'B' {
		cont = "I" + tag[1:]
	}
	runes := utf8.RuneCountInString(w)
	for k := range toks {
		if k == 0 {
			toks[k].Probs = dist(tag, 0.80+0.02*float32(runes%10))
		} else {
			toks[k].Probs = dist(cont, 0.55+0.1*float32(k%4))
		}
	}
	return toks
}

// dist puts p on label and spreads the rest evenly.
func dist(label string, p float32) []float32 {
	probs := make([]float32, len(Labels))
	rest := (1 - p) / float32(len(Labels)-1)
	for j, l := range Labels {
		if l == label {
			probs[j] = p
		} else {
			probs[j] = rest
		}
	}
	return probs
}
