// Package serve is nerkit's HTTP inference service: a JSON API for named
// entity recognition with micro-batching of concurrent requests, limits and
// back-pressure, Prometheus metrics, health endpoints, graceful shutdown and
// a small embedded web page. The model sits behind the Recognizer interface so
// the service can be tested and load-tested without one.
package serve

import (
	"context"

	"github.com/nerkit/nerkit/tagger"
)

// Recognizer is the model behind the service. Recognize runs one batch: the
// server gathers the texts of concurrent requests and calls it with all of
// them at once, so an implementation should run them as one forward pass (or
// as few as it needs). It must return one Output per Input, in order, and may
// be called from several goroutines at once (Options.Workers > 1). Long texts
// must be windowed, never truncated.
type Recognizer interface {
	Recognize(ctx context.Context, inputs []Input) ([]Output, error)
	Info() ModelInfo
}

// Input is one text to tag.
type Input struct {
	// Text is the raw text. For pre-split input it is Words joined by single
	// spaces, and every offset in the Output refers to it.
	Text string
	// Words are the caller's words (nil for raw text): the recognizer must
	// keep them as word boundaries instead of splitting Text itself.
	Words    []string
	Strategy tagger.Strategy
	// Details asks for per-word tags in Output.Words.
	Details bool
	// Decode is the decoding asked for: argmax, constrained or "" (the
	// model's own).
	Decode string
}

// Output is the answer for one Input.
type Output struct {
	Entities []tagger.Entity
	// Words holds one entry per word when Input.Details was set.
	Words []WordDetail
	// Tokens is the number of sub-tokens the model processed for this text
	// (special tokens and window overlaps included); it feeds the metrics.
	Tokens int
}

// WordDetail is the tag the model chose for one word. Offsets are as in
// tagger.Entity: code points (Start/End) and bytes into Input.Text. Score is
// 0 for a word without sub-tokens (tag O).
type WordDetail struct {
	Word      string  `json:"word"`
	Start     int     `json:"start"`
	End       int     `json:"end"`
	ByteStart int     `json:"byte_start"`
	ByteEnd   int     `json:"byte_end"`
	Tag       string  `json:"tag"`
	Score     float32 `json:"score"`
}

// ModelInfo describes the loaded model for GET /v1/model.
type ModelInfo struct {
	Name      string      `json:"name"`       // the model's name: never a server path
	Labels    []string    `json:"labels"`     // id2label in id order
	VocabSize int         `json:"vocab_size"` // word pieces
	MaxLength int         `json:"max_length"` // sub-tokens per window, special tokens included
	Config    ModelConfig `json:"config"`
}

// ModelConfig summarises the encoder's shape.
type ModelConfig struct {
	Architecture string `json:"architecture,omitempty"` // e.g. BertForTokenClassification
	Layers       int    `json:"layers"`
	Hidden       int    `json:"hidden"`
	Heads        int    `json:"heads"`
	Intermediate int    `json:"intermediate,omitempty"`
}

// WordDetails pairs the words of text with the tags tagger.WordTags chose
// for them, with code-point and byte offsets: the Output.Words a recognizer
// returns when Input.Details is set.
func WordDetails(text string, words []tagger.Word, tags []tagger.WordTag) []WordDetail {
	out := make([]WordDetail, len(words))
	runes := tagger.NewCodePoints(text) // words come in order
	for i, w := range words {
		out[i] = WordDetail{
			Word:      text[w.Start:w.End],
			Start:     runes.At(w.Start),
			End:       runes.At(w.End),
			ByteStart: w.Start,
			ByteEnd:   w.End,
			Tag:       tags[i].Tag,
			Score:     tags[i].Score,
		}
	}
	return out
}
