package crf

import (
	"fmt"
	"math"
)

// viterbi returns the highest-scoring tag sequence of n words, and its
// score, under emissions em (n×L) and the scores sc. When mask is not nil
// only the moves it allows are considered at all, rather than merely
// scored −∞: a label is a candidate at word t only if some allowed path
// reaches it, so the result is allowed whatever the scores are (−∞, NaN or
// ties included; NewConstraints guarantees an allowed path exists). Scores
// add up in float64. Ties go to the lower label id, so the result is
// deterministic.
func viterbi(em []float32, n int, sc scores, mask *Constraints, edges Edges) ([]int, float64) {
	if n == 0 {
		return []int{}, 0
	}
	l := sc.l
	delta, next := make([]float64, l), make([]float64, l)
	reach, nextReach := make([]bool, l), make([]bool, l)
	back := make([]int32, n*l)
	for j := range l {
		reach[j] = mask == nil || edges&SentenceStart == 0 || mask.AllowedStart(j)
		delta[j] = float64(em[j])
		if edges&SentenceStart != 0 {
			delta[j] += float64(sc.start[j])
		}
	}
	for t := 1; t < n; t++ {
		for j := range l {
			best, bestScore := -1, math.Inf(-1)
			for i := range l {
				if !reach[i] || (mask != nil && !mask.Allowed(i, j)) {
					continue
				}
				if s := delta[i] + float64(sc.trans[i*l+j]); best < 0 || s > bestScore {
					best, bestScore = i, s
				}
			}
			nextReach[j] = best >= 0
			next[j] = bestScore + float64(em[t*l+j])
			back[t*l+j] = int32(best)
		}
		delta, next = next, delta
		reach, nextReach = nextReach, reach
	}
	last, lastScore := -1, math.Inf(-1)
	for j := range l {
		if !reach[j] || (mask != nil && edges&SentenceEnd != 0 && !mask.AllowedEnd(j)) {
			continue
		}
		s := delta[j]
		if edges&SentenceEnd != 0 {
			s += float64(sc.end[j])
		}
		if last < 0 || s > lastScore {
			last, lastScore = j, s
		}
	}
	tags := make([]int, n)
	tags[n-1] = last
	for t := n - 1; t > 0; t-- {
		tags[t-1] = int(back[t*l+tags[t]])
	}
	return tags, lastScore
}

// Viterbi returns the most probable tag sequence of a whole sentence of n
// words (em is n×L) and its score s(y). A constrained CRF's result always
// follows the scheme.
func (c *CRF) Viterbi(em []float32, n int) ([]int, float64, error) {
	if err := c.checkEmissions(em, n); err != nil {
		return nil, 0, err
	}
	tags, score := viterbi(em, n, c.scores(), c.mask(), WholeSentence)
	return tags, score, nil
}

// Decode is Viterbi followed by Marginals, what tagging a sentence with a
// CRF head needs: the tags, and the marginals that score words and entities.
func (c *CRF) Decode(em []float32, n int) ([]int, *Marginals, error) {
	tags, _, err := c.Viterbi(em, n)
	if err != nil {
		return nil, nil, err
	}
	m, err := c.Marginals(em, n)
	if err != nil {
		return nil, nil, err
	}
	return tags, m, nil
}

// DecodeConstrained is constrained decoding without a CRF: the tag sequence
// with the highest total score Σₜ scores[t][yₜ] among those the scheme
// allows. With word-level log-probabilities as scores this is the most
// probable valid sequence if words were independent given the input: what
// a softmax head believes, forced to be well formed. It is the Viterbi of a
// CRF whose transitions score 0 where allowed and −∞ where forbidden, and
// shares that code. wordScores is n×L; −∞ is allowed (an impossible
// label). edges is WholeSentence for tagging. Fewer than n×L scores is a
// programming error and panics.
func DecodeConstrained(wordScores []float32, n int, c *Constraints, edges Edges) []int {
	l := c.Len()
	if len(wordScores) < n*l {
		panic(fmt.Sprintf("crf: DecodeConstrained: %d scores for %d words of %d labels", len(wordScores), n, l))
	}
	zeros := make([]float32, l*l)
	free := scores{l: l, trans: zeros, start: zeros[:l], end: zeros[:l]}
	tags, _ := viterbi(wordScores, n, free, c, edges)
	return tags
}

// minLogProb is log of the smallest positive float32: a probability that
// rounded to 0 was below it, so that is the most it can have been.
var minLogProb = float32(math.Log(math.SmallestNonzeroFloat32))

// DecodeConstrainedProbs decodes word-level probability distributions
// (one row of L per word, as the first/average/max aggregation strategies
// give them) with DecodeConstrained over their logs. A word without a
// distribution (nil row: the word has no sub-token) is held to O, as the
// argmax tagger tags it; without an O label it has no say. Probabilities
// that rounded to 0 count as the smallest float32 instead, so that such a
// label stays worse than any positive one but a sentence is never left
// without a finite path. Each non-nil row must hold at least L values.
func DecodeConstrainedProbs(probs [][]float32, c *Constraints) []int {
	l := c.Len()
	outside := -1
	for j, t := range c.tags {
		if t.prefix == 'O' {
			outside = j
		}
	}
	logs := make([]float32, len(probs)*l)
	for t, row := range probs {
		dst := logs[t*l : (t+1)*l]
		if row == nil {
			if outside >= 0 {
				for j := range dst {
					dst[j] = float32(math.Inf(-1))
				}
				dst[outside] = 0
			}
			continue
		}
		for j, p := range row[:l] {
			dst[j] = max(float32(math.Log(float64(p))), minLogProb)
		}
	}
	return DecodeConstrained(logs, len(probs), c, WholeSentence)
}
