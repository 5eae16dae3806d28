package dataset

import (
	"fmt"
	"math"

	"github.com/nerkit/nerkit/conll"
)

// WordPrediction is the model's answer for one input word.
type WordPrediction struct {
	Label    int32   // predicted label id; the outside label when !HasToken
	Score    float32 // softmax probability of Label at the word's first sub-token; 0 when !HasToken
	HasToken bool    // false for a word that yielded no sub-token
}

// SentenceProbs are the per-sub-token label distributions of one sentence,
// merged across windows, with the word mapping: what Hugging Face's
// aggregation strategies (simple, first, average, max) work from.
type SentenceProbs struct {
	NumLabels int
	IDs       []int32   // per sub-token (specials excluded)
	Probs     []float32 // len(IDs)*NumLabels, row-major: softmax of each sub-token's logits
	Argmax    []int32   // per sub-token: argmax of its logits, ties to the lower id (as np.argmax)
	TokenWord []int     // per sub-token: its word's index
	WordStart []int     // per word: its first sub-token, -1 when it has none
	WordEnd   []int     // per word: one past its last sub-token, -1 when it has none
	// Offsets are per sub-token its byte range within its word; nil
	// unless the examples were encoded with Options.Offsets.
	Offsets [][2]int
}

// Token returns sub-token k's label distribution.
func (p *SentenceProbs) Token(k int) []float32 {
	return p.Probs[k*p.NumLabels : (k+1)*p.NumLabels]
}

// WordTokens returns word w's sub-tokens as [start, end); empty for a word
// with none.
func (p *SentenceProbs) WordTokens(w int) (start, end int) {
	if p.WordStart[w] < 0 {
		return 0, 0
	}
	return p.WordStart[w], p.WordEnd[w]
}

// Collector gathers logits batch by batch, in any order, and maps them back
// to words. A sub-token that appears in several windows takes its
// distribution from the window where it has the most context: the largest
// min(distance to the window's first sub-token, distance to its last), ties
// to the earlier window. A word's prediction is its first sub-token's, so
// every word gets exactly one label whatever the windowing. A Collector is
// not safe for concurrent use.
type Collector struct {
	examples  []Example
	lines     []int
	numLabels int
	outside   int32
	sents     []SentenceProbs
	best      [][]int32 // per sentence and sub-token: winning context, -1 before any
	bestWin   [][]int32
}

// NewCollector prepares for the examples Encode made from sentences.
// outside is the label id given to words without sub-tokens (O).
func NewCollector(sentences []conll.Sentence, examples []Example, numLabels int, outside int32) (*Collector, error) {
	if numLabels <= 0 {
		return nil, fmt.Errorf("dataset: %d labels", numLabels)
	}
	c := &Collector{examples: examples, numLabels: numLabels, outside: outside,
		lines: make([]int, len(sentences)),
		sents: make([]SentenceProbs, len(sentences)),
		best:  make([][]int32, len(sentences)), bestWin: make([][]int32, len(sentences))}
	tokens := make([]int, len(sentences))
	withOffs := false
	for i := range examples {
		ex := &examples[i]
		if ex.SentenceIndex < 0 || ex.SentenceIndex >= len(sentences) {
			return nil, fmt.Errorf("dataset: example %d belongs to sentence %d of %d", i, ex.SentenceIndex, len(sentences))
		}
		tokens[ex.SentenceIndex] = max(tokens[ex.SentenceIndex], ex.TokenEnd())
		withOffs = withOffs || ex.Offsets != nil
	}
	for s := range sentences {
		c.lines[s] = sentences[s].Line
		n, words := tokens[s], len(sentences[s].Words)
		p := SentenceProbs{NumLabels: numLabels, IDs: make([]int32, n), Probs: make([]float32, n*numLabels), Argmax: make([]int32, n),
			TokenWord: make([]int, n), WordStart: make([]int, words), WordEnd: make([]int, words)}
		for w := range words {
			p.WordStart[w], p.WordEnd[w] = -1, -1
		}
		if withOffs {
			p.Offsets = make([][2]int, n)
		}
		c.sents[s] = p
		c.best[s] = make([]int32, n)
		c.bestWin[s] = make([]int32, n)
		for k := range c.best[s] {
			c.best[s][k] = -1
		}
	}
	for i := range examples {
		ex := &examples[i]
		p := &c.sents[ex.SentenceIndex]
		for j := 1; j < ex.Len()-1; j++ {
			k, w := ex.TokenStart+j-1, ex.WordIndex[j]
			if w < 0 || w >= len(p.WordStart) {
				return nil, fmt.Errorf("dataset: example %d position %d: word %d out of range", i, j, w)
			}
			p.IDs[k], p.TokenWord[k] = ex.IDs[j], w
			if p.Offsets != nil && ex.Offsets != nil {
				p.Offsets[k] = ex.Offsets[j]
			}
			if p.WordStart[w] < 0 || k < p.WordStart[w] {
				p.WordStart[w] = k
			}
			p.WordEnd[w] = max(p.WordEnd[w], k+1)
		}
	}
	return c, nil
}

// AddBatch takes the logits of a batch made from the collector's examples:
// Size*Len*NumLabels values, row-major.
func (c *Collector) AddBatch(b *Batch, logits []float32) error {
	if len(b.Rows) != b.Size {
		return fmt.Errorf("dataset: batch of %d rows records %d example indexes", b.Size, len(b.Rows))
	}
	if want := b.Size * b.Len * c.numLabels; len(logits) != want {
		return fmt.Errorf("dataset: %d logits for a %d×%d batch of %d labels, want %d", len(logits), b.Size, b.Len, c.numLabels, want)
	}
	row := b.Len * c.numLabels
	for i, r := range b.Rows {
		if err := c.AddExample(r, logits[i*row:(i+1)*row]); err != nil {
			return err
		}
	}
	return nil
}

// AddExample takes the logits of one example, position by position
// (at least its Len()*NumLabels values; padding beyond is ignored).
func (c *Collector) AddExample(index int, logits []float32) error {
	if index < 0 || index >= len(c.examples) {
		return fmt.Errorf("dataset: example %d of %d", index, len(c.examples))
	}
	ex := &c.examples[index]
	L := c.numLabels
	if len(logits) < ex.Len()*L {
		return fmt.Errorf("dataset: %d logits for example %d of %d positions and %d labels", len(logits), index, ex.Len(), L)
	}
	s := ex.SentenceIndex
	p, best, bestWin := &c.sents[s], c.best[s], c.bestWin[s]
	first, last := ex.TokenStart, ex.TokenEnd()-1
	for j := 1; j < ex.Len()-1; j++ {
		k := ex.TokenStart + j - 1
		ctx := int32(min(k-first, last-k))
		win := int32(ex.Window)
		if ctx < best[k] || (ctx == best[k] && win >= bestWin[k]) {
			continue
		}
		best[k], bestWin[k] = ctx, win
		p.Argmax[k] = softmax(p.Probs[k*L:(k+1)*L], logits[j*L:(j+1)*L])
	}
	return nil
}

// softmax writes the softmax of x to dst (max subtracted, sums in float64)
// and returns the argmax of x, the first on ties.
func softmax(dst, x []float32) int32 {
	arg := 0
	for i, v := range x {
		if v > x[arg] {
			arg = i
		}
	}
	m := x[arg]
	var sum float64
	for i, v := range x {
		e := math.Exp(float64(v - m))
		dst[i] = float32(e)
		sum += e
	}
	for i := range dst {
		dst[i] = float32(float64(dst[i]) / sum)
	}
	return int32(arg)
}

// Complete reports the first sub-token that has not received logits yet.
func (c *Collector) Complete() error {
	for s, best := range c.best {
		for k, b := range best {
			if b < 0 {
				return fmt.Errorf("dataset: sentence %d (line %d): sub-token %d of word %d has no logits", s, c.lines[s], k, c.sents[s].TokenWord[k])
			}
		}
	}
	return nil
}

// Sentences is the number of sentences.
func (c *Collector) Sentences() int { return len(c.sents) }

// Words returns one prediction per word of sentence s: the argmax of the
// logits at the word's first sub-token (as run_ner.py's evaluation and the
// pipelines' "first" strategy), or the outside label for a word without
// sub-tokens. Check Complete first: a sub-token without logits reads as
// label 0 with score 0.
func (c *Collector) Words(s int) []WordPrediction {
	p := &c.sents[s]
	out := make([]WordPrediction, len(p.WordStart))
	for w, k := range p.WordStart {
		if k < 0 {
			out[w] = WordPrediction{Label: c.outside}
			continue
		}
		arg := p.Argmax[k]
		out[w] = WordPrediction{Label: arg, Score: p.Token(k)[arg], HasToken: true}
	}
	return out
}

// Probs returns sentence s's merged per-sub-token distributions. The result
// shares the collector's memory; do not modify it.
func (c *Collector) Probs(s int) *SentenceProbs { return &c.sents[s] }

// Predictions checks Complete and returns Words for every sentence.
func (c *Collector) Predictions() ([][]WordPrediction, error) {
	if err := c.Complete(); err != nil {
		return nil, err
	}
	out := make([][]WordPrediction, len(c.sents))
	for s := range out {
		out[s] = c.Words(s)
	}
	return out, nil
}
