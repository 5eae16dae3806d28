// Package tagger turns the model's per-sub-token label distributions into
// word tags and entity spans, with Hugging Face's TokenClassificationPipeline
// aggregation strategies:
//
//   - simple:  entities are grouped from sub-tokens (not words) by the B-/I-
//     rule; a group's score is the mean of its tokens' scores. As in HF, a
//     continuation sub-token predicted as B-X starts a new entity.
//   - first:   a word takes the label of its first sub-token (the label the
//     model was trained on) and that sub-token's probability.
//   - average: a word's label is the argmax of its sub-tokens' averaged
//     probability vectors; the score is that average.
//   - max:     a word takes the label of its most confident sub-token.
//
// For first/average/max, words are then grouped into entities by the same
// B-/I- rule and an entity's score is the mean of its words' scores. Words
// labelled O never form entities. Offsets are given both in bytes and in
// Unicode code points (Python string indexes, as HF reports them).
package tagger

import (
	"fmt"
	"strings"
)

// Strategy selects how sub-token predictions become words and entities.
type Strategy string

// The aggregation strategies of HF's token-classification pipeline.
const (
	Simple  Strategy = "simple"
	First   Strategy = "first"
	Average Strategy = "average"
	Max     Strategy = "max"
)

// ParseStrategy accepts the names HF uses.
func ParseStrategy(s string) (Strategy, error) {
	switch Strategy(strings.ToLower(s)) {
	case Simple, First, Average, Max:
		return Strategy(strings.ToLower(s)), nil
	case "":
		return First, nil
	}
	return "", fmt.Errorf("unknown aggregation strategy %q (want simple, first, average or max)", s)
}

// Token is one sub-token of a word: its byte span in the text and the
// softmax distribution over labels the model gave it.
type Token struct {
	Start, End int
	Probs      []float32
}

// Word is one word of the input with its byte span and its sub-tokens. A word
// with no sub-token (only characters the tokenizer drops) has no Tokens and
// is tagged O with no score.
type Word struct {
	Start, End int
	Tokens     []Token
}

// Entity is one predicted entity.
type Entity struct {
	Type      string  `json:"type"`
	Text      string  `json:"text"`
	Start     int     `json:"start"` // code points into the input
	End       int     `json:"end"`
	ByteStart int     `json:"byte_start"`
	ByteEnd   int     `json:"byte_end"`
	Score     float32 `json:"score"`
}

// WordTag is the tag chosen for a word and its confidence; HasScore is false
// for words without sub-tokens.
type WordTag struct {
	Tag      string
	Score    float32
	HasScore bool
}

// WordTags picks one tag per word with the given strategy (simple behaves
// like first at word level, since it does not form words).
func WordTags(words []Word, labels []string, s Strategy) []WordTag {
	out := make([]WordTag, len(words))
	for i, w := range words {
		out[i] = wordTag(w, labels, s)
	}
	return out
}

func wordTag(w Word, labels []string, s Strategy) WordTag {
	if len(w.Tokens) == 0 {
		return WordTag{Tag: "O"}
	}
	switch s {
	case Average:
		avg := make([]float32, len(labels))
		for _, t := range w.Tokens {
			for j, p := range t.Probs {
				avg[j] += p
			}
		}
		for j := range avg {
			avg[j] /= float32(len(w.Tokens))
		}
		j := argmax(avg)
		return WordTag{Tag: labels[j], Score: avg[j], HasScore: true}
	case Max:
		best, bestScore := 0, float32(-1)
		for k, t := range w.Tokens {
			if j := argmax(t.Probs); t.Probs[j] > bestScore {
				best, bestScore = k, t.Probs[j]
			}
		}
		j := argmax(w.Tokens[best].Probs)
		return WordTag{Tag: labels[j], Score: bestScore, HasScore: true}
	default: // First, Simple
		j := argmax(w.Tokens[0].Probs)
		return WordTag{Tag: labels[j], Score: w.Tokens[0].Probs[j], HasScore: true}
	}
}

func argmax(p []float32) int {
	best := 0
	for j := range p {
		if p[j] > p[best] {
			best = j
		}
	}
	return best
}

// piece is a unit being grouped: a word or, for simple, a sub-token.
type piece struct {
	tag        string
	score      float32
	start, end int
}

// Entities groups the words of text into entities.
func Entities(text string, words []Word, labels []string, s Strategy) []Entity {
	var pieces []piece
	if s == Simple {
		for _, w := range words {
			for _, t := range w.Tokens {
				j := argmax(t.Probs)
				pieces = append(pieces, piece{labels[j], t.Probs[j], t.Start, t.End})
			}
		}
	} else {
		for i, wt := range WordTags(words, labels, s) {
			if !wt.HasScore {
				// Keeps the word in sequence so an entity never spans it.
				pieces = append(pieces, piece{"O", 0, words[i].Start, words[i].End})
				continue
			}
			pieces = append(pieces, piece{wt.Tag, wt.Score, words[i].Start, words[i].End})
		}
	}
	return group(text, pieces)
}

// splitTag follows HF's get_tag: B-X and I-X give (B|I, X); anything else
// (O, or a label outside the B-/I- scheme) counts as a continuation.
func splitTag(tag string) (bi byte, typ string) {
	if len(tag) > 2 && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-' {
		return tag[0], tag[2:]
	}
	return 'I', tag
}

func group(text string, pieces []piece) []Entity {
	var out []Entity
	var cur []piece
	runes := NewCodePoints(text) // entities come in text order
	flush := func() {
		if len(cur) == 0 {
			return
		}
		_, typ := splitTag(cur[0].tag)
		if typ != "O" {
			var sum float32
			for _, p := range cur {
				sum += p.score
			}
			start, end := cur[0].start, cur[len(cur)-1].end
			out = append(out, Entity{
				Type:      typ,
				Text:      text[start:end],
				Start:     runes.At(start),
				End:       runes.At(end),
				ByteStart: start,
				ByteEnd:   end,
				Score:     sum / float32(len(cur)),
			})
		}
		cur = cur[:0]
	}
	for _, p := range pieces {
		if len(cur) > 0 {
			bi, typ := splitTag(p.tag)
			_, lastTyp := splitTag(cur[len(cur)-1].tag)
			if typ != lastTyp || bi == 'B' {
				flush()
			}
		}
		cur = append(cur, p)
	}
	flush()
	return out
}
